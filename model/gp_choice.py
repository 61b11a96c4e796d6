"""Choosing a médecin traitant: the nearest GP within reach who still accepts patients."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit, prange

from territoire.agents.patients import NO_GP
from territoire.model.chunks import block_range, n_reduction_blocks, sum_blocks


def gps_by_distance(travel_min: np.ndarray, gp_commune: np.ndarray) -> np.ndarray:
    """For each commune, GP indices sorted by travel time (ties by GP index); shape communes ×
    GPs."""
    times = travel_min[:, gp_commune]
    return np.ascontiguousarray(np.argsort(times, axis=1, kind="stable").astype(np.int32))


def service_rank(order: np.ndarray) -> np.ndarray:
    """Each patient's place in the service ``order`` (its inverse permutation)."""
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order), dtype=order.dtype)
    return rank


@njit(cache=True, parallel=True)
def lists_and_seekers(patient_gp, alive, event, event_mask, rank, n_gp, scratch):
    """One pass over the patients: the number of living patients on each GP's médecin-traitant list,
    and the living patients without one whose ``event`` shares a bit with ``event_mask`` (those who
    look for one this week), in service order (``rank``: each patient's place in it).

    Blocks of patients are counted in parallel (integer sums: the same on any number of threads).
    Only a few hundred look in a week: sorting them by rank costs far less than walking the whole
    service order. ``scratch`` holds one slot per patient. Returns (list sizes, seekers in
    order)."""
    n = patient_gp.shape[0]
    blocks = n_reduction_blocks(n)
    partial = np.zeros((blocks, n_gp), np.int64)
    found = np.zeros(blocks, np.int64)
    for b in prange(blocks):
        lo, hi = block_range(b, blocks, n)
        k = lo  # block b's seekers go to scratch[lo:k]
        for p in range(lo, hi):
            if alive[p]:
                g = patient_gp[p]
                if g != NO_GP:
                    partial[b, g] += 1
                elif (event[p] & event_mask) != 0:
                    scratch[k] = p
                    k += 1
        found[b] = k - lo
    seekers = np.empty(found.sum(), np.int64)
    k = 0
    for b in range(blocks):
        lo = block_range(b, blocks, n)[0]
        seekers[k : k + found[b]] = scratch[lo : lo + found[b]]
        k += found[b]
    return sum_blocks(partial), seekers[np.argsort(rank[seekers])]


class ListSearch(NamedTuple):
    """GPs with room on their lists, as the médecin-traitant search reads them."""

    reach_by_mobility: np.ndarray  # minutes by road a patient travels to a GP, by mobility class
    gp_sorted: np.ndarray  # per commune, GP slots nearest first (``gps_by_distance``)
    gp_commune: np.ndarray  # commune row of each GP slot
    gp_free: np.ndarray  # int64, free places on each GP's list (updated in place)
    travel_min: np.ndarray  # commune × commune, minutes by road


@njit(cache=True)
def assign_gps(order, people, lists):
    """Give each living patient in ``order`` without a GP the nearest GP within reach that has a
    free place on their list. Updates ``people.gp`` and ``lists.gp_free`` in place; returns the
    number of patients assigned."""
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    gp, alive, commune, mobility = people.gp, people.alive, people.commune, people.mobility
    gp_sorted, gp_free, travel_min = lists.gp_sorted, lists.gp_free, lists.travel_min
    gp_commune, reach_by_mobility = lists.gp_commune, lists.reach_by_mobility
    assigned = 0
    n_gp = gp_sorted.shape[1]
    # per commune: GPs ranked before are full (lists only fill up)
    first_free = np.zeros(gp_sorted.shape[0], np.int64)
    for k in range(order.shape[0]):
        p = order[k]
        if gp[p] != NO_GP or not alive[p]:
            continue
        c = commune[p]
        while first_free[c] < n_gp and gp_free[gp_sorted[c, first_free[c]]] <= 0:
            first_free[c] += 1
        for r in range(first_free[c], n_gp):
            g = gp_sorted[c, r]
            if travel_min[c, gp_commune[g]] > reach_by_mobility[mobility[p]]:
                break
            if gp_free[g] > 0:
                gp[p] = g
                gp_free[g] -= 1
                assigned += 1
                break
    return assigned
