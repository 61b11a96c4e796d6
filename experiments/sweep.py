"""Parameter sweeps: a TOML design, a resumable Parquet result store, local processes or a Dask
cluster.

```toml
name = "telemedicine-lhs"
base_scenario = "baseline"        # built-in name or TOML path (relative to this file)
years = 5
burn_in_years = 5                 # optional: the base scenario's by default
replicates = 1
max_runs = 1000                   # refuse larger designs unless forced

[design]
kind = "lhs"                      # grid | lhs | sobol
samples = 64                      # lhs: runs; sobol: base samples N, a power of 2
                                  # (runs = N (D + 2)); grid: unused

[[parameters]]
path = "levers.teleconsultation.uptake"   # levers.<type>.<param> or <group>.<field>
low = 0.1                                 # lhs / sobol bounds
high = 0.9
# levels = [0.1, 0.5, 0.9]                # grid levels

[outputs]
indicators = ["unmet_demand", "share_without_gp", "cost_total"]
levels = ["territory", "zone"]
```

Groups for ``<group>.<field>``: ``care``, ``disease``, ``cost``, ``workforce``, ``access`` (the
model's parameter dataclasses; numeric fields only). The result folder holds ``manifest.json``,
``checkpoint.pkl`` (the shared burn-in), one ``runs/run=NNNNN/part.parquet`` per finished run
(written under a temporary name, then renamed) and ``failed/run=NNNNN.json`` for runs that raised.
"""

from __future__ import annotations

import json
import os
import tomllib
import traceback
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from territoire import __version__
from territoire.errors import TerritoireError

DESIGNS = ("grid", "lhs", "sobol")
TOP_KEYS = (
    "name",
    "base_scenario",
    "years",
    "burn_in_years",
    "replicates",
    "max_runs",
    "seed",
    "design",
    "parameters",
    "outputs",
)
DEFAULT_INDICATORS = (
    "unmet_demand",
    "share_without_gp",
    "avoidable_hospitalisations",
    "cost_total",
    "apl",
)


class SweepError(TerritoireError, ValueError):
    """A sweep file or result folder that cannot be used; the message names the file and the key."""


@dataclass
class Parameter:
    path: str
    low: float | None = None
    high: float | None = None
    levels: list[float] | None = None
    integer: bool = False


@dataclass
class SweepSpec:
    name: str
    base_scenario: str
    years: float = 5.0
    replicates: int = 1
    max_runs: int = 1000
    seed: int | None = None
    design: str = "lhs"
    samples: int = 16
    parameters: list[Parameter] = field(default_factory=list)
    indicators: tuple[str, ...] = DEFAULT_INDICATORS
    levels: tuple[str, ...] = ("territory",)
    burn_in_years: float | None = None  # None: the base scenario's
    source: str = "<memory>"

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "base_scenario": self.base_scenario,
            "years": self.years,
            "burn_in_years": self.burn_in_years,
            "replicates": self.replicates,
            "max_runs": self.max_runs,
            "seed": self.seed,
            "design": self.design,
            "samples": self.samples,
            "parameters": [vars(p) for p in self.parameters],
            "indicators": list(self.indicators),
            "levels": list(self.levels),
        }

    @classmethod
    def from_dict(cls, d: dict, source: str = "<manifest>") -> SweepSpec:
        return cls(
            **{
                **d,
                "parameters": [Parameter(**p) for p in d["parameters"]],
                "indicators": tuple(d["indicators"]),
                "levels": tuple(d["levels"]),
                "source": source,
            }
        )


def _fail(source: str, key: str, message: str) -> SweepError:
    return SweepError(f"{source}: {key}: {message}")


def _param_groups():
    from territoire.model import params as P

    return P.GROUPS


