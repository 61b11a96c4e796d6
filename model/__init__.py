"""The territory model: territory, weekly step (numba kernels), indicators."""

from territoire.model.kernel_cache import drop_stale_kernel_cache
from territoire.numba_import import import_numba

import_numba()  # without scipy.linalg, which numba's first kernel would import (0.2-0.35 s)
drop_stale_kernel_cache()  # before any kernel is loaded from numba's cache
