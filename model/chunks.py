"""Patients are processed in fixed chunks: the unit of parallel work, independent of thread count."""

CHUNK = 4096  # patients per chunk; results never depend on it (counter-based draws, per-chunk partial sums)


def n_chunks(n: int) -> int:
    return (n + CHUNK - 1) // CHUNK


REDUCTION_BLOCK = 16_384  # patients per block of the counting and costing sums (fewer, larger blocks: cheaper to add up)


def n_reduction_blocks(n: int) -> int:
    return max(1, (n + REDUCTION_BLOCK - 1) // REDUCTION_BLOCK)