def check_path(path: str, source: str, key: str) -> bool:
    """Validate a parameter path; returns whether it is an integer parameter."""
    from territoire.scenarios.levers import LEVERS

    parts = path.split(".")
    if parts[0] == "levers":
        if len(parts) != 3 or parts[1] not in LEVERS:
            raise _fail(source, key, f"unknown lever in {path!r}; levers: {', '.join(LEVERS)}")
        spec = {p.name: p for p in LEVERS[parts[1]].params}
        if parts[2] not in spec or spec[parts[2]].kind not in ("float", "int"):
            numeric = [p.name for p in LEVERS[parts[1]].params if p.kind in ("float", "int")]
            raise _fail(
                source,
                key,
                f"unknown numeric parameter {parts[2]!r} of lever {parts[1]}; "
                f"allowed: {', '.join(numeric)}",
            )
        return spec[parts[2]].kind == "int"
    groups = _param_groups()
    if len(parts) != 2 or parts[0] not in groups:
        raise _fail(
            source,
            key,
            f"unknown parameter path {path!r}; use levers.<type>.<param> or one of "
            f"{', '.join(g + '.<field>' for g in groups)}",
        )
    numeric = {f.name: f.type for f in fields(groups[parts[0]]) if f.type in ("float", "int")}
    if parts[1] not in numeric:
        raise _fail(
            source,
            key,
            f"unknown numeric field {parts[1]!r} of {parts[0]}; "
            f"allowed: {', '.join(sorted(numeric))}",
        )
    return numeric[parts[1]] == "int"


def n_runs(spec: SweepSpec) -> int:
    d = len(spec.parameters)
    if spec.design == "grid":
        per = int(np.prod([len(p.levels) for p in spec.parameters])) if d else 0
    elif spec.design == "lhs":
        per = spec.samples
    else:  # Saltelli's scheme for first-order and total indices: N (D + 2) points
        per = spec.samples * (d + 2)
    return per * spec.replicates


def parse_sweep(data: dict, source: str, force: bool = False) -> SweepSpec:
    from territoire.model.results import INDICATORS, LEVELS

    unknown = [k for k in data if k not in TOP_KEYS]
    if unknown:
        raise _fail(source, unknown[0], f"unknown key; allowed: {', '.join(TOP_KEYS)}")
    if not isinstance(data.get("name"), str) or not data["name"]:
        raise _fail(source, "name", "a non-empty string is required")
    base = data.get("base_scenario", "baseline")
    if not isinstance(base, str):
        raise _fail(source, "base_scenario", f"must be a scenario name or file, got {base!r}")
    if (
        base.endswith(".toml")
        and not Path(base).is_absolute()
        and source not in ("<memory>", "<manifest>")
    ):
        base = str(Path(source).parent / base)
    design = data.get("design", {})
    if not isinstance(design, dict):
        raise _fail(source, "design", "must be a table")
    for k in design:
        if k not in ("kind", "samples"):
            raise _fail(source, f"design.{k}", "unknown key; allowed: kind, samples")
    kind = design.get("kind", "lhs")
    if kind not in DESIGNS:
        raise _fail(
            source, "design.kind", f"unknown design {kind!r}; allowed: {', '.join(DESIGNS)}"
        )
    samples = design.get("samples", 16)
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise _fail(source, "design.samples", f"must be a positive integer, got {samples!r}")
    years = data.get("years", 5.0)
    if isinstance(years, bool) or not isinstance(years, (int, float)) or not 0 < years <= 50:
        raise _fail(source, "years", f"must be within (0, 50], got {years!r}")
    replicates = data.get("replicates", 1)
    if isinstance(replicates, bool) or not isinstance(replicates, int) or replicates < 1:
        raise _fail(source, "replicates", f"must be a positive integer, got {replicates!r}")
    max_runs = data.get("max_runs", 1000)
    params = []
    raw = data.get("parameters", [])
    if not isinstance(raw, list) or not raw:
        raise _fail(source, "parameters", "at least one [[parameters]] table is required")
    for n, p in enumerate(raw, start=1):
        where = f"parameters[{n}]"
        if not isinstance(p, dict):
            raise _fail(source, where, "must be a table")
        for k in p:
            if k not in ("path", "low", "high", "levels"):
                raise _fail(source, f"{where}.{k}", "unknown key; allowed: path, low, high, levels")
        if not isinstance(p.get("path"), str):
            raise _fail(source, f"{where}.path", "a dotted path is required")
        integer = check_path(p["path"], source, f"{where}.path")
        if kind == "grid":
            levels = p.get("levels")
            if (
                not isinstance(levels, list)
                or not levels
                or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in levels)
            ):
                raise _fail(
                    source,
                    f"{where}.levels",
                    f"a grid needs a non-empty list of numbers, got {levels!r}",
                )
            params.append(Parameter(p["path"], levels=[float(v) for v in levels], integer=integer))
        else:
            low, high = p.get("low"), p.get("high")
            if not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in (low, high)
            ):
                raise _fail(
                    source,
                    where,
                    f"{kind} needs numeric low and high, got low={low!r}, high={high!r}",
                )
            if not low < high:
                raise _fail(source, where, f"empty range: low ({low}) must be below high ({high})")
            params.append(Parameter(p["path"], float(low), float(high), integer=integer))
    outputs = data.get("outputs", {})
    indicators = tuple(outputs.get("indicators", DEFAULT_INDICATORS))
    bad = [i for i in indicators if i not in INDICATORS]
    if bad:
        raise _fail(
            source, "outputs.indicators", f"unknown indicator {bad[0]!r}; see README for the list"
        )
    levels = tuple(outputs.get("levels", ("territory",)))
    bad = [lv for lv in levels if lv not in LEVELS]
    if bad:
        raise _fail(
            source, "outputs.levels", f"unknown level {bad[0]!r}; allowed: {', '.join(LEVELS)}"
        )
    burn_in = data.get("burn_in_years")
    if burn_in is not None and (
        isinstance(burn_in, bool) or not isinstance(burn_in, (int, float)) or not 0 <= burn_in <= 50
    ):
        raise _fail(source, "burn_in_years", f"must be within [0, 50], got {burn_in!r}")
    spec = SweepSpec(
        data["name"],
        base,
        float(years),
        replicates,
        int(max_runs),
        data.get("seed"),
        kind,
        samples,
        params,
        indicators,
        levels,
        None if burn_in is None else float(burn_in),
        source,
    )
    total = n_runs(spec)
    if total == 0:
        raise _fail(source, "design", "the design produces no run")
    if total > spec.max_runs and not force:
        raise _fail(
            source,
            "design",
            f"the design produces {total:,} runs, more than max_runs = {spec.max_runs:,} "
            "(raise it or use --force)",
        )
    return spec


