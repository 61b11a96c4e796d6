import os
import subprocess
import sys

import pandas as pd


def _run(*args):
    return subprocess.run(
        [sys.executable, "-m", "territoire.cli", *args], capture_output=True, text=True, timeout=300
    )


def test_every_verb_has_help():
    for verb in ("territory", "apl"):
        out = _run(verb, "--help")
        assert out.returncode == 0 and "usage" in out.stdout


def test_territory_summary(tmp_path):
    out = _run("territory")
    assert out.returncode == 0, out.stderr
    assert "142 communes" in out.stdout and "110,467 inhabitants" in out.stdout
    assert "CC de l'Alsace Bossue" in out.stdout and "APL DREES 2023" in out.stdout


def test_apl_csv(tmp_path):
    path = tmp_path / "apl.csv"
    out = _run("apl", "--out", str(path))
    assert out.returncode == 0, out.stderr
    table = pd.read_csv(path, dtype={"insee": str})
    assert list(table.columns) == ["insee", "name", "epci", "population", "apl"]
    assert len(table) == 142 and table["apl"].between(0, 15).all()


def test_bad_providers_file_is_one_clear_line(tmp_path):
    bad = tmp_path / "p.csv"
    bad.write_text("type,name,commune,fte,activity,age\ngp,Dr X,12345,1,4000,50\n")
    out = _run("territory", "--providers", str(bad))
    assert out.returncode == 2
    assert "unknown commune code '12345'" in out.stderr and "Traceback" not in out.stderr


def test_readme_explains_every_indicator():
    from pathlib import Path

    from territoire.model.results import INDICATORS

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text()
    missing = [name for name in INDICATORS if f"`{name}`" not in readme]
    assert not missing, f"README lacks a line for {missing}"


def test_output_cut_short_by_the_reader_is_no_traceback(tmp_path):
    # `territoire run ... | head -1`: the reader closes the pipe after one line; the results are
    # written all the same and the command ends without a BrokenPipeError traceback.
    # the first line arrives before the summary is made
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "territoire.cli",
            "run",
            "--years",
            "0.1",
            "--burn-in-years",
            "0",
            "--quiet",
            "--out",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    proc.stdout.readline()
    proc.stdout.close()
    stderr = proc.stderr.read().decode()
    proc.wait(timeout=300)
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert (tmp_path / "indicators.parquet").exists() and (tmp_path / "summary.csv").exists()


def test_ctrl_c_ends_the_command_with_one_line_and_no_traceback(tmp_path):
    import signal
    import time

    # SIGINT back to its default in the command: a shell's background jobs (CI runners, `make … &`)
    # inherit it ignored, and Python then never raises KeyboardInterrupt
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "territoire.cli",
            "run",
            "--years",
            "10",
            "--no-cache",
            "--out",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    first = proc.stderr.read(1)  # the burn-in's progress bar has started: the command is running
    time.sleep(0.5)
    # what the terminal does on Ctrl-C: the whole foreground group
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=120)
    stderr = first + stderr
    assert proc.returncode == 130, stderr
    assert "territoire: interrupted" in stderr.decode() and "Traceback" not in stderr.decode(), (
        stderr
    )
    assert not (tmp_path / "indicators.parquet").exists()


def test_ctrl_c_inside_a_numba_kernel_counts_as_an_interruption():
    # A KeyboardInterrupt raised while a compiled kernel runs reaches Python as a SystemError
    # ("returned a result with an exception set") caused by it; an unrelated SystemError is not an
    # interruption.
    from territoire.cli import _interrupted

    try:
        try:
            raise KeyboardInterrupt
        except KeyboardInterrupt as interrupt:
            raise SystemError(
                "CPUDispatcher(...) returned a result with an exception set"
            ) from interrupt
    except SystemError as exc:
        assert _interrupted(exc)
    assert not _interrupted(SystemError("something else")) and _interrupted(KeyboardInterrupt())


