"""A fifth disease, added to the registry alone, runs through every stage.

The registry (``model/diseases.py``) must be the only place that knows how many diseases there are:
counters, cost items, parameter tables, draw slots and kernels derive from it. Tables derive when
their modules are imported, so the disease is registered in a fresh interpreter before anything
else of the model is imported, with a numba cache of its own (the project's cache stays the
four-disease one; the kernels themselves take the number of diseases from the arrays).
"""

import json
import os
import subprocess
import sys
import tempfile
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json
    import numpy as np
    from territoire.model import diseases

    # A made-up chronic disease: every figure it needs comes with its registry entry.
    diseases.register(diseases.Disease(
        "gout",
        specialty="rheumatology",
        denominator="adults",
        avoidable_stays=True,
        prevalence_label="treated gout",
        figures={
            "excess_mortality": (0.0, 0.002, 0.006, 0.02),
            "worsen": 0.15, "regain": 0.4, "complicate": 0.05, "onset_stage2_share": 0.5,
            "acute_rate": (0.0, 0.8, 1.5, 2.5),
            "hospitalisation_if_gp": (0.0, 0.01, 0.02, 0.05),
            "death_in_hospital": 0.01,
            "utility_decrement": (0.0, 0.02, 0.06, 0.12),
            "followup_weeks": (0, 26, 13, 8),
            "specialist_referral": (0.0, 0.02, 0.05, 0.1),
            "specialist_referral_share": 0.1,
            "hospital_stay_eur": 3000.0, "drugs_per_year_eur": 150.0,
            "other_ambulatory_per_year_eur": 300.0, "other_hospital_per_year_eur": 100.0,
            "profile_pct": (
                (0.0, 0.5, 2.0, 4.0, 6.0, 8.0, 8.0), (0.0, 0.1, 0.4, 1.0, 2.5, 4.0, 5.0)
            ),
            "stage_mix": (0.6, 0.3, 0.1),
            "undiagnosed_share": 0.2, "detection_per_visit": 0.05,
        },
    ))

    from territoire.model.indicators import C
    from territoire.model.model import TerritoryModel
    from territoire.model.territory import ALSACE_BOSSUE_SIREN, Territory

    c = Territory.default().communes
    small = Territory.from_communes(
        c[c["epci"] == ALSACE_BOSSUE_SIREN].drop(columns=["zone"]), name="Alsace Bossue",
        priority_epcis=(ALSACE_BOSSUE_SIREN,),
    )
    model = TerritoryModel(seed=5, territory=small).run(52)
    frame = model.indicators(levels=("territory",))
    year = frame.pivot_table(index="week", columns="indicator", values="value")
    counts = np.stack(model.recorder.counts).sum(axis=(0, 1, 2))
    # the same weeks with the readable reference: it must agree with the kernels exactly
    fast = TerritoryModel(seed=5, territory=small).run(6)
    slow = TerritoryModel(seed=5, territory=small, kernels="reference").run(6)
    print(json.dumps({
        "columns": int(model.patients.stage.shape[1]),
        "prevalence_gout": float(year["prevalence_gout"].mean()),
        "prevalence_copd": float(year["prevalence_copd"].mean()),
        "gout_stays": float(year["hospitalisations_gout"].sum()),
        "gout_onsets_treated_cost": float(year["cost_drugs_gout"].sum()),
        "gout_deaths_with": int(counts[C["deaths_with_gout"]]),
        "reference_equal": bool(fast.patients.equals(slow.patients)
                                and all(np.array_equal(a, b) for a, b in
                                        zip(fast.recorder.counts, slow.recorder.counts))),
    }))
    """
)


def test_a_fifth_disease_from_the_registry_alone_runs_a_year():
    env = dict(os.environ, NUMBA_CACHE_DIR=tempfile.mkdtemp(prefix="territoire-numba-5-"))
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr[-4000:]
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["columns"] == 5
    # its prevalence is near what its profile gives adults (~2-4 %), and stays there over the year
    assert 1.0 < got["prevalence_gout"] < 6.0, got
    # the four keep their calibration (treated COPD ~3.8 % of the 40+, tolerance for one seed)
    assert 2.5 < got["prevalence_copd"] < 5.5, got
    # acute episodes of the new disease reach hospital, its patients cost drugs and some die
    assert got["gout_stays"] > 0 and got["gout_onsets_treated_cost"] > 0, got
    assert got["gout_deaths_with"] > 0, got
    assert got["reference_equal"], got
