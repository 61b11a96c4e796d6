"""Stage 9 in one parallel pass over the patients: each patient's counters and health utility
(indicators) are added while their slots are loaded once, instead of two passes that read the same
arrays. The accounts then price the counts (``accounts.weekly_costs``).

Each block of patients adds what ``count_kernel`` and ``utility_kernel`` add to that block: the same
integer counts, and the same utilities (from a table of ``utility`` by stage combination) added in
the same patient order; the blocks are summed in the same order, so the totals are bit-identical to
the two stage kernels run one after the other (the model does that with ``fused = False``; a test
compares).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from territoire.agents.patients import N_STAGES
from territoire.model.chunks import block_range, sum_blocks
from territoire.model.demography import stage_combo
from territoire.model.events_codes import COUNTED, DIED, HAS_UNDIAGNOSED
from territoire.model.indicators import (
    TREATED_SECONDARY,
    UNDIAGNOSED,
    count_events,
    count_living,
    count_stages,
    counter_row,
    disease_counter,
    healthy_utility,
    stage_bin,
    utility_by_combo,
)


@njit(cache=True, parallel=True)
def tally_kernel(count_partial, utility_partial, people, x):
    """(counters, utilities) of the week, as the two stage kernels return them.

    The partial arrays are their scratch arrays (same number of blocks); ``x``: ``TallyInputs``.

    A patient with one of the four diseases (~18 %) adds one to each disease's (stage, follow-up
    overdue) cell of their row's small histogram, which the block turns into the prevalent,
    complicated, treated, under-follow-up and overdue counters at its end (integer sums: the same
    totals as ``count``), and the utility of their stage combination from a table. That is 4
    additions instead of 20, and no per-patient utility loop.
    """
    # the bundles' fields bound once: read through the tuple, numba reloads them at every use
    stage, alive, event, commune = people.stage, people.alive, people.event, people.commune
    vulnerable = people.vulnerable
    decrement, treated_stage, cost_rank = x.decrement, x.treated_stage, x.cost_rank
    followup_weeks, undiagnosed, overdue = x.followup_weeks, people.undiagnosed, people.overdue
    n_blocks, n_communes, n_columns = (
        count_partial.shape[0],
        count_partial.shape[1],
        count_partial.shape[3],
    )
    n_diseases = stage.shape[1]
    healthy_weight = healthy_utility(decrement)
    utility_of_combo = utility_by_combo(decrement)
    for b in prange(n_blocks):
        counters = count_partial[b].reshape(-1)
        counters[:] = 0
        utilities = utility_partial[b]
        utilities[:] = 0.0
        healthy = np.zeros(n_communes, np.int64)
        # per counter row: patients by disease, stage and follow-up overdue or not (``stage_bin``)
        stages = np.zeros((n_communes * 2, n_diseases * N_STAGES * 2), np.int64)
        lo, hi = block_range(b, n_blocks, alive.shape[0])
        for i in range(lo, hi):
            ev = event[i]
            if not alive[i] and not (ev & DIED):
                continue
            k = commune[i]
            row = counter_row(k, vulnerable[i], n_columns)
            if ev & COUNTED:
                count_events(counters, row, i, ev, people, x)
                if ev & DIED:
                    continue
            count_living(counters, row, i, people)
            combo = stage_combo(stage, i)
            if combo == 0:
                healthy[k] += 1
            else:
                by_stage = stages[row // n_columns]
                # the diseases treated (bits) and the costliest of them, for treated_secondary
                treated, first = 0, -1
                hidden = (ev & HAS_UNDIAGNOSED) != 0  # else no need to read ``undiagnosed``
                late = np.int64(overdue[i])  # bits: follow-ups overdue (set by demand)
                for d in range(n_diseases):
                    s = stage[i, d]
                    if s == 0:  # stage 0 is not counted
                        continue
                    if hidden and undiagnosed[i, d]:
                        counters[row + disease_counter(UNDIAGNOSED, d, n_diseases)] += 1
                        continue
                    by_stage[stage_bin(d, s, (late >> d) & 1)] += 1
                    if treated_stage[d, s]:
                        treated |= 1 << d
                        if first < 0 or cost_rank[d] < cost_rank[first]:
                            first = d
                utilities[k] += utility_of_combo[combo]
                treated &= ~(1 << first) if first >= 0 else 0
                d = 0
                while treated:  # treated for a costlier disease too (a few % of patients)
                    if treated & 1:
                        counters[row + disease_counter(TREATED_SECONDARY, d, n_diseases)] += 1
                    treated >>= 1
                    d += 1
        for r in range(stages.shape[0]):
            count_stages(counters, r * n_columns, stages[r], treated_stage, followup_weeks)
        utilities += healthy * healthy_weight
    return sum_blocks(count_partial), sum_blocks(utility_partial)
