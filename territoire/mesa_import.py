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

Mesa's grid spaces import networkx too (~0.2 s here), for their network grid, without using it at
import. It gets the same kind of stand-in, whose every name imports the real networkx; a territoire
run never asks for one (the road graph stays pickled until the map or the report draws it).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types

DEFERRED = "scipy.spatial.distance"
NETWORKX = "networkx"


def _real_module(name: str = DEFERRED) -> types.ModuleType:
    if isinstance(sys.modules.get(name), _StandIn):
        del sys.modules[name]
    return importlib.import_module(name)


def cdist(*args, **kwargs):
    """``scipy.spatial.distance.cdist``, imported on the first call."""
    return _real_module(DEFERRED).cdist(*args, **kwargs)


class _StandIn(types.ModuleType):
    """A module that imports the real one named like it for any name asked of it."""

    def __getattr__(self, name: str):
        if name.startswith(
            "__"
        ):  # the import system probes __path__, __spec__…: a plain module has none
            raise AttributeError(name)
        return getattr(_real_module(self.__name__), name)


def import_mesa() -> types.ModuleType:
    """``import mesa``, with scipy.spatial left for the first call that needs it and networkx for its first use."""
    if "mesa" in sys.modules:
        import mesa

        return mesa
    stand_ins = {}
    if DEFERRED not in sys.modules and importlib.util.find_spec("scipy") is not None:
        stand_ins[DEFERRED] = _StandIn(
            DEFERRED,
            "stand-in for scipy.spatial.distance while Mesa is imported (territoire.mesa_import)",
        )
        stand_ins[DEFERRED].cdist = cdist
    if NETWORKX not in sys.modules and importlib.util.find_spec(NETWORKX) is not None:
        stand_ins[NETWORKX] = _StandIn(
            NETWORKX, "stand-in for networkx while Mesa is imported (territoire.mesa_import)"
        )
    sys.modules.update(stand_ins)
    try:
        import mesa
    finally:
        for name, stand_in in stand_ins.items():
            if sys.modules.get(name) is stand_in:
                del sys.modules[name]
                if (
                    name == DEFERRED and "scipy.spatial" in sys.modules
                ):  # imported meanwhile, it may hold the stand-in
                    sys.modules["scipy.spatial"].distance = _real_module(DEFERRED)
    return mesa
