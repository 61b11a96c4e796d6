from collections import Counter

import numpy as np
import pytest

from territoire.agents.provider_table import ProvidersFileError, write_providers_csv
from territoire.agents.providers import CPTS, GP, MSP, Hospital, Pharmacy, Practice, Specialist
from territoire.model.model import TerritoryModel


def test_default_providers_are_mesa_agents_of_every_kind(model):
    kinds = Counter(type(a) for a in model.agents)
    assert kinds[GP] >= 60 and kinds[Specialist] >= 4 and kinds[Hospital] >= 2
    assert kinds[CPTS] == 2 and kinds[MSP] == 1
    assert 25 <= kinds[Pharmacy] <= 40  # ~1 per 3,500 inhabitants


def test_msp_of_herbitzheim_has_three_gps(model):
    msp = next(iter(model.agents_by_type[MSP]))
    assert model.territory.codes[msp.commune] == "67191"
    assert len(msp.gps()) == 3 and all(g.practice is Practice.MSP for g in msp.gps())


def test_gp_ages_show_a_retirement_wave(model):
    ages = np.array([g.age for g in model.gps])
    assert 0.2 <= (ages >= 60).mean() <= 0.5


def test_gps_sit_in_bourgs_centres(model):
    pop = model.territory.population
    sites = {g.commune for g in model.gps}
    assert all(pop[c] >= 1_000 for c in sites)


def _write(tmp_path, text):
    path = tmp_path / "providers.csv"
    path.write_text(text)
    return path


HEADER = "type,name,commune,fte,activity,age,practice\n"


@pytest.mark.parametrize(
    "body, message",
    [
        ("gp,Dr X,99999,1,4000,50,solo\n", r"row 2 .*unknown commune code '99999'"),
        ("gp,Dr X,67437,1,-5,50,solo\n", r"row 2 .*activity .* >= 0"),
        ("gp,Dr X,67437,0,4000,50,solo\n", r"row 2 .*fte"),
        ("gp,Dr X,67437,1,4000,12,solo\n", r"row 2 .*age"),
        (
            "gp,Dr X,67437,1,4000,50,solo\ndentist,Dr Y,67437,1,4000,50,\n",
            r"row 3 .*unknown type 'dentist'",
        ),
        ("gp,Dr X,67437,1,lots,50,solo\n", r"row 2 .*activity must be a number"),
        ("gp,Dr X,67437,1,4000,50,hut\n", r"row 2 .*unknown practice 'hut'"),
        ("gp,Dr X,pole:strasbourg,1,4000,50,solo\n", r"row 2 .*must be in a commune"),
    ],
)
def test_bad_providers_file_gives_a_clear_error_naming_the_row(tmp_path, territory, body, message):
    with pytest.raises(ProvidersFileError, match=message):
        TerritoryModel(seed=1, territory=territory, providers=_write(tmp_path, HEADER + body))


def test_unknown_column_and_missing_file(tmp_path, territory):
    with pytest.raises(ProvidersFileError, match="unknown column"):
        TerritoryModel(
            seed=1,
            territory=territory,
            providers=_write(tmp_path, "type,name,commune,colour\ngp,a,67437,red\n"),
        )
    with pytest.raises(ProvidersFileError, match="does not exist"):
        TerritoryModel(seed=1, territory=territory, providers=tmp_path / "nope.csv")


def test_providers_file_round_trips(tmp_path, model, territory):
    path = tmp_path / "providers.csv"
    write_providers_csv(model.provider_table, path)
    again = TerritoryModel(seed=model.seed, territory=territory, providers=path)
    assert Counter(type(a).__name__ for a in again.agents) == Counter(
        type(a).__name__ for a in model.agents
    )
    np.testing.assert_allclose(again.apl, model.apl)
    np.testing.assert_array_equal(again.patients.gp, model.patients.gp)


