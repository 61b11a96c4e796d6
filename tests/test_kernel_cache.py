"""numba's cache is dropped when the sources the kernels are compiled from change (numba itself only
watches the file of each cached function)."""

from pathlib import Path

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
    (sources / "helpers.py").write_text(
        "WEEKS = 53\n"
    )  # a helper or constant in another file changes
    assert drop_stale_kernel_cache(cache, [sources])
    assert not list(cache.glob("*.nb?")) and (cache / "tally.cpython-311.pyc").exists()
    assert not drop_stale_kernel_cache(cache, [sources])


def test_the_hashed_sources_are_those_the_kernels_are_built_from():
    from territoire.agents import patients
    from territoire.model import patient_week, tally

    folders = {Path(f).resolve() for f in kernel_cache.KERNEL_SOURCES}
    for module in (patient_week, tally, patients):  # fused kernels, and the constants they read
        assert Path(module.__file__).resolve().parent in folders
