"""numba's cache is dropped when the sources the kernels are compiled from change (numba itself only
watches the file of each cached function)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from territoire.model import kernel_cache
from territoire.model.kernel_cache import drop_stale_kernel_cache


def test_a_changed_source_drops_numbas_cache_and_nothing_else(tmp_path):
    sources, cache = tmp_path / "src", tmp_path / "cache"
    sources.mkdir()
    (sources / "helpers.py").write_text("WEEKS = 52\n")
    assert drop_stale_kernel_cache(cache, [sources])  # no stamp yet: files of unknown origin go
    for name in (
        "tally.tally_kernel-22.py311.nbi",
        "tally.tally_kernel-22.py311.1.nbc",
        "tally.cpython-311.pyc",
    ):
        (cache / name).write_bytes(b"x")
    assert not drop_stale_kernel_cache(cache, [sources])  # same sources: the cache stays
    assert len(list(cache.glob("*.nb?"))) == 2
    # a helper or constant in another file changes
    (sources / "helpers.py").write_text("WEEKS = 53\n")
    assert drop_stale_kernel_cache(cache, [sources])
    assert not list(cache.glob("*.nb?")) and (cache / "tally.cpython-311.pyc").exists()
    assert not drop_stale_kernel_cache(cache, [sources])


def test_the_hashed_sources_are_those_the_kernels_are_built_from():
    from territoire.agents import patients
    from territoire.model import patient_week, tally

    folders = {Path(f).resolve() for f in kernel_cache.KERNEL_SOURCES}
    for module in (patient_week, tally, patients):  # fused kernels, and the constants they read
        assert Path(module.__file__).resolve().parent in folders


def test_the_guard_runs_once_per_process_on_the_packages_own_cache(monkeypatch):
    calls = []
    monkeypatch.setattr(kernel_cache, "_checked", False)
    monkeypatch.setattr(
        kernel_cache, "drop_stale_kernel_cache", lambda *args: calls.append(args) or True
    )
    kernel_cache.ensure_fresh_kernel_cache()
    kernel_cache.ensure_fresh_kernel_cache()
    assert calls == [()]  # once, with the defaults: model/__pycache__ and the kernel sources


# Importing the package must neither touch files nor change a library. The audit hook records every
# file opened for writing, removed, renamed or created anywhere, and any look into numba's cache
# folder other than Python reading its own .pyc files (the guard reads its stamp there even when it
# has nothing to delete); numba must not even be imported.
IMPORT_ONLY = """
import os
import sys

cache = {cache!r}
touched = []


def audit(event, args):
    path = os.fsdecode(args[0]) if args and isinstance(args[0], (str, bytes, os.PathLike)) else ""
    in_cache = os.path.abspath(path).startswith(cache) and not path.endswith(".pyc")
    if event == "open" and (in_cache or (isinstance(args[1], str) and set(args[1]) & set("wax+"))):
        touched.append((event, path))
    elif event in ("os.remove", "os.rename", "os.replace", "os.mkdir", "shutil.rmtree"):
        touched.append((event, path))
    elif event in ("os.listdir", "os.scandir") and in_cache:
        touched.append((event, path))


sys.addaudithook(audit)
import territoire.model  # noqa: E402
import territoire.model.kernel_cache  # noqa: E402

print(touched)
print("numba" in sys.modules)
"""


def test_importing_the_model_package_touches_no_file_and_no_library():
    cache = str(Path(kernel_cache.__file__).resolve().parent / "__pycache__")
    out = subprocess.run(
        [sys.executable, "-c", IMPORT_ONLY.format(cache=cache)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},  # Python's own .pyc files aside
    ).stdout.split("\n")
    assert out[:2] == ["[]", "False"], out


@pytest.mark.parametrize("how", ["built", "unpickled"])
def test_a_model_checks_the_cache_before_its_first_kernel(monkeypatch, small_territory, how):
    # A model loaded from the burn-in cache or a checkpoint is unpickled, not built: its first
    # kernel runs in step(), so step() checks as well as the constructor.
    import pickle

    from territoire.model.model import TerritoryModel

    calls = []

    def start_checking():
        monkeypatch.setattr(kernel_cache, "_checked", False)
        monkeypatch.setattr(
            kernel_cache, "drop_stale_kernel_cache", lambda *args: calls.append(args) or False
        )

    if how == "built":
        start_checking()
        TerritoryModel(seed=1, territory=small_territory)
    else:
        model = pickle.loads(pickle.dumps(TerritoryModel(seed=1, territory=small_territory)))
        start_checking()
        model.step()
    assert calls == [()]
