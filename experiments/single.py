"""One run of the model, written where planners and scripts can read it: Parquet, CSV and a chart."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from territoire.model.results import INDICATORS

#: The indicators drawn in the run chart, by zone (ZIP / ZAC) except the territory-only ones.
KEY_INDICATORS = (
    "gp_count", "apl", "share_without_gp", "unmet_demand", "hospitalisations_per_1000", "cost_per_inhabitant",
)
SUMMARY_WINDOW_WEEKS = 13  # start and end values are means over the first and last quarter (weekly flows are noisy)


def summary_table(frame: pd.DataFrame, level: str = "territory", unit: str = "territory") -> pd.DataFrame:
    """One row per indicator: mean of the first and of the last 13 weeks, and the change."""
    sub = frame[(frame["level"] == level) & (frame["unit"] == unit)]
    wide = sub.pivot_table(index="week", columns="indicator", values="value", observed=True).sort_index()
    n = min(SUMMARY_WINDOW_WEEKS, len(wide))
    start, end = wide.iloc[:n].mean(), wide.iloc[-n:].mean()
    out = pd.DataFrame({"start": start, "end": end, "change": end - start})
    out["unit"] = [INDICATORS.get(i, ("", ""))[0] for i in out.index]
    order = [i for i in INDICATORS if i in out.index]
    return out.loc[order]


def plot_key_indicators(frame: pd.DataFrame, path: str | Path, title: str = "", baseline: pd.DataFrame | None = None) -> Path:
    """PNG of the key indicators over time (years), by zone where the indicator exists by zone.

    Drawn on a bare ``Figure`` (no pyplot): no global backend state, safe in a worker thread."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 7))
    axes = fig.subplots(2, 3)
    for ax, name in zip(axes.flat, KEY_INDICATORS):
        for data, style, label_suffix in ((frame, "-", ""), (baseline, ":", " (baseline)")):
            if data is None:
                continue
            by_zone = data[(data["level"] == "zone") & (data["indicator"] == name)]
            series = by_zone if len(by_zone) else data[(data["level"] == "territory") & (data["indicator"] == name)]
            for unit, s in series.groupby("unit", observed=True):
                s = s.sort_values("week")
                flow = INDICATORS[name][0].endswith(("/week", "/year"))
                values = s["value"].rolling(13, min_periods=1).mean() if flow else s["value"]  # flows: 13-week average
                ax.plot(s["week"] / 52.0, values, style, label=f"{unit}{label_suffix}")
        ax.set_title(f"{name.replace('_', ' ')} ({INDICATORS[name][0]})", fontsize=10)
        ax.set_xlabel("years")
        ax.grid(alpha=0.3)
        if ax.get_legend_handles_labels()[0]:
            ax.legend(fontsize=8)
    if title:
        fig.suptitle(title)
    fig.subplots_adjust(left=0.05, right=0.98, top=0.9, bottom=0.08, wspace=0.22, hspace=0.35)  # a layout engine doubles the drawing time
    path = Path(path)
    fig.savefig(path, dpi=90)
    return path


def write_run(model, out: str | Path, title: str = "") -> dict[str, Path]:
    """Write ``indicators.parquet``, ``summary.csv`` and ``indicators.png`` of a model that has run.

    Every level is computed once (the summary and chart use the territory and zone levels); then
    Arrow encodes the Parquet file (every level, millions of rows) in a worker thread, with the GIL
    released, while this thread writes the summary and draws the chart.
    """
    from territoire.model.results import indicator_frame_and_table

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"indicators": out / "indicators.parquet", "summary": out / "summary.csv", "chart": out / "indicators.png"}
    frame, table = indicator_frame_and_table(model, frame_levels=("territory", "zone"))
    with ThreadPoolExecutor(max_workers=1) as worker:
        parquet = worker.submit(_write_parquet, table, paths["indicators"])
        summary_table(frame).to_csv(paths["summary"], index_label="indicator")
        plot_key_indicators(frame, paths["chart"], title=title)
        parquet.result()
    return paths


def _write_parquet(table, path: Path) -> None:
    import pyarrow.parquet as pq

    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    pq.write_table(table, tmp)
    tmp.replace(path)  # never leave a half-written file under the final name


def format_summary(table: pd.DataFrame) -> str:
    with pd.option_context("display.width", 140, "display.max_rows", 200, "display.float_format", "{:,.2f}".format):
        return table.replace([np.inf, -np.inf], np.nan).to_string()
