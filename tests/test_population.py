import numpy as np
import pytest

from territoire.agents.population import consumption_weight_by_age, synthesise_population
from territoire.model.model import TerritoryModel


def _pop(territory, seed):
    return synthesise_population(
        territory.population, territory.communes["age_std_ratio"].to_numpy(), seed
    )


def test_one_record_per_inhabitant_in_each_commune(model, territory):
    p = model.patients
    assert len(p) == 110_467
    np.testing.assert_array_equal(
        np.bincount(p.commune, minlength=territory.n_communes), territory.population
    )
    assert p.alive.all()
    assert p.stage.dtype == np.int8 and p.commune.dtype == np.int16 and p.gp.dtype == np.int32


def test_same_seed_same_population_other_seed_other_population(territory):
    a, b, c = _pop(territory, 3), _pop(territory, 3), _pop(territory, 4)
    assert a.equals(b)
    assert not a.equals(c)


def test_age_pyramid_follows_each_commune_age_std_ratio(model, territory):
    p = model.patients
    w = consumption_weight_by_age()[p.age_years]
    mean_w = np.bincount(p.commune, weights=w) / np.bincount(p.commune)
    ratio = territory.communes["age_std_ratio"].to_numpy()
    big = territory.population >= 1_000
    # Sampling noise of a mean weight over >= 1,000 people is < 0.02
    # (weights' sd ~0.4 / sqrt(1000)).
    np.testing.assert_allclose(mean_w[big], ratio[big], atol=0.03)
    assert 40 < p.age_years.mean() < 46  # an older-than-national rural population (France: ~42)


def test_initial_prevalence_totals_are_within_the_stated_bands(model):
    p = model.patients
    age = p.age_years
    # Targets (epi_cost_reference.csv); bands cover sampling noise (binomial sd ~0.07 points for
    # diabetes over 110,467 people) and the finite-sample age mix.
    # The published figures are of diagnosed patients; the undiagnosed cases come on top, their
    # share as PopulationParams says (binomial noise ~1 point over ~7,600 diabetics).
    diagnosed = (p.stage > 0) & ~p.undiagnosed
    undiagnosed_share = p.undiagnosed[:, 0].sum() / (p.stage[:, 0] > 0).sum()
    assert undiagnosed_share == pytest.approx(0.23, abs=0.03)
    # treated diabetes, % of population
    assert diagnosed[:, 0].mean() * 100 == pytest.approx(5.3, abs=0.4)
    # HF, % of adults
    assert diagnosed[age >= 18, 1].mean() * 100 == pytest.approx(2.6, abs=0.25)
    # treated COPD, % of 40+
    assert diagnosed[age >= 40, 2].mean() * 100 == pytest.approx(3.8, abs=0.35)
    women50 = (age >= 50) & (p.sex == 1)
    # densitometric osteoporosis
    assert (p.stage[women50, 3] > 0).mean() * 100 == pytest.approx(40, abs=5)
    assert (p.stage[age < 18, 1] == 0).all() and (p.stage[age < 40, 2] == 0).all()


def test_diabetes_raises_heart_failure_prevalence(model):
    p = model.patients
    old = p.age_years >= 60
    diabetic = p.stage[:, 0] > 0
    assert (p.stage[old & diabetic, 1] > 0).mean() > 1.4 * (p.stage[old & ~diabetic, 1] > 0).mean()


def test_medecin_traitant_within_reach_and_list_caps(model):
    p = model.patients
    gp = model.gp_arrays()
    has = p.gp >= 0
    assert 0.03 < 1 - has.mean() < 0.25  # some without a médecin traitant (France: ~10 %), not most
    minutes = model.territory.travel_min[p.commune[has], gp["commune"][p.gp[has]]]
    assert (minutes <= model.patient_reach_min()[has] + 1e-9).all()
    assert (np.bincount(p.gp[has], minlength=len(gp["commune"])) <= gp["list_cap"]).all()


def test_models_with_same_seed_are_identical(territory):
    a, b = (
        TerritoryModel(seed=11, territory=territory),
        TerritoryModel(seed=11, territory=territory),
    )
    assert a.patients.equals(b.patients)
    assert a.provider_table.equals(b.provider_table)
    np.testing.assert_array_equal(a.apl, b.apl)
    c = TerritoryModel(seed=12, territory=territory)
    assert not a.provider_table.equals(c.provider_table)
