"""Stage 9 in one parallel pass over the patients: each patient's counters and health utility
(indicators) are added while their slots are loaded once, instead of two passes that read the same
arrays. The accounts then price the counts (``accounts.weekly_costs``).

Each block of patients adds, in patient order, exactly what ``count_kernel`` and ``utility_kernel``
add to that block (the same ``count`` and ``utility``), and the blocks are summed in the same order,
so the totals are bit-identical to the two stage kernels run one after the other (the model does
that with ``fused = False``; a test compares).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from territoire.model.chunks import block_range, sum_blocks
from territoire.model.demography import stage_combo
from territoire.model.events_codes import DIED
from territoire.model.indicators import count, counter_row, healthy_utility, utility


@njit(cache=True, parallel=True)
def tally_kernel(count_partial, utility_partial, alive, event, acute, age_weeks, sex, stage, commune, vulnerable, gp,
                 enrolled, telemonitored, flag_bits, flag_index, decrement):
    """(counters, utilities) of the week, as the two stage kernels return them.

    The partial arrays are their scratch arrays (same number of blocks); then come ``count_kernel``'s
    arguments and ``utility_kernel``'s ``decrement``.
    """
    n_blocks = count_partial.shape[0]
    n_columns = count_partial.shape[3]
    healthy_weight = healthy_utility(decrement)
    for b in prange(n_blocks):
        counters = count_partial[b].reshape(-1)
        counters[:] = 0
        utilities = utility_partial[b]
        utilities[:] = 0.0
        healthy = np.zeros(utilities.shape[0], np.int64)
        lo, hi = block_range(b, n_blocks, alive.shape[0])
        for i in range(lo, hi):
            ev = event[i]
            if not alive[i] and not (ev & DIED):
                continue
            k = commune[i]
            count(counters, counter_row(k, vulnerable[i], n_columns), i, ev, acute, age_weeks, sex, stage, gp, enrolled,
                  telemonitored, flag_bits, flag_index)
            if not alive[i]:
                continue
            if stage_combo(stage, i) == 0:
                healthy[k] += 1
            else:
                utilities[k] += utility(stage, i, decrement)
        utilities += healthy * healthy_weight
    return sum_blocks(count_partial), sum_blocks(utility_partial)
