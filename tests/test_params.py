"""Parameter classes refuse a wrong type, shape or range with a message naming the class and
field."""

from __future__ import annotations

import dataclasses
import math
import pickle
import re

import numpy as np
import pytest

from territoire.agents.patients import DISEASES
from territoire.agents.placement import PlacementParams
from territoire.agents.population import PopulationParams
from territoire.model.params import (
    AccessParams,
    CareParams,
    CostParams,
    DiseaseParams,
    ParameterError,
    WorkforceParams,
    with_overrides,
)
from territoire.model.territory import NetworkParams
from territoire.model.validation import check_fields, number

CLASSES = (
    AccessParams,
    DiseaseParams,
    CareParams,
    CostParams,
    WorkforceParams,
    PopulationParams,
    PlacementParams,
    NetworkParams,
)
N_DISEASES = len(DISEASES)


def naming(cls: type, field: str) -> str:
    """A pattern for a message about ``cls.field`` itself or one of its entries (not a longer field
    name that starts the same, e.g. ``specialist_referral`` vs ``specialist_referral_share``)."""
    return re.escape(f"{cls.__name__}.{field}") + r"[\[:]"


@pytest.mark.parametrize("cls", CLASSES, ids=lambda c: c.__name__)
def test_defaults_validate_and_survive_replace_and_pickling(cls):
    params = cls()
    assert dataclasses.replace(params) == params
    copy = pickle.loads(pickle.dumps(params))  # models are pickled for worker processes
    assert copy == params and type(copy) is cls


def _shortened(value: tuple) -> tuple:
    """``value`` with one entry too few in its first innermost tuple: a wrong shape."""
    if isinstance(value[0], tuple):
        return (_shortened(value[0]), *value[1:])
    return value[:-1]


def _invalid(value):
    """A clearly invalid value of the default's kind: nan for a number, a wrong-length tuple."""
    if isinstance(value, tuple):
        return _shortened(value)
    if isinstance(value, str):
        return None
    assert isinstance(value, (int, float)) and not isinstance(value, bool), value
    return math.nan


EVERY_FIELD = [(cls, f.name) for cls in CLASSES for f in dataclasses.fields(cls)]


@pytest.mark.parametrize(
    ("cls", "name"), EVERY_FIELD, ids=[f"{c.__name__}.{n}" for c, n in EVERY_FIELD]
)
def test_every_field_refuses_an_invalid_value_by_name(cls, name):
    """A field added without a check fails here (and at construction, see ``check_fields``)."""
    bad = _invalid(getattr(cls(), name))
    with pytest.raises(ParameterError, match=naming(cls, name)):
        cls(**{name: bad})


_D = DiseaseParams()
_C = CareParams()
_P = PopulationParams()

