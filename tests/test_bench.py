"""Fast checks of the benchmark's building blocks (no timing is asserted anywhere)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.territories import scaled_territory  # noqa: E402


@pytest.mark.parametrize("n", [10_000, 250_000])
def test_scaled_territories_are_valid(territory, n):
    t = scaled_territory(n)
    assert t.n_communes == 142 and int(t.population.sum()) == n and (t.population >= 1).all()
    np.testing.assert_allclose(t.travel_min, territory.travel_min)  # same roads, denser population
    share = t.population / n
    # rounding to whole people
    np.testing.assert_allclose(share, territory.population / territory.population.sum(), atol=3e-3)


def test_scaled_territory_refuses_fewer_people_than_communes():
    with pytest.raises(ValueError, match="at least one inhabitant per commune"):
        scaled_territory(100)


DIGEST = """
import hashlib, sys, numpy as np
sys.path.insert(0, {root!r})
from bench.territories import scaled_territory
from territoire.model.model import TerritoryModel
m = TerritoryModel(seed=3, territory=scaled_territory(30_000)).run(12)
h = hashlib.sha256()
for arr in (*m.patients.arrays().values(), *m.recorder.counts, *m.recorder.costs):
    h.update(np.ascontiguousarray(arr).tobytes())
print(h.hexdigest())
"""


def test_synthetic_territory_results_are_identical_on_one_and_two_threads():
    digests = set()
    for threads in ("1", "2"):
        out = subprocess.run(
            [sys.executable, "-c", DIGEST.format(root=str(ROOT))],
            capture_output=True,
            text=True,
            env={**os.environ, "NUMBA_NUM_THREADS": threads},
            timeout=600,
        )
        assert out.returncode == 0, out.stderr
        digests.add(out.stdout.strip())
    assert len(digests) == 1


def test_mesa_reference_steps(territory):
    from bench.mesa_reference import MesaPatientsModel
    from territoire.model.model import TerritoryModel

    mm = MesaPatientsModel(TerritoryModel(seed=1, territory=scaled_territory(2_000)), 500)
    before = sum(a.age_weeks for a in mm.agents)
    mm.step()
    assert len(mm.agents) == 500 and sum(a.age_weeks for a in mm.agents) > before


def test_the_machine_speed_probes_run():
    from bench.__main__ import compiled_draw_ns, python_loop_ns

    for probe in (python_loop_ns, compiled_draw_ns):
        assert 0.0 < probe(20_000) < 1e6  # nanoseconds an iteration: it ran, and timed what it ran


def test_the_bench_rewrites_its_table_and_keeps_the_history_written_by_hand(tmp_path):
    from bench.__main__ import write_markdown

    results = {
        "date": "2026-12-04",
        "command": "python -m bench",
        "machine": {"cores": 2, "processor": "test", "python": "3.11"},
        "figures": {"step_time_ms": {"value": 4.2, "unit": "ms"}},
    }
    path = tmp_path / "README.md"
    write_markdown(results, path)  # a first run: no history yet
    assert (
        "| step_time_ms | 4.200 | ms |" in path.read_text() and "## History" not in path.read_text()
    )
    history = "## History\n\n### 2026-12-01\n\nA note, | with a table | row |\n"
    path.write_text(path.read_text() + "\n" + history)
    results["figures"]["step_time_ms"]["value"] = 3.9
    write_markdown(results, path)
    text = path.read_text()
    assert "| step_time_ms | 3.900 | ms |" in text and "4.200" not in text
    assert text.endswith("\n" + history) and text.count("## History") == 1
