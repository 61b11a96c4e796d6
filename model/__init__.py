"""The territory model: territory, weekly step (numba kernels), indicators.

Importing this package does nothing else: numba's stale-cache guard runs when the first model is
built (``kernel_cache.ensure_fresh_kernel_cache``), not at import.
"""
