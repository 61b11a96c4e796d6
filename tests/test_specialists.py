"""Specialist queues: referrals join the nearest site of their specialty, which serves its capacity
for them; a share of those still waiting leave each week (``Specialist.serve_week``)."""

import pickle

import mesa
import numpy as np
import pytest

from territoire.agents.providers import WEEKS_OF_ACTIVITY, Specialist, Specialty
from territoire.model.model import TerritoryModel
from territoire.model.params import CareParams, ParameterError
from territoire.scenarios.run import branch
from territoire.scenarios.schema import parse_scenario


class _OneShareModel(mesa.Model):
    """A model whose specialists give half their consultations to referrals."""

    def referral_share_of(self, specialty):
        return 0.5


def _site(referrals_per_week_capacity: float) -> Specialist:
    """A site whose capacity for referrals is ``referrals_per_week_capacity`` a week."""
    activity = referrals_per_week_capacity / 0.5 * WEEKS_OF_ACTIVITY
    return Specialist(_OneShareModel(), "site", Specialty.CARDIOLOGY, "67437", 1.0, activity)


def test_a_queue_settles_where_the_leavers_make_up_the_excess_of_referrals():
    site, arriving, leave = _site(10.0), 12.0, 0.02
    # the gap to the fixed point shrinks by (1 - leave) a week: 0.98^3000 ≈ 1e-26
    for _ in range(3_000):
        site.serve_week(arriving, leave)
    expected = (1 - leave) * (arriving - 10.0) / leave  # q = (1 - h)·(q + a - c) at the fixed point
    assert site.queue == pytest.approx(expected, rel=1e-9)
    assert site.waiting_weeks == pytest.approx(expected / 10.0, rel=1e-9)
    assert site.left == pytest.approx(arriving - 10.0, rel=1e-9)  # all the excess leaves


def test_a_queue_empties_when_the_capacity_exceeds_the_referrals():
    site = _site(10.0)
    site.queue = 50.0
    # 50 + 30·8 = 290 referrals against 300 served (and ~2 % of the rest leaving a week)
    for _ in range(30):
        site.serve_week(8.0, 0.02)
    assert site.queue == 0.0 and site.waiting_weeks == 0.0


def test_without_leavers_an_overloaded_queue_grows_by_the_excess_each_week():
    site = _site(10.0)
    for _ in range(20):
        site.serve_week(12.0, 0.0)
    assert site.queue == pytest.approx(40.0) and site.waiting_weeks == pytest.approx(4.0)


@pytest.mark.parametrize(
    "bad",
    [
        {"specialist_referral_share": (0.5, 0.5, 0.5)},
        {"specialist_referral_share": (0.5, 0.0, 0.5, 0.5)},
        {"referral_leave_per_week": 1.0},
        {"referral_leave_per_week": -0.1},
    ],
)
def test_impossible_queue_parameters_are_refused_by_name(bad):
    with pytest.raises(ParameterError, match=next(iter(bad))):
        CareParams(**bad)


@pytest.fixture(scope="module")
def burned_in(territory):
    """The embedded territory after two years: the queues have filled (they start empty)."""
    return TerritoryModel(seed=42, territory=territory).run(104)


def _mean_wait(model, specialty, weeks):
    return float(np.mean(model.recorder.providers[f"waiting_weeks_{specialty}"][-weeks:]))


def _lever_run(start, levers, weeks=52):
    scenario = parse_scenario(
        {"name": "t", "years": 1, "levers": levers},
        "<test>",
        set(start.territory.codes),
        set(start.territory.epci_codes),
    )
    return branch(start, scenario, 0).run(weeks)


def test_cardiology_has_a_queue_and_tele_expertise_or_outreach_shortens_it(burned_in):
    # Same seed and replicate (common random numbers): the referrals are the same draws, so the
    # difference in wait is the lever's. Compared over the second half of the year, once the queue
    # has had ~6 months (≈ 1/leave-share/4) to move to its new level.
    base = _lever_run(burned_in, [])
    expertise = _lever_run(burned_in, [{"type": "tele_expertise", "share": 0.3}])
    outreach = _lever_run(
        burned_in,
        [
            {
                "type": "specialist_outreach",
                "specialty": "cardiology",
                "site": "67434",
                "days_per_week": 2,
            }
        ],
    )
    wait = _mean_wait(base, "cardiology", 26)
    assert wait > 1.0  # the queue exists in the baseline (it never did before the referral share)
    assert _mean_wait(expertise, "cardiology", 26) < 0.8 * wait
    assert _mean_wait(outreach, "cardiology", 26) < wait
    assert np.mean(expertise.recorder.providers["specialist_referrals_left"][-26:]) < np.mean(
        base.recorder.providers["specialist_referrals_left"][-26:]
    )