def load_sweep(path: str | Path, force: bool = False) -> SweepSpec:
    path = Path(path)
    if not path.exists():
        raise SweepError(f"sweep file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SweepError(f"{path}: not valid TOML ({exc})") from exc
    return parse_sweep(data, str(path), force)


# ---- designs -----------------------------------------------------------------------------------
def design_matrix(spec: SweepSpec, seed: int = 0) -> np.ndarray:
    """Parameter values, one row per point (before replicates); deterministic for a seed."""
    d = len(spec.parameters)
    if spec.design == "grid":
        grids = np.meshgrid(*[np.asarray(p.levels) for p in spec.parameters], indexing="ij")
        return np.column_stack([g.ravel() for g in grids])
    bounds = [[p.low, p.high] for p in spec.parameters]
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=d, seed=seed).random(spec.samples)
        return qmc.scale(unit, [b[0] for b in bounds], [b[1] for b in bounds])
    from SALib.sample import sobol as sobol_sample

    problem = salib_problem(spec)
    return sobol_sample.sample(problem, spec.samples, calc_second_order=False, seed=seed)


def salib_problem(spec: SweepSpec) -> dict:
    return {
        "num_vars": len(spec.parameters),
        "names": [p.path for p in spec.parameters],
        "bounds": [[p.low, p.high] for p in spec.parameters],
    }


def planned_runs(spec: SweepSpec) -> list[dict]:
    """Every run: id, replicate, parameter values (integers rounded for integer parameters)."""
    matrix = design_matrix(spec)
    runs = []
    for point, row in enumerate(matrix):
        values = {
            p.path: (int(round(v)) if p.integer else float(v)) for p, v in zip(spec.parameters, row)
        }
        for r in range(spec.replicates):
            runs.append({"run": len(runs), "point": point, "replicate": r, "params": values})
    return runs


