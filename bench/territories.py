"""Synthetic territories for scaling measurements.

``scaled_territory(n)``: the embedded territory's 142 communes, roads and poles, with every
commune's population multiplied by ``n / 110,467`` (rounded, at least 1 inhabitant). Travel times,
zones and age structure stay those of the real territory; providers are placed and calibrated by the
default rule, so GP numbers grow with the population and the APL stays near the DREES targets. It is
a denser copy of the same place, not a map of another one.
"""

from __future__ import annotations

import numpy as np

from territoire.model.territory import ALSACE_BOSSUE_SIREN, Territory

EMBEDDED_POPULATION = 110_467


def scaled_territory(n_patients: int) -> Territory:
    if n_patients < 142:
        raise ValueError(
            f"a scaled territory needs at least one inhabitant per commune (142), got {n_patients}"
        )
    base = Territory.default()
    communes = base.communes.drop(columns=["zone"]).copy()
    pop = communes["population"].to_numpy(float) * n_patients / EMBEDDED_POPULATION
    rounded = np.maximum(1, np.round(pop)).astype(np.int64)
    # exact total on the largest commune
    rounded[np.argmax(rounded)] += n_patients - int(rounded.sum())
    communes["population"] = rounded
    return Territory.from_communes(
        communes,
        name=f"scaled territory ({n_patients:,} inhabitants)",
        priority_epcis=(ALSACE_BOSSUE_SIREN,),
        params=base.params,
    )