def test_referrals_of_a_specialty_without_a_site_join_no_other_queue(territory):
    full = TerritoryModel(seed=3, territory=territory)
    table = full.provider_table
    without = TerritoryModel(
        seed=3,
        territory=territory,
        providers=table[
            ~((table["type"] == "specialist") & (table["specialty"] == "rheumatology"))
        ],
    )
    assert (without.referral_sites[:, 3] == -1).all()  # osteoporosis has nowhere to go
    full.run(30)
    without.run(30)
    queues = {s.name: s.queue for s in full.specialists}
    # the others are untouched
    assert queues and all(s.queue == queues[s.name] for s in without.specialists)
    assert "waiting_weeks_rheumatology" not in without.recorder.providers


def test_an_empty_site_without_consultations_has_no_wait_and_one_with_a_queue_an_endless_one():
    site = _site(10.0)
    site.activity_per_year = 0.0
    assert site.waiting_weeks == 0.0
    site.serve_week(3.0, 0.02)
    assert site.waiting_weeks == float("inf")


def test_new_care_parameters_change_the_referral_capacity_of_the_sites(model):
    from dataclasses import replace

    m = pickle.loads(pickle.dumps(model))
    cardiology = next(s for s in m.specialists if s.specialty == Specialty.CARDIOLOGY)
    before = cardiology.referral_capacity
    doubled = tuple(
        2 * x if d == 1 else x for d, x in enumerate(m.care_params.specialist_referral_share)
    )  # heart failure → cardiology
    m.update_params(care=replace(m.care_params, specialist_referral_share=doubled))
    assert cardiology.referral_capacity == pytest.approx(2 * before)


def _outreach(site, days, ramp_weeks=0):
    return {
        "type": "specialist_outreach",
        "specialty": "cardiology",
        "site": site,
        "days_per_week": days,
        "ramp_weeks": ramp_weeks,
    }


def test_outreach_levers_on_one_team_add_up_whatever_their_order(burned_in):
    # A ramps up over 4 weeks while B is on: each lever adds and takes back only its own days.
    a, b = _outreach("67434", 2, ramp_weeks=4), _outreach("67105", 1)
    team = {s.name: s.activity_per_year for s in burned_in.specialists}
    for levers in ([a, b], [b, a]):
        on = _lever_run(burned_in, levers, weeks=8)
        added = {s.name: s.activity_per_year - team.get(s.name, 0.0) for s in on.specialists}
        # 3 days of 16 consultations
        assert added == {
            **{name: 0.0 for name in team},
            "cardiology 67437": pytest.approx(3 * 16 * 52),
        }
        costs = [k for k in on.policy.cost_per_week if k.startswith("specialist_outreach")]
        assert sorted(costs) == [
            "specialist_outreach_cardiology_67105",
            "specialist_outreach_cardiology_67434",
        ]


def test_outreach_in_a_territory_with_specialists_only_at_a_pole_adds_to_the_poles_team(territory):
    table = TerritoryModel(seed=3, territory=territory).provider_table
    local = (table["type"] == "specialist") & ~table["commune"].str.startswith("pole:")
    start = TerritoryModel(seed=3, territory=territory, providers=table[~local]).run(60)
    base, on = _lever_run(start, []), _lever_run(start, [_outreach("67434", 2)])
    # no new site: the pole's cardiologists hold the days
    assert len(on.specialists) == len(base.specialists)
    assert _mean_wait(on, "cardiology", 26) <= _mean_wait(base, "cardiology", 26)


def test_a_specialty_whose_first_site_opens_mid_run_has_no_wait_before_it(territory):
    table = TerritoryModel(seed=3, territory=territory).provider_table
    start = TerritoryModel(
        seed=3,
        territory=territory,
        providers=table[
            ~((table["type"] == "specialist") & (table["specialty"] == "rheumatology"))
        ],
    ).run(4)
    lever = {
        "type": "specialist_outreach",
        "specialty": "rheumatology",
        "site": "67437",
        "days_per_week": 1,
        "start_week": 3,
    }
    on = _lever_run(start, [lever], weeks=10)
    wait = on.recorder.providers["waiting_weeks_rheumatology"]
    # the record starts at the branch
    assert (
        len(wait) == len(on.recorder) and np.isnan(wait[:3]).all() and np.isfinite(wait[3:]).all()
    )
    frame = on.indicators(levels=("territory",))
    series = frame[frame["indicator"] == "waiting_weeks_rheumatology"]
    assert len(series) == len(on.recorder) and series["value"].isna().sum() == 3
