"""``territoire.mesa_import``: Mesa imported without scipy.spatial, its continuous space still whole.

Each check runs in a fresh interpreter: this one has long imported Mesa and scipy."""

from __future__ import annotations

import subprocess
import sys


def _run(script: str) -> str:
    return subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    ).stdout.strip()


def test_mesa_comes_without_scipy_spatial_and_its_cdist_still_works():
    out = _run(
        "import sys\n"
        "from territoire.mesa_import import import_mesa\n"
        "mesa = import_mesa()\n"
        "from mesa.experimental.continuous_space import continuous_space as cs\n"
        "major, minor = (int(x) for x in mesa.__version__.split('.')[:2])\n"
        # Mesa 3.4+ imports scipy.spatial.KDTree in its discrete space: there the stand-in saves nothing
        "print((major, minor) >= (3, 4) or 'scipy.spatial' not in sys.modules)\n"
        "print('scipy.spatial.distance' not in sys.modules or sys.modules['scipy.spatial.distance'].__file__.endswith('.py'))\n"
        "import numpy as np\n"
        "a, b = np.array([[0.0, 0.0], [3.0, 4.0]]), np.array([[0.0, 0.0]])\n"
        "print(cs.cdist(a, b).ravel().tolist())\n"
        "import types, scipy.spatial, scipy.spatial.distance as real\n"  # later imports: the real module, everywhere
        "print(type(real) is types.ModuleType and scipy.spatial.distance is real, real.cdist(a, b).ravel().tolist())\n"
    )
    assert out.splitlines() == ["True", "True", "[0.0, 5.0]", "True [0.0, 5.0]"]


def test_any_other_name_asked_of_the_stand_in_is_the_real_one():
    out = _run(
        "import sys\n"
        "from territoire.mesa_import import DEFERRED, _StandIn\n"
        "stand_in = _StandIn(DEFERRED)\n"
        "sys.modules[DEFERRED] = stand_in\n"
        "euclidean = stand_in.euclidean\n"  # what 'from scipy.spatial.distance import euclidean' would ask
        "print(sys.modules[DEFERRED] is not stand_in, euclidean is sys.modules[DEFERRED].euclidean, euclidean([0, 0], [3, 4]))\n"
        "print(hasattr(stand_in, '__path__'))\n"  # the import system's probes find a plain module
    )
    assert out.splitlines() == ["True True 5.0", "False"]


def test_an_already_imported_mesa_is_left_alone():
    out = _run(
        "import sys, mesa\n"
        "from territoire.mesa_import import import_mesa\n"
        "print(import_mesa() is mesa, type(sys.modules.get('scipy.spatial.distance')).__name__)\n"
    )
    assert out == "True module"


def test_mesa_comes_without_networkx_and_its_network_grid_still_works():
    out = _run(
        "import sys\n"
        "from territoire.mesa_import import import_mesa\n"
        "mesa = import_mesa()\n"
        "major, minor = (int(x) for x in mesa.__version__.split('.')[:2])\n"
        # Mesa 3.5 names nx.spring_layout as a default argument in its discrete space: there networkx is imported
        "print((major, minor) >= (3, 5) or 'networkx' not in sys.modules)\n"
        "from mesa.space import NetworkGrid\n"
        "import networkx as nx\n"  # a later import: the real module
        "print(hasattr(nx, '__path__'), type(nx).__name__)\n"
        "grid = NetworkGrid(nx.path_graph(3))\n"
        "print(sorted(grid.get_neighborhood(1, include_center=False)))\n"
    )
    assert out.splitlines() == ["True", "True module", "[0, 2]"]