def test_a_users_own_small_providers_file(tmp_path, territory):
    path = _write(tmp_path, HEADER + "gp,Dr A,67437,1,5000,45,solo\ngp,Dr B,67434,1,5000,62,solo\n")
    m = TerritoryModel(seed=1, territory=territory, providers=path)
    assert len(m.gps) == 2
    assert m.apl[territory.commune_index("67437")] > 0
    assert m.apl_territory() < 1.0  # two GPs for 110,000 people


def test_medecin_traitant_search_equals_a_plain_scan():
    # assign_gps skips, per commune, the nearest GPs whose lists are already full (they stay full
    # while it runs). On random small cases with lists of 0 to 2 free places, it must choose exactly
    # what a plain scan of every GP nearest first chooses.
    from territoire.agents.patients import Patients
    from territoire.model.gp_choice import ListSearch, assign_gps, gps_by_distance

    rng = np.random.default_rng(0)
    for case in range(40):
        n_communes, n_gp, n = 6, 9, 60
        travel = rng.uniform(0, 40, (n_communes, n_communes))
        travel = (travel + travel.T) / 2
        np.fill_diagonal(travel, 2.0)
        gp_commune = rng.integers(0, n_communes, n_gp).astype(np.int32)
        free = rng.integers(0, 3, n_gp).astype(np.int64)
        commune = rng.integers(0, n_communes, n).astype(np.int16)
        mobility = rng.integers(0, 3, n).astype(np.int8)
        reach = np.array([30.0, 15.0, 8.0])
        order = rng.permutation(n).astype(np.int64)
        alive = rng.random(n) < 0.95
        patient_gp = np.where(rng.random(n) < 0.3, rng.integers(0, n_gp, n), -1).astype(np.int32)
        sorted_gps = gps_by_distance(travel, gp_commune)

        expected_gp, expected_free = patient_gp.copy(), free.copy()
        for p in order:  # the plain scan
            if expected_gp[p] != -1 or not alive[p]:
                continue
            for g in sorted_gps[commune[p]]:
                if travel[commune[p], gp_commune[g]] > reach[mobility[p]]:
                    break
                if expected_free[g] > 0:
                    expected_gp[p], expected_free[g] = g, expected_free[g] - 1
                    break
        got_gp, got_free = patient_gp.copy(), free.copy()
        patients = Patients.empty(n)
        patients.commune[:], patients.mobility[:], patients.alive[:] = commune, mobility, alive
        patients.gp = got_gp
        people = patients.kernel_view(np.zeros(n, np.uint32), np.full(n, -1, np.int8))
        assign_gps(
            order,
            people,
            ListSearch(
                reach_by_mobility=reach,
                gp_sorted=sorted_gps,
                gp_commune=gp_commune,
                gp_free=got_free,
                travel_min=travel,
            ),
        )
        np.testing.assert_array_equal(got_gp, expected_gp, err_msg=f"case {case}")
        np.testing.assert_array_equal(got_free, expected_free, err_msg=f"case {case}")


def test_list_sizes_and_seekers_equal_a_plain_count_and_walk_of_the_service_order():
    # lists_and_seekers counts lists block by block in parallel and sorts the few seekers by their
    # place in the service order instead of walking all of it: the same as bincount and the walk.
    from territoire.model.gp_choice import lists_and_seekers, service_rank

    rng = np.random.default_rng(3)
    for case in range(20):
        n, n_gp = int(rng.integers(1, 70_000)), int(rng.integers(1, 40))
        alive = rng.random(n) < 0.97
        patient_gp = np.where(rng.random(n) < 0.7, rng.integers(0, n_gp, n), -1).astype(np.int32)
        event = rng.integers(0, 8, n).astype(np.uint32)
        order = rng.permutation(n).astype(np.int32)
        sizes, seekers = lists_and_seekers(
            patient_gp, alive, event, 2, service_rank(order), n_gp, np.empty(n, np.int32)
        )
        listed = alive & (patient_gp >= 0)
        np.testing.assert_array_equal(
            sizes, np.bincount(patient_gp[listed], minlength=n_gp), err_msg=f"case {case}"
        )
        looking = alive & (patient_gp < 0) & ((event & 2) != 0)
        np.testing.assert_array_equal(seekers, order[looking[order]], err_msg=f"case {case}")


