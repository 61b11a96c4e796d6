"""The counter-based draw gives the same numbers inside a kernel, called from Python, and in
numpy."""

import numpy as np
from numba import njit

from territoire.model.rng import process_key, uniform, uniform_np


@njit
def _numba_draws(key, patients, week, slot):
    out = np.empty(patients.shape[0])
    for k in range(patients.shape[0]):
        out[k] = uniform(key, patients[k], week, slot)
    return out


def test_numba_numpy_and_python_draws_are_identical():
    key = process_key(11, "demography")
    patients = np.array([0, 1, 2, 4095, 4096, 123_456, 6_000_000], np.int64)
    for week, slot in ((0, 0), (1, 3), (520, 17), (10_000, 255)):
        a = _numba_draws(key, patients, week, slot)
        b = uniform_np(key, patients, week, slot)
        # the numba draw called from Python
        c = np.array([uniform(key, int(p), week, slot) for p in patients])
        assert np.array_equal(a, b) and np.array_equal(b, c)
        assert ((a >= 0) & (a < 1)).all()


def test_draws_look_uniform():
    # 200,000 draws: the mean is within 5 standard errors (1/sqrt(12 n) ≈ 0.00065) of 1/2, and each
    # tenth holds 10 % ± 0.5 points (binomial s.d. 0.067 points): a broken mix fails by far more.
    u = uniform_np(process_key(3, "test"), np.arange(200_000), 7, 1)
    assert abs(u.mean() - 0.5) < 5 * 0.00065
    counts = np.bincount((u * 10).astype(int), minlength=10) / u.size
    assert np.all(np.abs(counts - 0.1) < 0.005)
