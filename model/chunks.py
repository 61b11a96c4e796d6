"""Patients are processed in fixed chunks: the unit of parallel work, independent of thread count."""

CHUNK = 4096  # patients per chunk; results never depend on it (counter-based draws, per-chunk partial sums)


def n_chunks(n: int) -> int:
    return (n + CHUNK - 1) // CHUNK
