"""The territory model: territory, weekly step (numba kernels), indicators."""

from territoire.model.kernel_cache import drop_stale_kernel_cache

drop_stale_kernel_cache()  # before any kernel is loaded from numba's cache
