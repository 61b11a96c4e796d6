"""Health economics and the shared-savings account: small pure functions, checked on hand-made
examples.

Discounting follows the HAS guideline (2.5 % a year by default, "Choix méthodologiques pour
l'évaluation économique à la HAS", 2020): a flow in week w counts ``(1 + rate) ** (-w / 52)``.
"""

from __future__ import annotations

import math

import numpy as np

DEFAULT_DISCOUNT_RATE = 0.025  # source: HAS methodological guide (2020)


def discount_factors(weeks: np.ndarray, rate: float = DEFAULT_DISCOUNT_RATE) -> np.ndarray:
    if rate < 0:
        raise ValueError(f"discount rate must be >= 0, got {rate}")
    return (1.0 + rate) ** (-np.asarray(weeks, float) / 52.0)


def discounted_sum(
    values: np.ndarray, weeks: np.ndarray, rate: float = DEFAULT_DISCOUNT_RATE
) -> float:
    return float(np.sum(np.asarray(values, float) * discount_factors(weeks, rate)))


def shared_savings(
    baseline_care_eur: float, scenario_care_eur: float, programme_eur: float, share_returned: float
) -> dict:
    """The Kinzigtal-style account: the insurer's savings on care, the share returned to the
    territory, the programme's cost, the territory's net result and the return on investment.

    ``care`` excludes the programme and lever running costs, which the territory invests.
    """
    if not 0 <= share_returned <= 1:
        raise ValueError(f"share_returned must be within [0, 1], got {share_returned}")
    gross = baseline_care_eur - scenario_care_eur
    returned = share_returned * max(gross, 0.0)
    net = returned - programme_eur
    return {
        "gross_savings_eur": gross,
        "share_returned": share_returned,
        "returned_to_territory_eur": returned,
        "programme_cost_eur": programme_eur,
        "net_result_eur": net,
        "return_on_investment": (gross - programme_eur) / programme_eur
        if programme_eur > 0
        else math.nan,
    }


def icer(delta_cost_eur: float, delta_qaly: float) -> float:
    """Incremental cost per QALY gained; -inf when the scenario saves money and gains health
    (dominant), +inf when it costs more and loses health (dominated)."""
    if delta_qaly == 0:
        return math.nan
    if delta_qaly > 0 and delta_cost_eur <= 0:
        return -math.inf
    if delta_qaly < 0 and delta_cost_eur >= 0:
        return math.inf
    return delta_cost_eur / delta_qaly


def mean_interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """Mean and two-sided t interval across replicates (NaN bounds with a single replicate)."""
    from scipy import stats

    v = np.asarray(values, float)
    mean = float(v.mean())
    if v.size < 2:
        return mean, math.nan, math.nan
    half = float(stats.t.ppf(0.5 + level / 2, v.size - 1) * v.std(ddof=1) / math.sqrt(v.size))
    return mean, mean - half, mean + half