# ---- one run -------------------------------------------------------------------------------------
def apply_parameters(scenario, model, values: dict) -> None:
    """Set the sampled values: lever parameters on the scenario (adding the lever with its defaults
    if the base scenario lacks it), model parameters through ``update_params``."""
    from dataclasses import replace

    from territoire.scenarios.levers import LEVERS, Lever

    groups: dict[str, dict] = {}
    for path, value in values.items():
        parts = path.split(".")
        if parts[0] == "levers":
            lever = next((lv for lv in scenario.levers if lv.type == parts[1]), None)
            if lever is None:
                spec = LEVERS[parts[1]]
                missing = [p.name for p in spec.params if p.required]
                if missing:
                    raise SweepError(
                        f"lever {parts[1]} needs {', '.join(missing)}: add it to the base scenario"
                    )
                lever = Lever(
                    parts[1],
                    0,
                    0,
                    {
                        p.name: (list(p.default) if isinstance(p.default, list) else p.default)
                        for p in spec.params
                    },
                )
                scenario.levers.append(lever)
            lever.params[parts[2]] = value
        else:
            groups.setdefault(parts[0], {})[parts[1]] = value
    if groups:
        model.update_params(
            **{g: replace(getattr(model, f"{g}_params"), **kv) for g, kv in groups.items()}
        )


_CACHE: dict[str, Any] = {}


def _start_model(checkpoint: str):
    from territoire.scenarios.checkpoint import load_checkpoint

    if _CACHE.get("path") != checkpoint:
        _CACHE.update(path=checkpoint, model=load_checkpoint(checkpoint))
    return _CACHE["model"]


def run_one(spec_dict: dict, run: dict, out: str, checkpoint: str) -> dict:
    """Run one point of the sweep and write its partition atomically; a failure is written, not
    raised."""
    spec = SweepSpec.from_dict(spec_dict)
    out = Path(out)
    target = out / "runs" / f"run={run['run']:05d}" / "part.parquet"
    failed = out / "failed" / f"run={run['run']:05d}.json"
    try:
        if os.environ.get("TERRITOIRE_SWEEP_FAIL_RUN") == str(run["run"]):
            raise RuntimeError("failure injected by TERRITOIRE_SWEEP_FAIL_RUN (tests)")
        from territoire.scenarios.run import branch
        from territoire.scenarios.schema import load_scenario

        scenario = load_scenario(spec.base_scenario)
        model = branch(_start_model(checkpoint), scenario, replicate=run["replicate"])
        apply_parameters(scenario, model, run["params"])
        model.set_levers(scenario.levers)
        model.run(int(round(spec.years * 52)))
        frame = model.indicators(levels=spec.levels)
        frame = frame[frame["indicator"].isin(spec.indicators)].copy()
        for col in ("level", "unit", "indicator"):
            frame[col] = frame[col].astype(str)
        frame.insert(0, "replicate", run["replicate"])
        frame.insert(0, "point", run["point"])
        frame.insert(0, "run", run["run"])
        frame["seed"] = model.seed
        for path, value in run["params"].items():
            frame[f"param:{path}"] = value
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f"part.parquet.tmp-{os.getpid()}")
        frame.to_parquet(tmp, index=False)
        os.replace(tmp, target)  # atomic: a partition is either complete or absent
        failed.unlink(missing_ok=True)
        return {"run": run["run"], "status": "done"}
    except Exception as exc:  # a failing run is recorded, the sweep goes on
        failed.parent.mkdir(parents=True, exist_ok=True)
        failed.write_text(
            json.dumps(
                {
                    "run": run["run"],
                    "params": run["params"],
                    "error": f"{type(exc).__name__}: {exc}",
                    "traceback": traceback.format_exc(),
                },
                indent=2,
            )
        )
        return {"run": run["run"], "status": "failed", "error": f"{type(exc).__name__}: {exc}"}


def _init_worker() -> None:
    import numba

    # one numba thread per worker process: the processes are the parallelism
    numba.set_num_threads(1)


# ---- the result store ----------------------------------------------------------------------------
def complete_runs(out: Path) -> set[int]:
    """Runs whose partition is present and readable (a corrupt one is removed, to be redone)."""
    import pyarrow.parquet as pq

    done = set()
    for part in (out / "runs").glob("run=*/part.parquet"):
        try:
            pq.read_metadata(part)
            done.add(int(part.parent.name.split("=")[1]))
        except Exception:
            part.unlink()
    for tmp in (out / "runs").glob("run=*/part.parquet.tmp-*"):
        tmp.unlink()  # left by an interrupted run: redone
    return done