def test_gp_agents_are_views_of_the_gp_table(territory):
    m = TerritoryModel(seed=2, territory=territory)
    gp = m.gp_slots[5]
    gp.workload, gp.has_nurse, gp.age = 1.25, True, 61.5
    t = m.gp_table
    assert (t.workload[5], t.has_nurse[5], t.age[5]) == (1.25, True, 61.5)
    t.activity_per_year[5] = 4_000.0
    assert (
        gp.activity_per_year == 4_000.0
        and type(gp.activity_per_year) is float
        and type(gp.active) is bool
    )
    first = m.gp_slots[0].age
    for _ in range(80):  # beyond the table's first 64 slots: it grows, keeping every value
        m.add_gp(commune=3, age=35.0, activity=4_500.0)
    assert t.n == len(m.gp_slots) and [g.slot for g in m.gp_slots] == list(range(t.n))
    assert (
        m.gp_slots[0].age == first and m.gp_slots[5].workload == 1.25 and m.gp_slots[-1].age == 35.0
    )
    arrays = m.gp_arrays()
    np.testing.assert_array_equal(arrays["commune"], [g.commune for g in m.gp_slots])
    np.testing.assert_array_equal(
        arrays["activity"], [g.activity_per_year if g.active else 0.0 for g in m.gp_slots]
    )


def test_the_gp_stage_kernels_equal_their_readable_reference():
    """Workloads, ageing and departures (``workforce``'s kernels) against their numpy statement in
    ``reference.py``, week after week on a table with every case: gone GPs, GPs without capacity,
    the first week seen, overloaded GPs, every retirement band, newly installed GPs. Exact equality:
    the same operations on the same floats, and the same counter-based draws."""
    from territoire.model import reference, workforce
    from territoire.model.rng import process_key

    rng = np.random.default_rng(7)
    n = 300
    columns = {
        "active": rng.random(n) < 0.9,
        "activity_per_year": np.where(rng.random(n) < 0.05, 0.0, rng.uniform(2e3, 6e3, n)),
        "workload": np.zeros(n),
        "weeks_worked": np.where(rng.random(n) < 0.5, 0, 30).astype(np.int64),
        "age": rng.uniform(30.0, 72.0, n),
        "newly_installed": rng.random(n) < 0.3,
        "installed_week": rng.integers(-60, 0, n).astype(np.int64),
    }
    fast = {k: v.copy() for k, v in columns.items()}
    slow = {k: v.copy() for k, v in columns.items()}
    starts, per_year = np.array([0.0, 60.0, 65.0, 70.0]), np.array([0.005, 0.06, 0.25, 0.5])
    key = process_key(1, "workforce.leave")
    departures = 0
    for week in range(150):
        used = rng.uniform(0.0, 200.0, n)  # consultations given: some GPs over twice their capacity
        turned_away = rng.integers(0, 40, n).astype(np.int64)
        gone = []
        for k, t in ((workforce, fast), (reference, slow)):
            k.workload_kernel(
                t["active"],
                t["activity_per_year"],
                used,
                turned_away,
                t["workload"],
                t["weeks_worked"],
            )
            gone.append(
                list(
                    k.departures_kernel(
                        week,
                        t["active"],
                        t["age"],
                        t["newly_installed"],
                        t["installed_week"],
                        t["workload"],
                        workforce.DepartureInputs(
                            key=key,
                            retirement_from_age=starts,
                            retirement_per_year=per_year,
                            retirement_multiplier=1.5,
                            overload_threshold=1.5,
                            overload_departure_per_week=0.3 / 52,
                        ),
                    )
                )
            )
            t["active"][gone[-1]] = False
        assert gone[0] == gone[1], f"week {week}"
        for name in columns:
            np.testing.assert_array_equal(fast[name], slow[name], err_msg=f"{name}, week {week}")
        departures += len(gone[0])
    assert (
        departures > 50
        and (fast["workload"] > 1.5).any()
        and not fast["newly_installed"][fast["active"]].any()
    )
