"""Choosing a médecin traitant: the nearest GP within reach who still accepts patients."""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from territoire.agents.patients import NO_GP
from territoire.model.chunks import block_range, n_reduction_blocks, sum_blocks


def gps_by_distance(travel_min: np.ndarray, gp_commune: np.ndarray) -> np.ndarray:
    """For each commune, GP indices sorted by travel time (ties by GP index); shape communes × GPs."""
    times = travel_min[:, gp_commune]
    return np.ascontiguousarray(np.argsort(times, axis=1, kind="stable").astype(np.int32))


@njit(cache=True, parallel=True)
def list_sizes(patient_gp, alive, n_gp):
    """Number of living patients on each GP's médecin-traitant list (counted per block of patients in
    parallel; integer sums do not depend on how the blocks are shared between threads)."""
    blocks = n_reduction_blocks(patient_gp.shape[0])
    partial = np.zeros((blocks, n_gp), np.int64)
    for b in prange(blocks):
        lo, hi = block_range(b, blocks, patient_gp.shape[0])
        for p in range(lo, hi):
            if alive[p] and patient_gp[p] != NO_GP:
                partial[b, patient_gp[p]] += 1
    return sum_blocks(partial)


@njit(cache=True)
def looking_in_order(order, patient_gp, alive, event, event_mask, looking):
    """Living patients without a médecin traitant whose ``event`` shares a bit with ``event_mask``, in ``order``.

    A sequential pass marks them in ``looking`` (scratch, one byte a patient), then one pass over
    ``order`` picks them out: cheaper than testing every patient in the (random) order, as there are
    only a few hundred a week."""
    n = patient_gp.shape[0]
    count = 0
    for p in range(n):
        looking[p] = patient_gp[p] == NO_GP and alive[p] and (event[p] & event_mask) != 0
        if looking[p]:
            count += 1
    out = np.empty(count, np.int64)
    k = 0
    for j in range(order.shape[0]):
        if k == count:
            break
        if looking[order[j]]:
            out[k] = order[j]
            k += 1
    return out


@njit(cache=True)
def assign_gps(order, patient_commune, mobility, reach_by_mobility, patient_gp, gp_sorted, gp_commune, gp_free, travel_min,
               alive, event, event_mask):
    """Give each living patient in ``order`` without a GP the nearest GP within reach that has a free slot.

    Reach: minutes by road, by mobility class (``reach_by_mobility[mobility[p]]``).

    Only patients whose ``event`` shares a bit with ``event_mask`` look (``event_mask`` 0: everyone).
    Updates ``patient_gp`` and ``gp_free`` in place; returns the number of patients assigned.
    """
    assigned = 0
    n_gp = gp_sorted.shape[1]
    first_free = np.zeros(gp_sorted.shape[0], np.int64)  # per commune: GPs ranked before are full (lists only fill up)
    for k in range(order.shape[0]):
        p = order[k]
        if patient_gp[p] != NO_GP or not alive[p] or (event_mask != 0 and (event[p] & event_mask) == 0):
            continue
        c = patient_commune[p]
        while first_free[c] < n_gp and gp_free[gp_sorted[c, first_free[c]]] <= 0:
            first_free[c] += 1
        for r in range(first_free[c], n_gp):
            g = gp_sorted[c, r]
            if travel_min[c, gp_commune[g]] > reach_by_mobility[mobility[p]]:
                break
            if gp_free[g] > 0:
                patient_gp[p] = g
                gp_free[g] -= 1
                assigned += 1
                break
    return assigned
