"""The DREES APL method, checked on a hand-computed example and on the embedded territory."""

import numpy as np
import pytest

from territoire.model.apl import apl_by_commune, counted_activity, distance_decay
from territoire.scenarios.datafiles import epci_apl_targets


def test_distance_decay_bands():
    np.testing.assert_allclose(
        distance_decay([0, 9.99, 10, 14.9, 15, 19.9, 20, 45]),
        [1, 1, 2 / 3, 2 / 3, 1 / 3, 1 / 3, 0, 0],
    )


def test_counted_activity_rule():
    np.testing.assert_allclose(
        counted_activity([100, 250, 251, 3_600, 3_601, 5_000, 6_000, 9_000]),
        [0, 0, 3_600, 3_600, 3_601, 5_000, 6_000, 6_000],
    )
    np.testing.assert_allclose(
        counted_activity([100, 4_000], newly_installed=[True, False]), [5_400, 4_000]
    )


def test_apl_reproduces_a_hand_computed_example_exactly():
    # Three communes A, B, C. Road minutes: A-B 12 (decay 2/3), B-C 16 (1/3), A-C 25 (0); 2 inside
    # each.
    travel = np.array([[2.0, 12.0, 25.0], [12.0, 2.0, 16.0], [25.0, 16.0, 2.0]])
    std_pop = np.array([1_000.0, 500.0, 2_000.0])
    # One GP in each: 4,000 acts (counted 4,000), 3,000 (counted 3,600), 200 (counted 0).
    apl = apl_by_commune(travel, std_pop, np.array([0, 1, 2]), np.array([4_000.0, 3_000.0, 200.0]))
    # Step 1, supply ÷ standardised population reaching each commune:
    #   R_A = 4000 / (1·1000 + 2/3·500 + 0·2000)        = 4000 / (4000/3) = 3
    #   R_B = 3600 / (2/3·1000 + 1·500 + 1/3·2000)      = 3600 / (5500/3) = 108/55
    #   R_C = 0
    # Step 2, APL_i = Σ_j decay(t_ij) R_j:
    #   A = 1·3 + 2/3·108/55 = 237/55;  B = 2/3·3 + 108/55 = 218/55;  C = 1/3·108/55 = 36/55
    np.testing.assert_allclose(apl, [237 / 55, 218 / 55, 36 / 55], rtol=1e-14)


def test_adding_a_gp_never_lowers_any_commune_apl(model):
    gp = model.gp_arrays()
    before = model.apl
    t = model.territory
    # a bourg with an MSP, a small village, the sub-prefecture
    for code in ("67191", "67002", "67437"):
        c = t.commune_index(code)
        after = apl_by_commune(
            t.travel_min,
            model.std_population,
            np.append(gp["commune"], c),
            np.append(gp["activity"], 4_800.0),
        )
        assert (after >= before - 1e-12).all()
        assert after[c] > before[c]


def test_epci_apl_matches_the_drees_2023_targets(model):
    targets = epci_apl_targets(2023)
    apl = model.apl_by_epci()
    assert len(apl) == 4
    for name, value in apl.items():
        assert value == pytest.approx(targets[name], abs=0.3), name


def test_underserved_flag_is_computed_from_apl(model):
    assert model.underserved.dtype == bool
    np.testing.assert_array_equal(model.underserved, model.apl < 2.5)
    assert 0 < model.share_underserved() < 0.3  # the PETR had 10.3 % in 2023: some, not most
