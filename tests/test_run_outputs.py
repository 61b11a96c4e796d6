"""The files of a run: the Parquet file written level by level, the chart drawn in a helper
process."""

import os

import pandas as pd
import pyarrow.parquet as pq
import pytest

from territoire.experiments import single
from territoire.experiments.chart import ChartProcess, Line, Panel, draw
from territoire.model.model import TerritoryModel
from territoire.model.results import LEVELS


@pytest.fixture(scope="module")
def ran(small_territory):
    return TerritoryModel(seed=4, territory=small_territory).run(12)


def _panels():
    return [
        Panel(f"panel {k}", "years", (Line([0.0, 0.5, 1.0], [k, k + 1.0, k - 0.5], "-", "ZIP"),))
        for k in range(4)
    ]


def test_helper_process_draws_the_same_png_as_this_process(tmp_path):
    draw(_panels(), tmp_path / "here.png", title="t")
    with ChartProcess() as chart:
        chart.submit(_panels(), tmp_path / "helper.png", title="t")
        assert chart.result() == tmp_path / "helper.png"
    assert (tmp_path / "helper.png").read_bytes() == (tmp_path / "here.png").read_bytes()


def test_a_dead_helper_means_the_chart_is_drawn_here(tmp_path):
    with ChartProcess() as chart:
        chart._process.kill()
        chart._process.wait()
        chart.submit(_panels(), tmp_path / "c.png")
        assert chart.result() == tmp_path / "c.png"
    assert (tmp_path / "c.png").read_bytes() == draw(_panels(), tmp_path / "here.png").read_bytes()


def test_without_a_python_executable_the_chart_is_drawn_here(tmp_path, monkeypatch):
    monkeypatch.setattr("sys.executable", "")
    with ChartProcess() as chart:
        assert chart._process is None
        chart.submit(_panels(), tmp_path / "c.png")
        assert chart.result() == tmp_path / "c.png"
    assert (tmp_path / "c.png").stat().st_size > 10_000


def test_a_drawing_error_in_the_helper_is_raised_with_its_traceback(tmp_path):
    with ChartProcess() as chart:
        chart.submit(_panels(), tmp_path / "no such folder" / "c.png")
        with pytest.raises(RuntimeError, match="FileNotFoundError"):
            chart.result()


def test_a_helper_never_given_a_chart_stops_with_its_parent():
    chart = ChartProcess()
    process = chart._process
    chart.close()
    assert process.returncode is not None


@pytest.mark.skipif(not hasattr(os, "getpgid"), reason="POSIX process groups")
def test_ctrl_c_at_the_terminal_does_not_reach_the_helper():
    # The terminal sends SIGINT to its foreground process group: the helper is in a group of its own
    # (the command stops it by closing its pipe), so it prints no KeyboardInterrupt traceback.
    with ChartProcess() as chart:
        assert os.getpgid(chart._process.pid) != os.getpgid(0)


@pytest.mark.parametrize("row_group_rows", [single.ROW_GROUP_ROWS, 5_000])
def test_parquet_has_row_groups_of_one_level_and_a_run_of_weeks_each_and_equals_the_indicators(
    ran, tmp_path, monkeypatch, row_group_rows
):
    # One level per row group, its weeks in runs (min/max statistics on `level` and `week`): DuckDB
    # and Arrow skip the others when a query asks for one level or some weeks. The same rows as
    # indicators(), in the same order, however the levels are cut.
    monkeypatch.setattr(single, "ROW_GROUP_ROWS", row_group_rows)
    with ChartProcess() as chart:
        single.write_run(ran, tmp_path, chart=chart)
    meta = pq.ParquetFile(tmp_path / "indicators.parquet").metadata
    level_column, week_column = meta.schema.names.index("level"), meta.schema.names.index("week")
    levels, runs = [], []
    for g in range(meta.num_row_groups):
        level, week = (
            meta.row_group(g).column(level_column).statistics,
            meta.row_group(g).column(week_column).statistics,
        )
        assert (
            level.has_min_max
            and level.min == level.max
            and meta.row_group(g).num_rows <= row_group_rows
        )
        levels.append(level.min)
        runs.append((level.min, week.min, week.max))
    assert list(dict.fromkeys(levels)) == list(LEVELS)
    if row_group_rows < single.ROW_GROUP_ROWS:
        assert len(runs) > 2 * len(LEVELS)  # the levels were cut
        for (l1, _, end), (l2, start, _) in zip(runs, runs[1:]):
            assert l1 != l2 or start == end + 1  # within a level, consecutive runs of weeks
    pd.testing.assert_frame_equal(
        pd.read_parquet(tmp_path / "indicators.parquet"), ran.indicators()
    )


def test_a_failure_while_computing_levels_leaves_no_parquet_file(ran, tmp_path, monkeypatch):
    from territoire.model import results

    calls, original = [], results.arrow_table

    def failing(part):
        calls.append(part)
        if len(calls) == 3:
            raise MemoryError("simulated")
        return original(part)

    monkeypatch.setattr(results, "arrow_table", failing)
    with pytest.raises(MemoryError):
        single.write_run(ran, tmp_path)
    assert len(calls) == 3
    assert not list(tmp_path.glob("indicators.parquet*"))
