"""Benchmarks: ``python -m bench [--quick]`` from the repository root.

Prints one line per figure (``name: value unit``) and writes ``bench/results.json``. Every speed is
measured in the same run as its reference (the readable numpy step, the memory-bandwidth bound).
Each measurement that depends on the thread count or on a cold compile cache runs in a fresh
subprocess, so one does not warm the other.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent

# Timings on a shared machine are noisy: speeds are the best of three consecutive blocks of weeks.
STEP_SPEED = """
import time, json
from territoire.model.model import TerritoryModel
m = TerritoryModel(seed=1)
m.run(2)  # compile or load the kernels, fill the scratch arrays
blocks = []
for _ in range(3):
    t = time.perf_counter(); m.run({weeks} // 3); blocks.append(time.perf_counter() - t)
print(json.dumps({{"seconds": min(blocks), "patient_weeks": ({weeks} // 3) * len(m.patients)}}))
"""

FULL_RUN = """
import time, json
t0 = time.perf_counter()
from territoire.model.model import TerritoryModel
m = TerritoryModel(seed=1)
t1 = time.perf_counter()
m.run(520)
t2 = time.perf_counter()
print(json.dumps({{"build": t1 - t0, "run": t2 - t1, "total": t2 - t0}}))
"""

STAGE_TIMES = """
import time, json
from territoire.model.model import TerritoryModel
m = TerritoryModel(seed=1)
m.run(30)
stages = [
    "_policy", "_patient_stages", "_access", "_events", "_providers", "_accounts_and_indicators"
]
spent = dict.fromkeys(stages, 0.0)
for name in stages:
    def timed(*a, _f=getattr(m, name), _n=name, **k):
        t = time.perf_counter(); out = _f(*a, **k); spent[_n] += time.perf_counter() - t; return out
    setattr(m, name, timed)
t = time.perf_counter(); m.run({weeks}); total = time.perf_counter() - t
out = {{name.strip("_"): spent[name] / {weeks} for name in stages}}
out["other"] = total / {weeks} - sum(out.values())
print(json.dumps(out))
"""

REFERENCE_RATIO = """
import time, json
from territoire.model.model import TerritoryModel
from territoire.model.territory import Territory, ALSACE_BOSSUE_SIREN
c = Territory.default().communes
small = Territory.from_communes(
    c[c.epci == ALSACE_BOSSUE_SIREN].drop(columns=["zone"]), name="small"
)
out = {{}}
for kernels in ("numba", "reference"):
    m = TerritoryModel(seed=1, territory=small, kernels=kernels)
    m.run(2)
    t = time.perf_counter(); m.run({weeks}); s = time.perf_counter() - t
    out[kernels] = {weeks} * len(m.patients) / s
out["patients"] = len(m.patients)
print(json.dumps(out))
"""


MESA_RATIO = """
import time, json
from territoire.model.model import TerritoryModel
from bench.mesa_reference import MesaPatientsModel, kernel_subset_step
tm = TerritoryModel(seed=1)
for w in range(2):
    kernel_subset_step(tm, w)
t = time.perf_counter()
for w in range(2, 2 + {weeks}):
    kernel_subset_step(tm, w)
kernel = {weeks} * len(tm.patients) / (time.perf_counter() - t)
mm = MesaPatientsModel(TerritoryModel(seed=1), {agents})
mm.step()
t = time.perf_counter()
for _ in range({mesa_weeks}):
    mm.step()
mesa = {mesa_weeks} * {agents} / (time.perf_counter() - t)
print(json.dumps({{"kernel": kernel, "mesa": mesa}}))
"""

SCALING = """
import time, json, resource, os
from territoire.model.model import TerritoryModel
from bench.territories import scaled_territory
def rss_mb():
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
# load the kernels before measuring memory
TerritoryModel(seed=1, territory=scaled_territory(2000)).run(2)
before = rss_mb()
t0 = time.perf_counter()
m = TerritoryModel(seed=1, territory=scaled_territory({n}))
build = time.perf_counter() - t0
m.run(2)
blocks = []
for _ in range(2):  # best of two half-years (noisy shared machine)
    t = time.perf_counter()
    m.run({weeks} // 2)
    blocks.append(time.perf_counter() - t)
run = 2 * min(blocks)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
patient_bytes = m.patients.nbytes
print(json.dumps({{"n": len(m.patients), "build": build, "seconds_per_year": run / {weeks} * 52,
                  "peak_mb": peak, "before_mb": before, "patient_array_bytes": patient_bytes}}))
"""


def _python(code: str, env: dict | None = None, timeout: int = 900) -> dict:
    full_env = {**os.environ, **(env or {})}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=timeout
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-2000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


SWEEP = """
name = "bench"
base_scenario = "baseline"
years = 1
burn_in_years = 0.1
[design]
kind = "lhs"
samples = {runs}
[[parameters]]
path = "levers.teleconsultation.uptake"
low = 0.1
high = 0.9
"""


def sweep_runs_per_minute(workers: int, runs: int) -> float:
    """Steady-state runs per minute of a small Latin-hypercube sweep: runs finished between the
    first and the last partition written (worker start-up and the shared burn-in are not
    counted)."""
    import tomllib

    from territoire.experiments.sweep import parse_sweep, prepare_store, run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        spec = parse_sweep(tomllib.loads(SWEEP.format(runs=runs)), "<bench>")
        prepare_store(spec, Path(tmp))
        run_sweep(spec, tmp, workers=workers, progress=False)
        stamps = sorted(p.stat().st_mtime for p in Path(tmp).glob("runs/run=*/part.parquet"))
        return (len(stamps) - 1) / (stamps[-1] - stamps[0]) * 60


def best_seconds(run, repeats: int) -> float:
    """The shortest of ``repeats`` timed calls of ``run()``, in seconds (the least disturbed by the
    machine's other work)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def python_loop_ns(iterations: int = 5_000_000) -> float:
    """Nanoseconds per iteration of a plain Python loop of integer additions, best of 3: how fast
    this shared machine runs at the moment. Its speed moves from day to day (by 1.5-2.5× between
    sessions, seen here), so only figures measured at a similar loop time compare across runs."""

    def loop():
        total = 0
        for i in range(iterations):
            total += i

    return best_seconds(loop, 3) / iterations * 1e9


def compiled_draw_ns(draws: int = 5_000_000) -> float:
    """Nanoseconds per counter-based draw (``rng.uniform``) in a compiled one-thread loop, best of
    3: the machine's speed now for the kernels' kind of work. On this shared machine it does not
    always move with the Python loop: on 2026-12-01 the loop took 40 ns, near a fast day's 35, while
    the step ran 13.9 million patient-weeks a second, against 16-21 on 2026-11-26."""
    import numpy as np
    from numba import njit

    from territoire.model.rng import uniform

    @njit
    def total(key, n):
        s = 0.0
        for i in range(n):
            s += uniform(key, i, 0, 0)
        return s

    key = np.uint64(12345)
    total(key, 10)  # compile
    return best_seconds(lambda: total(key, draws), 3) / draws * 1e9


def memory_bandwidth_gbs(megabytes: int = 512) -> float:
    """Copy bandwidth of this machine (read + write bytes per second), best of 5 large numpy
    copies."""
    import numpy as np

    src = np.ones(megabytes * 2**20 // 8)
    dst = np.empty_like(src)
    return 2 * src.nbytes / best_seconds(lambda: np.copyto(dst, src), 5) / 1e9


def bytes_touched_per_step(n_patients: int) -> int:
    """Lower bound of the bytes one weekly step must read and write: each pass over the patients
    reads the arrays it uses once (stages 1-4 are one fused pass) and writes what it changes."""
    from territoire.agents.patients import Patients

    p = Patients.empty(1)
    per = {k: v.nbytes for k, v in p.arrays().items()}
    event, acute = 4, 1  # uint32 flags, int8 episode
    reads = {  # arrays each pass reads (and mostly writes back)
        "patient_stages": [
            "alive",
            "age_weeks",
            "sex",
            "stage",
            "weeks_since_followup",
            "enrolled",
            "telemonitored",
            "gp",
            "pending_routine",
        ],
        "access": ["alive"],
        "events": ["alive"],
        "accounts": ["alive", "stage", "commune", "enrolled", "telemonitored"],
        "indicators": [
            "alive",
            "age_weeks",
            "sex",
            "stage",
            "commune",
            "vulnerable",
            "gp",
            "enrolled",
            "telemonitored",
        ],
    }
    total = sum(sum(per[a] for a in arrays) for arrays in reads.values())
    # event flags written by the first pass, read by the five later ones
    total += event * 6 + acute * 3
    total += 4  # the fixed service order read once
    return total * n_patients


def _cpu_model() -> str:
    """The processor's model name (Linux: /proc/cpuinfo), else what the platform module knows."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {platform.machine()}"
    except OSError:
        pass
    return platform.processor() or platform.machine()


HISTORY = "## History"  # bench/README.md from this heading on is written by hand, never rewritten


def write_markdown(results: dict, path: Path) -> None:
    """bench/README.md: how to run the benchmarks, the table of the latest figures, and the history
    section that the file already holds (kept word for word: runs are compared against it)."""
    m = results["machine"]
    lines = [
        "# Benchmarks",
        "",
        (
            "Run from the repository root: `python -m bench` (about 10 minutes; `--quick` for "
            "fewer weeks per"
        ),
        (
            "measurement). Each figure is measured in the same run as its reference; thread counts "
            "and cold"
        ),
        (
            "compile caches are measured in fresh subprocesses. Every run rewrites this file down "
            "to its"
        ),
        "History section, which it keeps: dated notes and comparisons are written there by hand.",
        (
            "The speed of the shared machine the project runs on moves from day to day (1.5-2.5× "
            "between"
        ),
        (
            "sessions): `machine_python_loop_ns_*` (a plain Python loop) and "
            "`machine_compiled_draw_ns_*` (a"
        ),
        (
            "compiled loop of the kernels' random draws), timed at the start and at the end, tell "
            "how fast it"
        ),
        (
            "was, and the two do not always move together; compare two runs only at similar "
            "figures of both."
        ),
        "",
        (
            f"Latest: {results['date']}, `{results['command']}`, {m['cores']} cores "
            f"({m['processor']}), Python {m['python']}."
        ),
        "",
        "| figure | value | unit |",
        "|---|---:|---|",
    ]
    lines += [f"| {k} | {v['value']:,.3f} | {v['unit']} |" for k, v in results["figures"].items()]
    text = "\n".join(lines) + "\n"
    history = _history(path)
    path.write_text(text + ("\n" + history if history else ""))


def _history(path: Path) -> str:
    """The file's history section, from its heading to the end; empty if it has none."""
    try:
        old = path.read_text()
    except FileNotFoundError:
        return ""
    start = old.find("\n" + HISTORY + "\n")
    return old[start + 1 :] if start >= 0 else ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer weeks per measurement")
    args = parser.parse_args(argv)
    weeks = 52 if args.quick else 156
    figures: dict[str, tuple[float, str]] = {}

    def report(name: str, value: float, unit: str) -> None:
        figures[name] = (value, unit)
        print(f"{name}: {value:,.3f} {unit}", flush=True)

    report(
        "machine_python_loop_ns_at_start",
        python_loop_ns(),
        "ns an iteration (plain Python loop: the machine's speed now)",
    )
    report(
        "machine_compiled_draw_ns_at_start",
        compiled_draw_ns(),
        "ns a draw (compiled loop, one thread: the same for the kernels' work)",
    )
    with tempfile.TemporaryDirectory() as cache:
        cold = _python(FULL_RUN.format(), env={"NUMBA_CACHE_DIR": cache})
        warm = _python(FULL_RUN.format(), env={"NUMBA_CACHE_DIR": cache})
    report(
        "full_10y_run_cold_cache_s",
        cold["total"],
        "s (build + 520 weeks, numba compilation included)",
    )
    report("full_10y_run_warm_cache_s", warm["total"], "s (build + 520 weeks)")
    report("numba_compile_s", cold["total"] - warm["total"], "s (cold minus warm)")
    report("full_10y_steps_warm_s", warm["run"], "s (520 weeks, embedded territory)")
    with tempfile.TemporaryDirectory() as out, tempfile.TemporaryDirectory() as burn_in_cache:
        # The command line as a user types it (after the runs above, numba's cache is warm), with a
        # burn-in cache of its own: simulated (--no-cache), simulated and stored, then loaded; and
        # without burn-in.
        cases = (
            ("burn_in_5y_no_cache", 5, ["--no-cache"], 1),
            ("burn_in_5y_filling_cache", 5, [], 1),
            ("burn_in_5y_from_cache", 5, [], 7),
            ("burn_in_0y", 0, [], 1),
        )
        for name, burn_in, extra, repeats in cases:
            seconds = []
            # this shared machine's speed moves by up to 30 % within minutes: the main case is run
            # several times
            for _ in range(repeats):
                start = time.perf_counter()
                subprocess.run(
                    [
                        sys.executable,
                        "-m",
                        "territoire.cli",
                        "run",
                        "--years",
                        "10",
                        "--burn-in-years",
                        str(burn_in),
                        "--out",
                        out,
                        *extra,
                    ],
                    check=True,
                    capture_output=True,
                    env={**os.environ, "TERRITOIRE_CACHE_DIR": burn_in_cache},
                )
                seconds.append(time.perf_counter() - start)
            what = (
                f"territoire run --years 10 {' '.join([f'--burn-in-years {burn_in}', *extra])}: "
                "start-up, build or cached burn-in, run with its progress bar, parquet, summary, "
                "chart"
            )
            if repeats == 1:
                report(f"cli_run_10y_{name}_s", seconds[0], f"s ({what})")
            else:
                report(
                    f"cli_run_10y_{name}_s",
                    statistics.median(seconds),
                    f"s (median of {repeats}; {what})",
                )
                report(f"cli_run_10y_{name}_min_s", min(seconds), f"s (fastest of the {repeats})")
                report(f"cli_run_10y_{name}_max_s", max(seconds), f"s (slowest of the {repeats})")

    speeds = {}
    for threads in (1, 2):
        r = _python(STEP_SPEED.format(weeks=weeks), env={"NUMBA_NUM_THREADS": str(threads)})
        speeds[threads] = r["patient_weeks"] / r["seconds"]
        report(
            f"step_patient_weeks_per_s_{threads}_thread",
            speeds[threads] / 1e6,
            "million patient-weeks/s",
        )
    report("thread_speedup_2_vs_1", speeds[2] / speeds[1], "x")

    stages = _python(STAGE_TIMES.format(weeks=weeks))
    for name, seconds in stages.items():
        report(
            f"stage_{name}_ms",
            seconds * 1e3,
            "ms a week (2 threads; patient_stages = demography+onset+progression+demand fused)",
        )

    ratio = _python(REFERENCE_RATIO.format(weeks=max(10, weeks // 10)))
    report(
        "reference_patient_weeks_per_s",
        ratio["reference"] / 1e6,
        f"million patient-weeks/s (numpy reference, {ratio['patients']:,} patients)",
    )
    report(
        "kernel_patient_weeks_per_s_same_population",
        ratio["numba"] / 1e6,
        "million patient-weeks/s",
    )
    report("speed_ratio_kernel_vs_reference", ratio["numba"] / ratio["reference"], "x")

    mesa = _python(MESA_RATIO.format(weeks=weeks, agents=10_000, mesa_weeks=3 if args.quick else 6))
    report(
        "mesa_agents_patient_weeks_per_s",
        mesa["mesa"] / 1e6,
        "million patient-weeks/s (one mesa.Agent per patient, shuffle_do; "
        "demography+onset+progression+follow-up)",
    )
    report(
        "kernel_subset_patient_weeks_per_s",
        mesa["kernel"] / 1e6,
        "million patient-weeks/s (numba kernels of the same stages)",
    )
    report("speed_ratio_kernel_vs_mesa", mesa["kernel"] / mesa["mesa"], "x")

    sizes = (10_000, 100_000, 1_000_000)
    scale = {}
    for n in sizes:
        r = _python(SCALING.format(n=n, weeks=26 if args.quick else 52), timeout=1800)
        scale[n] = r
        report(
            f"scaling_{n}_seconds_per_simulated_year",
            r["seconds_per_year"],
            f"s (2 threads, {r['n']:,} patients)",
        )
        report(
            f"scaling_{n}_peak_memory_per_patient",
            (r["peak_mb"] - r["before_mb"]) * 2**20 / r["n"],
            "bytes (peak RSS beyond interpreter, libraries and kernels)",
        )
    import numpy as np

    slope = np.polyfit(
        np.log([scale[n]["n"] for n in sizes]),
        np.log([scale[n]["seconds_per_year"] for n in sizes]),
        1,
    )[0]
    report(
        "scaling_growth_exponent", slope, "(cost ∝ population^exponent, fitted over 1e4, 1e5, 1e6)"
    )
    upper = np.log(
        scale[1_000_000]["seconds_per_year"] / scale[100_000]["seconds_per_year"]
    ) / np.log(scale[1_000_000]["n"] / scale[100_000]["n"])
    report("scaling_growth_exponent_1e5_1e6", upper, "(the same between 1e5 and 1e6 only)")
    # seconds per week = fixed + per_patient × n: what does not grow with the population explains an
    # exponent below 1 at small sizes
    weekly = np.array([scale[n]["seconds_per_year"] / 52 for n in sizes])
    # relative residuals
    per_patient, fixed = np.polyfit([scale[n]["n"] for n in sizes], weekly, 1, w=1 / weekly)
    report(
        "scaling_fixed_cost_per_week_ms",
        fixed * 1e3,
        "ms (intercept of a straight-line fit: Python, thread start-up)",
    )
    report("scaling_cost_per_patient_week_ns", per_patient * 1e9, "ns (slope of the same fit)")
    report(
        "scaling_1e6_ten_years_s",
        10 * scale[1_000_000]["seconds_per_year"],
        "s (extrapolated from the measured year)",
    )
    report(
        "patient_state_bytes_per_patient",
        scale[1_000_000]["patient_array_bytes"] / scale[1_000_000]["n"],
        "bytes (the patient arrays alone)",
    )

    rates = {}
    for workers in (1, 2):
        rates[workers] = sweep_runs_per_minute(workers, runs=6 if args.quick else 12)
        report(
            f"sweep_runs_per_minute_{workers}_workers",
            rates[workers],
            "runs/min (1-year runs of the embedded territory, burn-in excluded)",
        )
    report("sweep_scaling_efficiency_2_workers", rates[2] / (2 * rates[1]), "(1 = perfect)")

    if Path("/usr/bin/chromium").exists():
        from bench.dashboard_timing import measure

        for name, value in measure().items():
            report(
                name,
                value,
                "s (real browser: Debian Chromium + Playwright; "
                "scenario and baseline stepped together)",
            )
    else:
        print("dashboard timings skipped: /usr/bin/chromium is not installed")

    bandwidth = memory_bandwidth_gbs()
    report("memory_bandwidth", bandwidth, "GB/s (numpy copy, read + write)")
    touched = bytes_touched_per_step(110_467)
    bound = touched / (bandwidth * 1e9)
    actual = 110_467 / speeds[2]
    report("bytes_touched_per_step", touched / 1e6, "MB")
    report("step_time_lower_bound_ms", bound * 1e3, "ms (bytes touched ÷ bandwidth)")
    report("step_time_ms", actual * 1e3, "ms (2 threads)")
    report("step_time_vs_bandwidth_bound", actual / bound, "x the bound")
    report(
        "machine_python_loop_ns_at_end",
        python_loop_ns(),
        "ns an iteration (the same loop as at the start)",
    )
    report(
        "machine_compiled_draw_ns_at_end",
        compiled_draw_ns(),
        "ns a draw (the same compiled loop as at the start)",
    )

    results = {
        "date": date.today().isoformat(),
        "machine": {
            "cores": os.cpu_count(),
            "processor": _cpu_model(),
            "python": platform.python_version(),
        },
        "command": "python -m bench" + (" --quick" if args.quick else ""),
        "figures": {k: {"value": v, "unit": u} for k, (v, u) in figures.items()},
    }
    (HERE / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    write_markdown(results, HERE / "README.md")
    print(f"wrote {HERE / 'results.json'} and {HERE / 'README.md'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
