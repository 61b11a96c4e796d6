"""Warm start: a baseline burn-in saved to a file, from which every scenario and replicate branches.

A checkpoint is the whole model (population, providers, queues) after ``burn_in_years`` of the
baseline, pickled with a header. Load only checkpoints you made: pickle files can run code.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass
from pathlib import Path

from territoire import __version__
from territoire.agents.patients import WEEKS_PER_YEAR
from territoire.errors import TerritoireError

FORMAT = "territoire-checkpoint"
# 8: named stage inputs, the disease registry, policy draws kept in a public cache (2026-12-04);
# 7: specialist queues with a referral share and leavers (2026-12-01);
# 6: the road graph kept pickled in the territory (2026-12-01);
# 5: costs priced from counters, new counters (2026-11-26);
# 4: GP state in the model's GPTable;
# 3: kernels by name, not pickled;
# older checkpoints are refused
FORMAT_VERSION = 9


class CheckpointError(TerritoireError, ValueError):
    """A checkpoint file that cannot be used (corrupt, another format, or made for other
    settings)."""


@dataclass(frozen=True)
class CheckpointKey:
    """What a checkpoint depends on: scenarios branching from it must agree on all of it."""

    seed: int
    burn_in_weeks: int
    territory: tuple  # sorted (key, value) pairs of the scenario's territory overrides

    @classmethod
    def of(cls, scenario) -> CheckpointKey:
        return cls(
            scenario.seed,
            int(round(scenario.burn_in_years * WEEKS_PER_YEAR)),
            tuple(sorted(scenario.territory.items())),
        )


def save_checkpoint(model, key: CheckpointKey, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "code_version": __version__,
        "key": key,
        "territory": model.territory.name,
        "week": model.week,
        "patients": len(model.patients),
        "model": model,
    }
    # processes writing the same checkpoint never share a file
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(payload, fh, protocol=pickle.HIGHEST_PROTOCOL)
    tmp.replace(path)  # a crash never leaves a half-written checkpoint under the final name
    return path


def read_checkpoint(path: str | Path) -> dict:
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        with open(path, "rb") as fh:
            payload = pickle.load(fh)
    except Exception as exc:  # any unpickling failure means the same thing to the user
        raise CheckpointError(
            f"{path} is not a readable territoire checkpoint ({type(exc).__name__}: {exc})"
        ) from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise CheckpointError(f"{path} is not a territoire checkpoint")
    if payload.get("format_version") != FORMAT_VERSION:
        raise CheckpointError(
            f"{path}: checkpoint format {payload.get('format_version')}, "
            f"this version reads {FORMAT_VERSION}"
        )
    return payload


def load_checkpoint(path: str | Path, scenario=None):
    """The model stored in a checkpoint; with a scenario, check that it was made for the same
    settings."""
    payload = read_checkpoint(path)
    if scenario is not None:
        want, have = CheckpointKey.of(scenario), payload["key"]
        if want != have:
            raise CheckpointError(
                f"{path} was made with seed {have.seed}, burn-in {have.burn_in_weeks} weeks, "
                f"territory {dict(have.territory) or 'default'}; "
                f"scenario {scenario.name!r} asks seed {want.seed}, "
                f"burn-in {want.burn_in_weeks} weeks, territory {dict(want.territory) or 'default'}"
            )
    return payload["model"]
