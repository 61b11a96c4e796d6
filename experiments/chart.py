"""The run chart: panels of lines drawn with matplotlib, in this process or in a helper process.

Importing matplotlib (~0.3 s) and drawing six panels (~0.3 s) are a tenth of ``territoire run``.
The command therefore starts a ``ChartProcess`` before it imports anything heavy: the helper
imports matplotlib on the core that the parent's single-threaded imports leave idle, waits, and
draws the chart while the parent writes the Parquet file. The panels travel as plain arrays, so the
helper never imports pandas, numba or the model.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class Line:
    x: np.ndarray
    y: np.ndarray
    style: str  # matplotlib format string, e.g. "-"
    label: str


@dataclass(frozen=True)
class Panel:
    title: str
    xlabel: str
    lines: tuple[Line, ...]


def draw(panels: list[Panel], path: str | Path, title: str = "", columns: int = 3) -> Path:
    """PNG of the panels, ``columns`` to a row, on a bare ``Figure`` (no pyplot state: safe in any
    thread).

    Each label keeps one colour in every panel, and one legend for the figure names them: six
    legends, each searching for the emptiest corner of its panel, cost a fifth of the drawing.
    """
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    rows = -(-len(panels) // columns)
    fig = Figure(figsize=(13, 3.5 * rows))
    axes = np.atleast_1d(fig.subplots(rows, columns)).ravel()
    labels = list(dict.fromkeys(line.label for panel in panels for line in panel.lines))
    colours = {label: f"C{k % 10}" for k, label in enumerate(labels)}
    handles = {}
    for k, (ax, panel) in enumerate(zip(axes, panels)):
        for line in panel.lines:
            (handles[line.label],) = ax.plot(
                line.x, line.y, line.style, color=colours[line.label], label=line.label
            )
        # a fixed place: matplotlib skips measuring every tick label to place it
        ax.set_title(panel.title, fontsize=10, y=1.0, pad=6.0)
        # fewer tick labels to lay out, still a grid line every fifth of the range
        ax.yaxis.set_major_locator(MaxNLocator(nbins=5, steps=[1, 2, 2.5, 5, 10]))
        # the x axes are all alike: labelled on the lowest panel of each column
        if k + columns >= len(panels):
            ax.set_xlabel(panel.xlabel)
        ax.grid(alpha=0.3)
    for ax in axes[len(panels) :]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title)
    if handles:
        fig.legend(
            list(handles.values()),
            list(handles),
            loc="upper right",
            bbox_to_anchor=(0.98, 1.0),
            ncols=len(handles),
            fontsize=9,
            frameon=False,
        )
    # a layout engine doubles the drawing time
    fig.subplots_adjust(
        left=0.05, right=0.98, top=1 - 0.2 / rows, bottom=0.16 / rows, wspace=0.22, hspace=0.35
    )
    path = Path(path)
    # PNG compression level 3 instead of 6: half the encoding time, 7 % more bytes
    fig.savefig(path, dpi=90, pil_kwargs={"compress_level": 3})
    return path


class ChartProcess:
    """A helper process that imports matplotlib now and draws one chart later.

    ``submit`` hands it the panels, ``result`` waits for the file. If the helper cannot start or
    dies, the chart is drawn in this process instead; an error while drawing is raised here with the
    helper's traceback. Use it as a context manager (the helper is stopped on exit).

    The helper is a fresh interpreter running this module (not ``multiprocessing``, which would
    re-run the caller's main script in the child): safe whatever threads this process runs, on every
    OS.
    """

    def __init__(self) -> None:
        self._job: tuple | None = None
        command = [sys.executable, *(["-S"] if sys.flags.no_site else []), "-m", __name__]
        # its own process group: Ctrl-C at the terminal interrupts this process, which stops the
        # helper by closing its pipe, and not the helper with a traceback of its own
        group = (
            {"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP}
            if os.name == "nt"
            else {"start_new_session": True}
        )
        try:
            if not sys.executable:  # an embedded interpreter cannot start another
                raise OSError("no Python executable")
            self._process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, **group
            )
        except OSError:  # no helper (process limits, sandbox): draw here
            self._process = None

    def submit(self, panels: list[Panel], path: str | Path, title: str = "") -> None:
        self._job = (panels, str(path), title)
        if self._process is not None:
            try:
                pickle.dump(self._job, self._process.stdin, protocol=pickle.HIGHEST_PROTOCOL)
                self._process.stdin.close()
            except OSError:  # the helper is gone: result() draws here
                pass

    def result(self) -> Path:
        if self._job is None:
            raise RuntimeError("no chart submitted")
        if self._process is not None:
            try:
                status, detail = pickle.load(self._process.stdout)
            except (EOFError, OSError, pickle.UnpicklingError):  # the helper died: draw here
                status, detail = "gone", ""
            if status == "ok":
                return Path(detail)
            if status == "error":
                raise RuntimeError(f"drawing the chart {self._job[1]} failed:\n{detail}")
        return draw(*self._job)

    def close(self) -> None:
        if self._process is not None:
            for stream in (self._process.stdin, self._process.stdout):
                stream.close()  # a helper still waiting for its job reads end-of-file and stops
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def __enter__(self) -> ChartProcess:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _serve(stdin, stdout) -> None:
    import matplotlib.figure  # noqa: F401  the slow import, done while the parent is busy

    try:
        job = pickle.load(stdin)
    except EOFError:  # the parent stopped before submitting
        return
    try:
        reply = ("ok", str(draw(*job)))
    except Exception:
        reply = ("error", traceback.format_exc())
    pickle.dump(reply, stdout)
    stdout.flush()
    # This is the helper process, and its work is done: the PNG is closed by savefig, the reply is
    # flushed, and it holds nothing else (no threads, no atexit handler of ours). The parent waits
    # for it to end (``close``), and a normal exit would first tear down matplotlib, adding
    # 0.2-0.35 s to every ``territoire run`` (measured: median 0.29 s against 0.005 s). So the
    # helper ends at once. Only here, in a child that has finished, never in a command's own
    # process.
    os._exit(0)


if __name__ == "__main__":  # the helper: python -m territoire.experiments.chart
    _serve(sys.stdin.buffer, sys.stdout.buffer)
