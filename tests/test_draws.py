"""The registry of random-draw slots (``model/draws.py``) and the disease registry."""

import numpy as np
import pytest

from territoire.model import diseases, draws


@pytest.mark.parametrize("n_diseases", [1, 4, 5, 9, 12, 36])
def test_no_two_decisions_of_a_process_share_a_draw_slot(n_diseases):
    """Two decisions on one slot of one process would get the same number: silently correlated.
    Checked for the model's four diseases and for registries with up to 36 (the blocks' room)."""
    for process in draws.processes():
        used = draws.used_slots(process, n_diseases)
        slots = [s for s, _ in used]
        clashes = {s: [n for t, n in used if t == s] for s in slots if slots.count(s) > 1}
        assert not clashes, (process, clashes)
        assert all(0 <= s < draws.SLOT_LIMIT for s in slots), (process, used)


def test_the_first_four_diseases_keep_their_slots_and_a_fifth_moves_none():
    """Futures stay as they were: the four diseases draw where they always drew; a fifth takes new
    slots and leaves the others' alone."""
    assert [draws.disease_slot(16, 0, d) for d in range(4)] == [16, 17, 18, 19]
    four = {p: draws.used_slots(p, 4) for p in draws.processes()}
    five = {p: draws.used_slots(p, 5) for p in draws.processes()}
    for process in four:
        assert set(four[process]) <= set(five[process])


def test_the_slot_limit_is_the_one_the_draw_function_needs():
    """``uniform`` mixes ``week << 8`` with the slot: slot 256 of week 0 is slot 0 of week 1."""
    from territoire.model.rng import uniform_np

    assert draws.SLOT_LIMIT == 256
    key = np.uint64(12345)
    assert uniform_np(key, np.arange(3), 0, 256)[0] == uniform_np(key, np.arange(3), 1, 0)[0]
    assert uniform_np(key, np.arange(3), 0, 255)[0] != uniform_np(key, np.arange(3), 1, 0)[0]


def test_an_unknown_slot_or_disease_is_named_in_the_error():
    with pytest.raises(KeyError, match="access/teleportation"):
        draws.slot("access", "teleportation")
    with pytest.raises(KeyError, match="gout"):
        diseases.index("gout")
    with pytest.raises(ValueError, match="denominator"):
        diseases.Disease("gout", specialty="rheumatology", denominator="everyone")


def test_the_registry_derives_the_treated_stages_and_the_roles():
    treated = diseases.treated_stages()
    osteoporosis = diseases.index("osteoporosis")
    assert not treated[:, 0].any()
    assert not treated[osteoporosis, 2] and treated[osteoporosis, 1] and treated[osteoporosis, 3]
    assert treated[diseases.index("diabetes"), 1:].all()
    roles = diseases.roles()
    assert roles.onset_raised_by[diseases.index("heart_failure")] == diseases.index("diabetes")
    assert (roles.onset_raised_by >= -1).all() and roles.onset_raised_by.shape == (4,)