def prepare_store(spec: SweepSpec, out: Path, progress: bool = False) -> tuple[list[dict], Path]:
    """Create or check the folder's manifest and shared checkpoint; returns every planned run."""
    from territoire.scenarios.checkpoint import CheckpointKey, save_checkpoint
    from territoire.scenarios.run import burned_in
    from territoire.scenarios.schema import load_scenario

    out.mkdir(parents=True, exist_ok=True)
    manifest = out / "manifest.json"
    runs = planned_runs(spec)
    definition = spec.to_dict()
    if manifest.exists():
        try:
            existing = json.loads(manifest.read_text())
        except json.JSONDecodeError as exc:
            raise SweepError(
                f"{manifest} is corrupt ({exc}); remove the folder or use another --out"
            ) from exc
        if existing.get("sweep") != definition:
            raise SweepError(
                f"{out} holds another sweep ({existing.get('sweep', {}).get('name')!r}); "
                "use another --out"
            )
    else:
        tmp = manifest.with_suffix(".json.tmp")
        tmp.write_text(
            json.dumps(
                {
                    "sweep": definition,
                    "code_version": __version__,
                    "source": spec.source,
                    "runs": runs,
                },
                indent=1,
            )
        )
        tmp.replace(manifest)
    checkpoint = out / "checkpoint.pkl"
    if not checkpoint.exists():
        scenario = load_scenario(spec.base_scenario)
        if spec.seed is not None:
            scenario.seed = spec.seed
        if spec.burn_in_years is not None:
            scenario.burn_in_years = spec.burn_in_years
        save_checkpoint(burned_in(scenario, progress), CheckpointKey.of(scenario), checkpoint)
    return runs, checkpoint


def run_sweep(
    spec: SweepSpec,
    out: str | Path,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> dict:
    """Run every planned run not yet complete, locally (process pool) or on a Dask cluster."""
    from tqdm.auto import tqdm

    out = Path(out)
    runs, checkpoint = prepare_store(spec, out, progress=progress)
    done = complete_runs(out)
    todo = [r for r in runs if r["run"] not in done]
    stats = {"planned": len(runs), "skipped": len(done), "done": 0, "failed": 0}
    bar = tqdm(total=len(runs), initial=len(done), desc=spec.name, unit="run", disable=not progress)
    args = (spec.to_dict(), str(out), str(checkpoint))

    def record(result: dict) -> None:
        stats["done" if result["status"] == "done" else "failed"] += 1
        bar.update(1)
        bar.set_postfix(
            done=len(done) + stats["done"],
            failed=stats["failed"],
            remaining=len(todo) - stats["done"] - stats["failed"],
        )

    if scheduler:
        from dask.distributed import Client, as_completed

        with Client(scheduler) as client:
            futures = client.map(
                run_one,
                [args[0]] * len(todo),
                todo,
                [args[1]] * len(todo),
                [args[2]] * len(todo),
                pure=False,
            )
            for fut in as_completed(futures):
                record(fut.result())
    elif (workers or 1) <= 1:
        for run in todo:
            record(run_one(args[0], run, args[1], args[2]))
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures import as_completed as done_first

        with ProcessPoolExecutor(
            max_workers=workers, mp_context=mp.get_context("spawn"), initializer=_init_worker
        ) as pool:
            futures = [pool.submit(run_one, args[0], run, args[1], args[2]) for run in todo]
            for fut in done_first(futures):
                record(fut.result())
    bar.close()
    return stats


def load_results(out: str | Path) -> pd.DataFrame:
    """Every finished run of a sweep folder as one DataFrame (the same rows DuckDB reads)."""
    out = Path(out)
    if not (out / "manifest.json").exists():
        raise SweepError(f"{out} is not a sweep result folder (no manifest.json)")
    parts = sorted((out / "runs").glob("run=*/part.parquet"))
    if not parts:
        return pd.DataFrame()
    return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)


def read_manifest(out: str | Path) -> dict:
    path = Path(out) / "manifest.json"
    if not path.exists():
        raise SweepError(f"{out} is not a sweep result folder (no manifest.json)")
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SweepError(f"{path} is corrupt ({exc})") from exc


def failures(out: str | Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted((Path(out) / "failed").glob("run=*.json"))]