# (class, field, value, start of the expected message): wrong shapes, ranges and types.
BAD = [
    # AccessParams (no tuples)
    (AccessParams, "reach_car_min", -1.0, "expected a finite number >= 0, got -1.0"),
    (AccessParams, "reach_none_min", "10", "expected a finite number >= 0, got '10'"),
    (AccessParams, "reach_limited_min", math.inf, "expected a finite number >= 0, got inf"),
    # DiseaseParams
    (
        DiseaseParams,
        "regain",
        (0.3, 0.15, 0.1),
        f"expected {N_DISEASES} values (one per disease: {', '.join(DISEASES)}), got 3",
    ),
    (DiseaseParams, "regain", "0.3", "expected a tuple of"),
    (DiseaseParams, "regain", None, "expected a tuple of"),
    (DiseaseParams, "regain", [0.3, 0.15, 0.1, 0.0], "expected a tuple of"),  # mutable
    (DiseaseParams, "worsen", (0.1, -0.1, 0.06, 0.1), "expected a finite number >= 0"),
    (DiseaseParams, "excess_mortality", _D.excess_mortality[:3], "expected 4 rows"),
    (
        DiseaseParams,
        "acute_rate",
        (*_D.acute_rate[:3], (0.0, 0.015, 0.03)),
        "[osteoporosis]: expected 4 values (one per stage: none, controlled, uncontrolled, "
        "complicated), got 3",
    ),
    (
        DiseaseParams,
        "hospitalisation_if_gp",
        (*_D.hospitalisation_if_gp[:3], (0.0, 0.45, 0.45, 1.45)),
        "[osteoporosis][complicated]: expected a finite number in [0, 1], got 1.45",
    ),
    (DiseaseParams, "death_in_hospital", (0.02, 1.2, 0.05, 0.05), "[heart_failure]"),
    (DiseaseParams, "mortality_gompertz_a", (2e-5,), "expected 2 values (one per sex"),
    (DiseaseParams, "mortality_floor", 0.5, "expected a finite number in [0, 0.4]"),
    (DiseaseParams, "enrolled_rr", 0.0, "expected a finite number > 0, got 0.0"),
    (DiseaseParams, "hf_hospital_worsen", True, "expected a finite number in [0, 1], got True"),
    # CareParams
    (CareParams, "followup_weeks", _C.followup_weeks[:3], "expected 4 rows"),
    (
        CareParams,
        "followup_weeks",
        ((0, 13, 8, 6.5), *_C.followup_weeks[1:]),
        "[diabetes][complicated]: expected an integer in [0, 32767], got 6.5",
    ),
    (CareParams, "routine_give_up_weeks", 0, "expected an integer in [1, 127], got 0"),
    (CareParams, "routine_give_up_weeks", 200, "expected an integer in [1, 127], got 200"),
    (CareParams, "routine_give_up_weeks", 4.0, "expected an integer"),
    (CareParams, "tele_uptake", 1.5, "expected a finite number in [0, 1], got 1.5"),
    (CareParams, "tele_visit_cost", 0.0, "expected a finite number > 0"),
    (CareParams, "specialist_referral_share", (0.5, 0.5, 0.5), "expected 4 values"),
    (CareParams, "specialist_referral_share", (0.5, 0.0, 0.5, 0.5), "[heart_failure]"),
    (CareParams, "referral_leave_per_week", 1.0, "expected a finite number in [0, 1)"),
    # CostParams
    (CostParams, "gp_consultation_eur", -30, "expected a finite number >= 0, got -30"),
    (CostParams, "hospital_stay_eur", (3_800.0, 5_500.0, 4_800.0), "expected 4 values"),
    (CostParams, "drugs_per_year_eur", (1.0, 2.0, 3.0, math.inf), "[osteoporosis]"),
    # WorkforceParams
    (WorkforceParams, "installations_per_year", -1.0, "expected a finite number >= 0"),
    (WorkforceParams, "overload_departure_per_year", 1.5, "expected a finite number in [0, 1]"),
    (WorkforceParams, "retirement_by_age", ((0.0, 0.005, 1.0),), "[0]: expected 2 values"),
    (
        WorkforceParams,
        "retirement_by_age",
        ((60.0, 0.1), (50.0, 0.2)),
        "[1][0]: expected a start above the previous one (60.0), got 50.0",
    ),
    # PopulationParams
    (PopulationParams, "p_vulnerable", 1.2, "expected a finite number in [0, 1], got 1.2"),
    (PopulationParams, "copd_stage_mix", (0.7, 0.3), "expected 3 values (one per stage:"),
    (PopulationParams, "diabetes_stage_mix", (0.5, 0.3, 0.1), "expected shares summing to 1"),
    (PopulationParams, "age_band_share_pct", (50.0, 50.0), "expected 6 values"),
    (PopulationParams, "age_band_share_pct", (0.0,) * 6, "expected shares with a positive total"),
    (PopulationParams, "age_band_bounds", ((0, 14), (10, 104)), "[1]: expected a band"),
    (PopulationParams, "age_band_bounds", ((0, 14), (15, 200)), "[1][1]: expected an integer"),
    (PopulationParams, "female_share_by_age", ((5, 0.5),), "[0][0]: expected the first step"),
    (PopulationParams, "digital_by_age", ((0, 0.9), (15, 1.1)), "[1][1]: expected a finite"),
    (PopulationParams, "diabetes_profile_pct", _P.diabetes_profile_pct[:1], "expected 2 rows"),
    (PopulationParams, "mobility_by_age", ((0, (0.9, 0.1)),), "[0][1]: expected 3 values"),
    (PopulationParams, "heart_failure_rr_if_diabetic", 0.0, "expected a finite number > 0"),
    # PlacementParams
    (PlacementParams, "mean_gp_activity", 0.0, "expected a finite number > 0, got 0.0"),
    (PlacementParams, "candidate_min_population", 1_000.5, "expected an integer >= 0"),
    (PlacementParams, "gp_age_bands", ((30, 40, 0.5),), "expected shares summing to 1"),
    (PlacementParams, "gp_age_bands", ((40, 30, 1.0),), "[0]: expected a band with from <= to"),
    (PlacementParams, "specialists", (("local", "cardiology"),), "[0]: expected 3 values"),
    (PlacementParams, "specialists", (("local", "dentistry", 1.0),), "[0][1]: expected one of"),
    (PlacementParams, "msp_sites", (("67191", "MSP", 0),), "[0][2]: expected an integer > 0"),
    (PlacementParams, "local_hospital", "", "expected a non-empty string"),
    # NetworkParams (no tuples)
    (NetworkParams, "detour_factor", 0.9, "expected a finite number >= 1"),
    (NetworkParams, "rural_speed_kmh", 0.0, "expected a finite number > 0"),
]


