"""Scenario files, levers, warm start, common random numbers, comparison and exports."""

import json
import math
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from territoire.agents.patients import MOBILITY_LIMITED
from territoire.experiments.economics import (
    discount_factors,
    discounted_sum,
    icer,
    mean_interval,
    shared_savings,
)
from territoire.model.indicators import C
from territoire.model.model import TerritoryModel
from territoire.model.params import WorkforceParams
from territoire.scenarios.checkpoint import (
    CheckpointError,
    CheckpointKey,
    load_checkpoint,
    save_checkpoint,
)
from territoire.scenarios.levers import LEVERS
from territoire.scenarios.run import branch, run_scenario
from territoire.scenarios.schema import ScenarioError, builtin_names, load_scenario, parse_scenario


# ---- scenario files ---------------------------------------------------------------------------
def _write(tmp_path, text, name="s.toml"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = 'name = "x"\nyears = 2\n'


@pytest.mark.parametrize(
    "body, message",
    [
        (GOOD + "colour = 3\n", r"colour: unknown key; allowed: name, description"),
        (
            GOOD + '[[levers]]\ntype = "magic"\n',
            r"levers\[1\]\.type: unknown lever 'magic'; allowed: teleconsultation",
        ),
        (
            GOOD + '[[levers]]\ntype = "teleconsultation"\nspeed = 3\n',
            r"levers\[1\] \(teleconsultation\)\.speed: unknown key; allowed: ",
        ),
        (
            GOOD + '[[levers]]\ntype = "teleconsultation"\nuptake = "high"\n',
            r"\.uptake: must be a number, got 'high'",
        ),
        (
            GOOD + '[[levers]]\ntype = "teleconsultation"\nuptake = 1.5\n',
            r"\.uptake: must be within \[0, 1\], got 1.5",
        ),
        (
            GOOD + '[[levers]]\ntype = "new_gps"\ncommune = "99999"\n',
            r"\.commune: unknown commune code '99999'",
        ),
        (
            GOOD + '[[levers]]\ntype = "pharmacy_booths"\ncommunes = ["67434", "12345"]\n',
            r"\.communes: unknown commune code '12345'",
        ),
        (
            GOOD + '[[levers]]\ntype = "teleconsultation"\nstart_week = 200\n',
            r"\.start_week: starts at week 200, after the horizon of 104 weeks",
        ),
        (GOOD + '[[levers]]\ntype = "new_gps"\n', r"\.commune: required"),
        (
            GOOD + '[[levers]]\ntype = "telemonitoring"\ndiseases = ["asthma"]\n',
            r"\.diseases: unknown disease 'asthma'",
        ),
        (
            GOOD + '[[levers]]\ntype = "new_gps"\ncommune = "67434"\ncount = 2.5\n',
            r"\.count: must be an integer",
        ),
        (GOOD + "seed = -1\n", r"seed: must be within"),
        ("years = 2\n", r"name: a non-empty string is required"),
        (
            GOOD + "[territory]\nspeed = 3\n",
            r"territory\.speed: unknown key; allowed: file, rural_speed_kmh",
        ),
        (
            GOOD + '[territory]\nproviders = "nope.csv"\n',
            r"territory\.providers: providers file .*nope.csv does not exist",
        ),
        ('name = "x"\nyears = = 2\n', r"not valid TOML"),
    ],
)
def test_each_kind_of_bad_scenario_file_gives_its_clear_error(tmp_path, body, message):
    path = _write(tmp_path, body)
    with pytest.raises(ScenarioError, match=message) as err:
        load_scenario(path)
    assert str(path) in str(err.value)  # the error names the file


def test_unknown_scenario_name_lists_the_builtins():
    with pytest.raises(ScenarioError, match="built-in: baseline, bdd-baseline"):
        load_scenario("utopia")


def test_bad_scenario_on_the_command_line_is_one_line_without_traceback(tmp_path):
    path = _write(tmp_path, GOOD + '[[levers]]\ntype = "teleconsultation"\nuptake = 7\n')
    out = subprocess.run(
        [sys.executable, "-m", "territoire.cli", "run", "--scenario", str(path), "--quiet"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 2
    assert "uptake: must be within [0, 1], got 7" in out.stderr and "Traceback" not in out.stderr


def test_builtins_load_and_show_resolved(tmp_path):
    assert set(builtin_names()) >= {
        "baseline",
        "telemedecine",
        "coordination",
        "installations",
        "mobilite",
        "territoire-2030",
    }
    for name in builtin_names():
        s = load_scenario(name)
        assert s.description["fr"] and s.description["en"]
        # the resolved form round-trips
        again = load_scenario(_write(tmp_path, s.to_toml(), f"{name}.toml"))
        assert again.to_dict() == s.to_dict()
    out = subprocess.run(
        [sys.executable, "-m", "territoire.cli", "scenario", "show", "telemedecine"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (
        out.returncode == 0
        and "gp_offer_share = 0.15" in out.stdout
        and "reach_min = 10.0" in out.stdout
    )


# ---- levers: each changes the mechanism it names -----------------------------------------------
@pytest.fixture(scope="module")
def shortage(small_territory):
    """The Alsace Bossue alone with its GPs at 40 % of their activity: demand exceeds capacity."""
    m = TerritoryModel(
        seed=12,
        territory=small_territory,
        workforce_params=WorkforceParams(installations_per_year=0),
    )
    for g in m.gps:
        g.activity_per_year *= 0.4
    return m.run(8)


def _run(start, levers, weeks=39, replicate=0):
    scenario = parse_scenario(
        {"name": "t", "years": 2, "levers": levers},
        "<test>",
        set(start.territory.codes),
        set(start.territory.epci_codes),
    )
    return branch(start, scenario, replicate).run(weeks)


def _total(model, counter):
    return np.stack(model.recorder.counts)[..., C[counter]].sum()


def _overdue_share(model, mobility: int) -> float:
    """Share of the living patients of a mobility class under follow-up whose follow-up is
    overdue."""
    p = model.patients
    fu = model.ctables["followup_weeks"][np.arange(p.stage.shape[1])[None, :], p.stage]
    planned = (fu > 0) & ~p.undiagnosed & (p.alive & (p.mobility == mobility))[:, None]
    late = p.weeks_since_followup > model.disease_params.overdue_factor * fu
    return (planned & late).sum() / planned.sum()


def _unmet(model):
    return (_total(model, "followup_due") - _total(model, "followup_done")) + (
        _total(model, "routine") - _total(model, "routine_done")
    )


@pytest.fixture(scope="module")
def none(shortage):
    run = _run(shortage, [])
    assert _unmet(run) > 2_000 and _total(run, "emergency") > 20  # guard: the shortage is real
    return run


def _cardiology(model):
    return sum(x.activity_per_year for x in model.specialists if x.specialty.value == "cardiology")


def _cost(model, item):
    from territoire.model.accounts import ITEMS

    return np.stack(model.recorder.costs)[..., ITEMS.index(item)].sum()


# Each check compares the lever with the same territory, seed and replicate without it (common
# random numbers), so any difference is the lever's. Tolerance: strict inequalities of totals over
# 39 weeks.
LEVER_CHECKS = {
    "teleconsultation": (
        {"gp_offer_share": 0.3, "uptake": 0.8},
        lambda on, off: (
            _total(on, "followup_tele") + _total(on, "routine_tele")
            > _total(off, "followup_tele") + _total(off, "routine_tele")
            and _unmet(on) < _unmet(off)
        ),
    ),
    "pharmacy_booths": (
        {"communes": ["67434", "67105"], "visits_per_booth_week": 40},
        lambda on, off: _total(on, "booth_visits") > 0 and _unmet(on) < _unmet(off),
    ),
    "telemonitoring": (
        {"coverage": 1.0},
        lambda on, off: (
            on.patients.telemonitored.sum() > 0
            and _total(on, "hospitalised_heart_failure") < _total(off, "hospitalised_heart_failure")
        ),
    ),
    "tele_expertise": (
        {"share": 0.5},
        lambda on, off: _cost(on, "specialist_visits") < _cost(off, "specialist_visits"),
    ),
    "nursing_home_telemedicine": (
        {"coverage": 1.0},
        lambda on, off: (
            _total(on, "urgent_tele") > 0 and _total(on, "emergency") < _total(off, "emergency")
        ),
    ),
    "cpts": (
        {"unscheduled_slots_per_1000_week": 0.3},
        lambda on, off: (
            _total(on, "snp_visits") > 0
            and _total(on, "emergency") < _total(off, "emergency")
            and on.recorder.providers["coordinated_share"][-1]
            > off.recorder.providers["coordinated_share"][-1]
        ),
    ),
    "msp": (
        {"commune": "67105", "new_gps": 2},
        lambda on, off: (
            len(on.msps) == len(off.msps) + 1
            and len(on.gps) > len(off.gps)
            and _unmet(on) < _unmet(off)
        ),
    ),
    "practice_nurses": (
        {"nurses": 5},
        lambda on, off: sum(g.has_nurse for g in on.gps) == 5 and _unmet(on) < _unmet(off),
    ),
    "programme": (
        {"enrolment": 1.0},
        lambda on, off: (
            on.patients.enrolled.sum() > 1_000 and _total(on, "urgent") < _total(off, "urgent")
        ),
    ),
    "pharmacist_followup": (
        {"coverage": 1.0, "worsening_reduction": 0.5},
        lambda on, off: (
            (on.patients.stage[:, :3] == 2).sum() < (off.patients.stage[:, :3] == 2).sum()
        ),
    ),
    "shared_record": (
        {"coverage": 1.0},
        lambda on, off: (
            _cost(on, "ambulatory_diabetes") < _cost(off, "ambulatory_diabetes")
            and _total(on, "hospitalised") <= _total(off, "hospitalised")
        ),
    ),
    "new_gps": (
        {"commune": "67095", "count": 2},
        lambda on, off: (
            len(on.gps) > len(off.gps)
            and on.apl[on.territory.commune_index("67095")]
            > off.apl[off.territory.commune_index("67095")]
        ),
    ),
    "specialist_outreach": (
        {"specialty": "cardiology", "site": "67434", "days_per_week": 2},
        lambda on, off: _cardiology(on) > _cardiology(off) and _cost(on, "levers") > 0,
    ),
    "retirement_wave": (
        {"multiplier": 5.0},
        lambda on, off: (
            sum(not g.active for g in on.gp_slots) > sum(not g.active for g in off.gp_slots)
        ),
    ),
    # every GP of the shortage is full: transport cannot add visits, it gives some of them to
    # the limited-mobility patients, whose follow-up is less often overdue
    "on_demand_transport": (
        {"coverage": 1.0},
        lambda on, off: (
            _total(on, "transported") > 0
            and _overdue_share(on, MOBILITY_LIMITED) < _overdue_share(off, MOBILITY_LIMITED)
        ),
    ),
    "mobile_team": (
        {"visits_per_week": 60},
        lambda on, off: _total(on, "mobile_visits") > 0 and _unmet(on) < _unmet(off),
    ),
    "physical_activity": (
        {"coverage": 1.0, "diabetes_onset_reduction": 0.8},
        lambda on, off: (on.patients.stage[:, 0] > 0).sum() < (off.patients.stage[:, 0] > 0).sum(),
    ),
    "screening": (
        {"coverage": 1.0},
        lambda on, off: (
            (on.patients.stage[:, 3] == 1).sum() > (off.patients.stage[:, 3] == 1).sum()
            and on.patients.undiagnosed[:, 2].sum() < off.patients.undiagnosed[:, 2].sum()
        ),
    ),
    "shared_savings": (
        {"share_returned": 0.7},
        lambda on, off: on.shared_savings["share_returned"] == 0.7 and off.shared_savings is None,
    ),
}


def test_every_lever_has_a_direction_test():
    assert set(LEVER_CHECKS) == set(LEVERS)


@pytest.fixture(scope="module")
def none_two_years(shortage):
    return _run(shortage, [], weeks=104)


@pytest.mark.parametrize("lever", sorted(LEVER_CHECKS))
def test_lever_changes_its_mechanism_in_the_expected_direction(
    shortage, none, none_two_years, lever
):
    params, check = LEVER_CHECKS[lever]
    # retirements are rare events: two years for a clear signal (~9 expected at ×5 vs ~2)
    if lever == "retirement_wave":
        assert check(_run(shortage, [{"type": lever, **params}], weeks=104), none_two_years)
        return
    on = _run(shortage, [{"type": lever, **params}])
    assert check(on, none)


def test_a_scenario_without_levers_reproduces_the_baseline_exactly(shortage, tmp_path):
    a = _run(shortage, [], weeks=20)
    b = branch(
        shortage,
        load_scenario(
            _write(tmp_path, 'name = "empty"\n[description]\nfr = "rien"\nen = "nothing"\n')
        ),
        0,
    ).run(20)
    assert a.patients.equals(b.patients)
    assert a.indicators(levels=("territory", "commune")).equals(
        b.indicators(levels=("territory", "commune"))
    )


def test_common_random_numbers_shrink_the_spread_of_differences(shortage):
    lever = [{"type": "practice_nurses", "nurses": 4}]
    crn, independent = [], []
    for r in range(5):
        on, off = _run(shortage, lever, 26, r), _run(shortage, [], 26, r)
        crn.append(
            _total(on, "hospitalised")
            + _total(on, "deaths")
            - _total(off, "hospitalised")
            - _total(off, "deaths")
        )
        other = _run(shortage, [], 26, r + 100)  # the baseline with its own, independent streams
        independent.append(
            _total(on, "hospitalised")
            + _total(on, "deaths")
            - _total(other, "hospitalised")
            - _total(other, "deaths")
        )
    assert np.std(crn) < np.std(independent)


# ---- warm start ---------------------------------------------------------------------------------
def test_checkpoint_restored_and_run_equals_straight_through(shortage, tmp_path):
    scenario = parse_scenario(
        {"name": "t", "levers": [{"type": "teleconsultation"}]},
        "<test>",
        set(shortage.territory.codes),
    )
    straight = pickle.loads(pickle.dumps(shortage)).run(10)  # burn-in continues straight on …
    path = save_checkpoint(
        pickle.loads(pickle.dumps(shortage)).run(10), CheckpointKey.of(scenario), tmp_path / "c.pkl"
    )
    a = branch(straight, scenario, 1).run(15)
    # … or stops, is saved, restored
    b = branch(load_checkpoint(path, scenario), scenario, 1).run(15)
    assert a.patients.equals(b.patients)
    assert a.indicators(levels=("territory",)).equals(b.indicators(levels=("territory",)))


def test_bad_checkpoints_are_refused(tmp_path, shortage):
    junk = tmp_path / "junk.pkl"
    junk.write_bytes(b"not a pickle")
    with pytest.raises(CheckpointError, match="not a readable territoire checkpoint"):
        load_checkpoint(junk)
    other = tmp_path / "other.pkl"
    other.write_bytes(pickle.dumps({"hello": 1}))
    with pytest.raises(CheckpointError, match="not a territoire checkpoint"):
        load_checkpoint(other)
    scenario = parse_scenario({"name": "t"}, "<test>", set(shortage.territory.codes))
    path = save_checkpoint(shortage, CheckpointKey.of(scenario), tmp_path / "c.pkl")
    scenario.seed = 99
    with pytest.raises(CheckpointError, match="seed 42.*asks seed 99"):
        load_checkpoint(path, scenario)


# ---- economics arithmetic -----------------------------------------------------------------------
def test_discounting_on_a_hand_example():
    # 100 € in week 0 and in week 52 at 2.5 %: 100 + 100 / 1.025 = 197.5609756…
    assert discounted_sum([100.0, 100.0], [0, 52], 0.025) == pytest.approx(
        100 + 100 / 1.025, rel=1e-12
    )
    assert discount_factors([104], 0.05)[0] == pytest.approx(1 / 1.05**2, rel=1e-12)
    with pytest.raises(ValueError):
        discount_factors([1], -0.1)


def test_shared_savings_on_hand_examples():
    # Care costs 10 M€ in the baseline, 9.4 M€ with the programme (saves 600 k€); programme 200 k€;
    # half returned.
    a = shared_savings(10_000_000, 9_400_000, 200_000, 0.5)
    assert a["gross_savings_eur"] == 600_000
    assert a["returned_to_territory_eur"] == 300_000
    assert a["net_result_eur"] == 100_000
    assert a["return_on_investment"] == pytest.approx((600_000 - 200_000) / 200_000)
    loss = shared_savings(10_000_000, 10_100_000, 200_000, 0.5)  # no savings: nothing returned
    assert loss["returned_to_territory_eur"] == 0 and loss["net_result_eur"] == -200_000
    assert icer(50_000, 2.0) == 25_000 and icer(-1, 1) == -math.inf and icer(1, -1) == math.inf


def test_mean_interval_matches_a_t_interval():
    mean, low, high = mean_interval(np.array([1.0, 2.0, 3.0]))
    # sd = 1, n = 3, t(0.975, 2) = 4.302652…: half-width 4.302652 / sqrt(3) = 2.484138
    assert (
        mean == 2
        and high - mean == pytest.approx(2.484138, abs=1e-5)
        and mean - low == pytest.approx(2.484138, abs=1e-5)
    )


# ---- comparison, report, exports ----------------------------------------------------------------
@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    from territoire.experiments.compare import compare, save_comparison

    short = [load_scenario(n) for n in ("installations", "mobilite")]
    base = load_scenario("baseline")
    for s in (*short, base):
        s.burn_in_years = 0.25
    comp = compare(short, replicates=2, years=1, baseline=base, progress=False)
    out = tmp_path_factory.mktemp("compare")
    save_comparison(comp, out, lang="fr")
    return comp, out


def test_comparison_reports_differences_with_intervals(comparison):
    comp, _ = comparison
    d = comp.differences
    assert set(d["scenario"]) == {"installations", "mobilite"}
    assert set(d["level"]) == {"territory", "zone", "epci", "vulnerable"}
    gp = d[
        (d["scenario"] == "installations")
        & (d["level"] == "territory")
        & (d["indicator"] == "gp_count")
    ].iloc[0]
    assert gp["last_year_mean_difference"] > 0  # two GPs settled at week 26
    assert {
        "gross_savings_eur",
        "net_result_eur",
        "return_on_investment",
        "delta_qalys_discounted",
        "icer_eur_per_qaly",
    } <= set(comp.economics["metric"])
    assert set(comp.quadruple_aim["aim"]) == {
        "patient_experience",
        "population_health",
        "cost",
        "professionals",
    }


def test_report_and_exports_are_self_contained(comparison):
    _, out = comparison
    page = (out / "report.html").read_text()
    assert "data:image/png;base64," in page and "<script" not in page
    assert "http://" not in page and "https://" not in page  # nothing to fetch: opens offline
    geo = json.loads((out / "communes.geojson").read_text())
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 2 * 142
    assert {"apl_last_year_change", "unmet_per_1000_per_year_change"} <= set(
        geo["features"][0]["properties"]
    )
    sheets = pd.read_excel(out / "results.xlsx", sheet_name=None)
    assert {
        "territory",
        "zone",
        "epci",
        "vulnerable",
        "economics",
        "quadruple_aim",
        "communes",
    } <= set(sheets)
    assert "écart moyen" in sheets["territory"].columns  # French headers on request
    assert (out / "differences.csv").exists() and (out / "differences.parquet").exists()


def test_python_api_runs_a_builtin(shortage):
    scenario = load_scenario("mobilite", territory=shortage.territory)
    model = run_scenario(scenario, years=0.2, start_model=shortage)
    assert model.policy_week == 10 and len(model.recorder) == 10


def test_a_lever_naming_a_commune_outside_the_territory_it_runs_on_is_one_clear_error(shortage):
    # `territoire run --scenario installations --territory …`: the scenario was checked against its
    # own territory when loaded; on the Alsace Bossue, its outreach site (Saverne) does not exist
    scenario = load_scenario("installations")
    with pytest.raises(ScenarioError) as err:
        branch(shortage, scenario)
    message = str(err.value)
    assert "installations.toml: levers[" in message and "(specialist_outreach).site" in message
    assert "not in the territory 'Alsace Bossue'" in message


def test_compare_refuses_bad_arguments_before_any_run():
    from territoire.errors import UserError
    from territoire.experiments.compare import compare

    with pytest.raises(UserError, match="replicates must be >= 1, got 0"):
        compare(["telemedecine"], replicates=0)
    with pytest.raises(UserError, match="discount rate must be >= 0, got -0.1"):
        compare(["telemedecine"], replicates=1, discount_rate=-0.1)
