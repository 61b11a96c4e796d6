"""Weekly record of the run: counters and costs per commune, plus provider-level figures."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from territoire.model import indicators as ind

if TYPE_CHECKING:
    from territoire.model.model import TerritoryModel

SPECIALTIES = ("endocrinology", "cardiology", "pulmonology", "rheumatology")


class Recorder:
    """Appends one row of arrays per week; ``stacked()`` gives (weeks, …) arrays."""

    # the last week's counters summed over the territory (None before any)
    last_totals: np.ndarray | None = None

    def __init__(self, n_communes: int) -> None:
        self.n_communes = n_communes
        self.weeks: list[int] = []
        self.counts: list[np.ndarray] = []  # (communes, 2, counters) int32
        self.costs: list[np.ndarray] = []  # (communes, items) float64, euros
        self.apl: list[np.ndarray] = []  # (communes,) float32
        self.minutes_to_gp: list[np.ndarray] = []  # (communes,) float32
        self.referrals: list[np.ndarray] = []  # (communes, diseases) int32
        self.utility: list[np.ndarray] = []  # (communes,) sum of QALY weights of the living
        self.providers: dict[str, list[float]] = {}

    def record(
        self,
        model: TerritoryModel,
        week: int,
        counts: np.ndarray,
        costs: np.ndarray,
        referrals: np.ndarray,
        utility: np.ndarray,
    ) -> None:
        self.weeks.append(week)
        self.counts.append(counts.astype(np.int32))
        self.last_totals = self.counts[-1].sum(axis=(0, 1))
        self.costs.append(costs.copy())
        self.apl.append(model.apl.astype(np.float32))
        self.minutes_to_gp.append(model.minutes_to_gp.astype(np.float32))
        self.referrals.append(referrals.astype(np.int32))
        self.utility.append(utility.copy())
        t = model.gp_table
        active = t.active
        workload = t.workload[active]
        row = {  # sums in slot order, one GP after the other
            "gp_count": float(active.sum()),
            "gp_fte": float(sum(t.fte[active].tolist())),
            "gp_capacity_per_week": float(sum(t.weekly_capacity[active].tolist())),
            "gp_workload": float(np.mean(workload)) if workload.size else 0.0,
            "gp_aged_60_plus": float((t.age[active] >= 60).sum()),
            "coordinated_share": 100.0 * float(np.mean([g.coordinated for g in model.gps]))
            if workload.size
            else 0.0,
            "gp_with_nurse": float(t.has_nurse[active].sum()),
        }
        row["specialist_referrals_left"] = float(sum(spec.left for spec in model.specialists))
        for spec in model.specialists:
            key = f"waiting_weeks_{spec.specialty.value}"
            row[key] = max(row.get(key, 0.0), float(spec.waiting_weeks))
        for name, value in row.items():
            # NaN before the week it starts (a specialty whose first site opens mid-run)
            if name not in self.providers:
                self.providers[name] = [float("nan")] * (len(self.weeks) - 1)
            self.providers[name].append(value)

    def __len__(self) -> int:
        return len(self.weeks)

    def stacked(self) -> dict[str, np.ndarray]:
        if not self.weeks:
            raise ValueError("nothing recorded yet: run the model first")
        return {
            "week": np.asarray(self.weeks),
            "counts": np.stack(self.counts),
            "costs": np.stack(self.costs),
            "apl": np.stack(self.apl),
            "minutes_to_gp": np.stack(self.minutes_to_gp),
            "referrals": np.stack(self.referrals),
            "utility": np.stack(self.utility),
        }

    def recent_unmet_per_inhabitant(self, weeks: int, population: np.ndarray) -> np.ndarray:
        if not self.counts:
            return np.zeros(self.n_communes)
        c = np.stack(self.counts[-weeks:]).sum(axis=(0, 2))
        return ind.unmet_demand(c) / np.maximum(population, 1)