def test_every_command_exits_through_sys_exit_with_the_collector_on(monkeypatch):
    # No command ends the process behind the interpreter's back (os._exit skips its teardown, the
    # buffers of open files and the atexit handlers of the libraries) or runs without Python's
    # cycle collector: `compare` and the dashboard leave models behind as cyclic garbage.
    import gc

    import pytest

    from territoire import cli

    seen = {}  # verb → whether the collector was on while the command ran

    def fake_main(argv):
        seen[argv[0]] = gc.isenabled()
        return 3

    monkeypatch.setattr(cli, "main", fake_main)
    assert gc.isenabled()
    for verb in ("run", "checkpoint", "compare", "sweep", "app"):
        monkeypatch.setattr(cli.sys, "argv", ["territoire", verb])
        with pytest.raises(SystemExit) as exit_:
            cli.entry()
        assert exit_.value.code == 3
    assert seen == dict.fromkeys(("run", "checkpoint", "compare", "sweep", "app"), True)
    assert gc.isenabled()


def test_only_the_projects_errors_are_one_line_any_other_shows_its_traceback(monkeypatch, capsys):
    import pytest

    from territoire import cli
    from territoire.scenarios.schema import ScenarioError

    monkeypatch.delenv("TERRITOIRE_DEBUG", raising=False)

    def command_raising(exc):
        def command(args):
            raise exc

        monkeypatch.setattr(cli, "cmd_levers", command)  # build_parser reads it at each call

    command_raising(ScenarioError("s.toml: levers[1] (msp).commune: unknown commune code '1'"))
    assert cli.main(["levers"]) == 2
    err = capsys.readouterr().err
    assert err == "territoire: error: s.toml: levers[1] (msp).commune: unknown commune code '1'\n"

    command_raising(PermissionError(13, "Permission denied", "/srv/results"))
    assert cli.main(["levers"]) == 2
    assert capsys.readouterr().err == "territoire: error: Permission denied: /srv/results\n"

    # a bug: a bare ValueError or KeyError, or a path error that names no path, keeps its traceback
    for bug in (ValueError("a bug"), KeyError("a bug"), FileNotFoundError("no path named")):
        command_raising(bug)
        with pytest.raises(type(bug)):
            cli.main(["levers"])

    monkeypatch.setenv("TERRITOIRE_DEBUG", "1")  # and the user's mistakes too, on demand
    command_raising(ScenarioError("s.toml: bad"))
    with pytest.raises(ScenarioError):
        cli.main(["levers"])


def test_every_error_class_of_the_project_is_a_territoire_error():
    # `territoire` prints TerritoireErrors in one line and lets everything else through: an error
    # class the project defines outside that tree would show users a traceback for their mistake.
    import ast
    import importlib
    from pathlib import Path

    from territoire.errors import TerritoireError

    root = Path(__file__).resolve().parents[1]
    packages = {"model": "territoire.model", "agents": "territoire.agents"}
    packages |= {p: f"territoire.{p}" for p in ("scenarios", "experiments", "territoire")}
    packages["territoire"] = "territoire"
    found = {}
    for folder, package in packages.items():
        for path in sorted((root / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.ClassDef) and node.name.endswith("Error"):
                    module = package if path.stem == "__init__" else f"{package}.{path.stem}"
                    found[f"{module}.{node.name}"] = (module, node.name)
    assert len(found) >= 7, found  # ParameterError, ProvidersFileError, TerritoryError, …
    for name, (module, cls) in found.items():
        if cls == "TerritoireError":
            continue
        assert issubclass(getattr(importlib.import_module(module), cls), TerritoireError), name


def test_a_path_the_system_refuses_is_one_line_naming_it(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    out = _run("territory", "--communes", "67434", "--name", "x", "--out", str(blocker / "t.toml"))
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert out.stderr.startswith("territoire: error: ") and str(blocker) in out.stderr
