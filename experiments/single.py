"""One run of the model, written where planners and scripts can read it: Parquet, CSV and a
chart."""

from __future__ import annotations

import os
import queue
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from territoire.agents.patients import WEEKS_PER_YEAR
from territoire.experiments.chart import ChartProcess, Line, Panel, draw
from territoire.model.results import INDICATORS

#: The indicators drawn in the run chart, by zone (ZIP / ZAC) except the territory-only ones.
KEY_INDICATORS = (
    "gp_count",
    "apl",
    "share_without_gp",
    "unmet_demand",
    "hospitalisations_per_1000",
    "cost_per_inhabitant",
)
# start and end values are means over the first and last quarter (weekly flows are noisy)
SUMMARY_WINDOW_WEEKS = 13


def summary_table(
    frame: pd.DataFrame, level: str = "territory", unit: str = "territory"
) -> pd.DataFrame:
    """One row per indicator: mean of the first and of the last 13 weeks, and the change."""
    sub = frame[(frame["level"] == level) & (frame["unit"] == unit)]
    wide = sub.pivot_table(
        index="week", columns="indicator", values="value", observed=True
    ).sort_index()
    n = min(SUMMARY_WINDOW_WEEKS, len(wide))
    start, end = wide.iloc[:n].mean(), wide.iloc[-n:].mean()
    out = pd.DataFrame({"start": start, "end": end, "change": end - start})
    out["unit"] = [INDICATORS.get(i, ("", ""))[0] for i in out.index]
    order = [i for i in INDICATORS if i in out.index]
    return out.loc[order]


def key_indicator_panels(frame: pd.DataFrame) -> list[Panel]:
    """The run chart's panels: each key indicator over time (years), by zone where it exists by
    zone; flows as 13-week averages."""
    panels = []
    for name in KEY_INDICATORS:
        unit_label = INDICATORS[name][0]
        by_zone = frame[(frame["level"] == "zone") & (frame["indicator"] == name)]
        series = (
            by_zone
            if len(by_zone)
            else frame[(frame["level"] == "territory") & (frame["indicator"] == name)]
        )
        lines = []
        for unit, s in series.groupby("unit", observed=True):
            s = s.sort_values("week")
            values = (
                s["value"].rolling(13, min_periods=1).mean()
                if unit_label.endswith(("/week", "/year"))
                else s["value"]
            )
            lines.append(
                Line(s["week"].to_numpy() / WEEKS_PER_YEAR, values.to_numpy(), "-", str(unit))
            )
        panels.append(Panel(f"{name.replace('_', ' ')} ({unit_label})", "years", tuple(lines)))
    return panels


class WrittenRun(NamedTuple):
    paths: dict[str, Path]  # indicators (Parquet), summary (CSV), chart (PNG)
    summary: pd.DataFrame  # what summary.csv holds (``summary_table`` of the territory)


# the summary and the chart need only these; they are computed first
CHART_LEVELS = ("territory", "zone")
#: Rows per part of a level (its weeks cut in runs): the worker thread encodes one part while the
#: next is computed, and readers can skip row groups by level and by week.
ROW_GROUP_ROWS = 1_000_000


def write_run(
    model, out: str | Path, title: str = "", chart: ChartProcess | None = None
) -> WrittenRun:
    """Write ``indicators.parquet``, ``summary.csv`` and ``indicators.png`` of a model that has run.

    The territory and zone levels come first, for the summary and the chart; the chart is drawn by
    ``chart``, a helper process started earlier, if given, else in this thread at the end. Each
    level is computed once, in parts of whole weeks (``ROW_GROUP_ROWS``), each handed to a worker
    thread that encodes it into the Parquet file as its own row group (Arrow releasing the GIL)
    while this thread computes the next one.
    """
    from territoire.model.results import LEVELS, arrow_table, indicator_parts, part_level

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {
        "indicators": out / "indicators.parquet",
        "summary": out / "summary.csv",
        "chart": out / "indicators.png",
    }
    levels = CHART_LEVELS + tuple(level for level in LEVELS if level not in CHART_LEVELS)
    with ThreadPoolExecutor(max_workers=1) as worker:
        tables: queue.SimpleQueue = queue.SimpleQueue()
        parquet = worker.submit(_write_parquet, tables, paths["indicators"])
        try:
            chart_parts, panels = [], None
            for part in indicator_parts(model, levels, max_rows=ROW_GROUP_ROWS):
                tables.put(arrow_table(part))
                if part_level(part) in CHART_LEVELS:
                    chart_parts.append(part)
                # the chart's levels are all in: draw while the others are computed and written
                elif panels is None:
                    frame, panels = _start_chart(chart_parts, chart, paths["chart"], title)
            if panels is None:
                frame, panels = _start_chart(chart_parts, chart, paths["chart"], title)
            tables.put(_END)
        except BaseException:
            tables.put(_ABORT)
            raise
        summary = summary_table(frame)
        summary.to_csv(paths["summary"], index_label="indicator")
        if chart is None:
            draw(panels, paths["chart"], title)
        else:
            chart.result()
        parquet.result()
    return WrittenRun(paths, summary)


def _start_chart(chart_parts: list[dict], chart: ChartProcess | None, path: Path, title: str):
    """(frame of the chart's levels, the chart's panels), handed to ``chart`` if given."""
    from territoire.model.results import indicator_frame_of

    frame = indicator_frame_of(chart_parts)
    panels = key_indicator_panels(frame)
    if chart is not None:
        chart.submit(panels, path, title)
    return frame, panels


_END, _ABORT = object(), object()


def _write_parquet(tables: queue.SimpleQueue, path: Path) -> None:
    """Write the Arrow tables that ``tables`` brings, until ``_END``, as one Parquet file (each
    table its own row groups); on ``_ABORT`` leave nothing behind."""
    import pyarrow.parquet as pq

    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    writer = None
    try:
        while (table := tables.get()) is not _END:
            if table is _ABORT:
                raise RuntimeError("the indicators could not be computed")
            if writer is None:
                # min/max statistics where they let readers skip row groups (one level per row
                # group, weeks in order); those of the unit and indicator columns would cost a third
                # of the writing time and prune nothing
                writer = pq.ParquetWriter(
                    tmp, table.schema, write_statistics=["level", "week", "value"]
                )
            writer.write_table(table)
    except BaseException:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
        raise
    writer.close()
    tmp.replace(path)  # never leave a half-written file under the final name


def format_summary(table: pd.DataFrame) -> str:
    with pd.option_context(
        "display.width", 140, "display.max_rows", 200, "display.float_format", "{:,.2f}".format
    ):
        return table.replace([np.inf, -np.inf], np.nan).to_string()
