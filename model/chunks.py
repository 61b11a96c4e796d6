"""Patients are processed in fixed chunks: the unit of parallel work, independent of thread
count."""

import numpy as np
from numba import njit

# patients per chunk; results never depend on it (counter-based draws, per-chunk partial sums)
CHUNK = 4096


def n_chunks(n: int) -> int:
    return (n + CHUNK - 1) // CHUNK


# patients per block of the counting and costing sums (fewer, larger blocks: cheaper to add up)
REDUCTION_BLOCK = 16_384
# each block keeps (communes × counters) partial sums: large territories get larger blocks
MAX_REDUCTION_BLOCKS = 16


@njit(cache=True)
def n_reduction_blocks(n: int) -> int:
    """Blocks of the per-commune sums; a function of the population only, so float sums are added in
    the same order on any number of threads. An even number beyond one block, so that two threads
    get equal shares (the embedded territory: 8 blocks rather than 7, the costing and counting
    kernels ~12 % faster on 2 cores)."""
    blocks = (n + REDUCTION_BLOCK - 1) // REDUCTION_BLOCK
    if blocks > 1:
        blocks += blocks % 2
    return min(MAX_REDUCTION_BLOCKS, max(1, blocks))


@njit(cache=True)
def block_range(b, n_blocks, n):
    """Patient slots ``lo`` to ``hi - 1`` of reduction block ``b`` of ``n_blocks``."""
    size = (n + n_blocks - 1) // n_blocks
    return b * size, min(n, (b + 1) * size)


@njit(cache=True)
def sum_blocks(partial):
    """``partial[0] + partial[1] + …``, always in that order (the same float sums on any number of
    threads)."""
    total = np.zeros(partial.shape[1:], partial.dtype)
    for b in range(partial.shape[0]):
        total += partial[b]
    return total
