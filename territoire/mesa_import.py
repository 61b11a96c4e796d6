"""Import Mesa without paying for scipy.spatial at start-up.

Mesa 3.3's package imports its experimental continuous space, whose module runs
``from scipy.spatial.distance import cdist`` at import time. That pulls in all of scipy.spatial
(k-d trees, Qhull, rotations, scipy.special): ~0.25 s of the ~0.8 s that ``import mesa`` costs on
the project's 2-core machine, for a function territoire never calls. ``import_mesa`` imports Mesa
while ``scipy.spatial.distance`` is a stand-in module whose ``cdist`` imports the real module on its
first call; any other name asked of the stand-in imports the real module at once and returns the real
object, so a Mesa that imports more from it still gets the real things (at the usual cost). The
stand-in leaves ``sys.modules`` as soon as Mesa is in: later imports of scipy get the real modules.

(Mesa 3.4+ also imports ``scipy.spatial.KDTree`` in ``mesa.discrete_space``: there scipy.spatial is
imported as usual, takes the real ``distance`` module, and the stand-in saves nothing.)
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

DEFERRED = "scipy.spatial.distance"


def _real_module() -> types.ModuleType:
    if isinstance(sys.modules.get(DEFERRED), _StandIn):
        del sys.modules[DEFERRED]
    return importlib.import_module(DEFERRED)


def cdist(*args, **kwargs):
    """``scipy.spatial.distance.cdist``, imported on the first call."""
    return _real_module().cdist(*args, **kwargs)


class _StandIn(types.ModuleType):
    def __getattr__(self, name: str):
        if name.startswith("__"):  # the import system probes __path__, __spec__…: a plain module has none
            raise AttributeError(name)
        return getattr(_real_module(), name)


def import_mesa() -> types.ModuleType:
    """``import mesa``, with scipy.spatial left for the first call that needs it."""
    if "mesa" in sys.modules or DEFERRED in sys.modules or importlib.util.find_spec("scipy") is None:
        import mesa

        return mesa
    stand_in = _StandIn(DEFERRED, "stand-in for scipy.spatial.distance while Mesa is imported (territoire.mesa_import)")
    stand_in.cdist = cdist
    sys.modules[DEFERRED] = stand_in
    try:
        import mesa
    finally:
        if sys.modules.get(DEFERRED) is stand_in:
            del sys.modules[DEFERRED]
            if "scipy.spatial" in sys.modules:  # imported meanwhile, it may hold the stand-in as its ``distance``
                sys.modules["scipy.spatial"].distance = _real_module()
    return mesa