@pytest.mark.parametrize(
    ("cls", "name", "value", "message"),
    BAD,
    ids=[f"{c.__name__}.{n}={v!r}"[:60] for c, n, v, _ in BAD],
)
def test_wrong_shapes_ranges_and_types_are_refused_by_name(cls, name, value, message):
    with pytest.raises(ParameterError, match="^" + naming(cls, name)) as caught:
        cls(**{name: value})
    assert message in str(caught.value)


def test_every_class_has_a_shape_case_and_a_range_case():
    """Every class with tuple fields has a wrong-shape case in BAD, and every class a range case."""
    for cls in CLASSES:
        cases = [msg for c, _, _, msg in BAD if c is cls]
        has_tuples = any(isinstance(getattr(cls(), f.name), tuple) for f in dataclasses.fields(cls))
        if has_tuples:
            assert any(re.search(r"expected \d+ (values|rows)", m) for m in cases), cls
        assert any(re.search(r"expected an? (finite number|integer) ", m) for m in cases), cls


def test_the_issue_examples_are_refused():
    with pytest.raises(ParameterError, match=r"^DiseaseParams\.regain: expected 4 values"):
        DiseaseParams(regain=(0.3, 0.15, 0.1))
    with pytest.raises(ParameterError, match=r"^CostParams\.gp_consultation_eur: expected"):
        CostParams(gp_consultation_eur=-30)


def test_valid_values_are_kept_as_given():
    """Validation only raises: ints for floats, numpy scalars, bounds and empty tables pass
    unchanged."""
    uptake = np.float64(0.4)
    care = CareParams(tele_uptake=uptake, out_of_hours_share=1, tele_platform_per_week=0)
    assert care.tele_uptake is uptake and care.out_of_hours_share == 1
    assert (
        WorkforceParams(installations_per_year=0, retirement_by_age=()).installations_per_year == 0
    )
    assert PlacementParams(msp_sites=(), specialists=()).specialists == ()
    assert CareParams(routine_give_up_weeks=np.int16(6)).routine_give_up_weeks == 6
    mix = (0.7, 0.2, 0.1000001)  # sums to 1 within the tolerance
    assert PopulationParams(copd_stage_mix=mix).copd_stage_mix is mix
    with pytest.raises(ParameterError, match=naming(PopulationParams, "copd_stage_mix")):
        PopulationParams(copd_stage_mix=(0.7, 0.2, 0.10001))  # does not
    disease = DiseaseParams(onset_stage2_share=(0.0, 0.0, 0.0, 1.0))
    assert disease.tables()["onset_stage2_share"].tolist() == [0.0, 0.0, 0.0, 1.0]


def test_replace_and_with_overrides_validate_too():
    with pytest.raises(ParameterError, match=naming(CareParams, "tele_uptake")):
        dataclasses.replace(CareParams(), tele_uptake=2.0)
    with pytest.raises(ParameterError, match=naming(CareParams, "tele_uptake")):
        with_overrides(CareParams(), tele_uptake=2.0)
    with pytest.raises(ParameterError, match="unknown parameter.*no_such_field"):
        with_overrides(CareParams(), no_such_field=1.0)
    assert with_overrides(CareParams(), tele_uptake=0.5).tele_uptake == 0.5


def test_a_field_without_a_check_is_a_programming_error():
    @dataclasses.dataclass(frozen=True)
    class Partial:
        checked: float = 1.0
        forgotten: float = 2.0

        def __post_init__(self) -> None:
            check_fields(self, {"checked": number()})

    with pytest.raises(TypeError, match="forgotten"):
        Partial()
