"""`pip install <checkout>` into a clean virtual environment, then `sim run baseline` elsewhere.

The environment is new and holds nothing but the ticktwin wheel pip builds from this
checkout (with the build isolation pip uses for any user, so the setuptools named in
[build-system] is fetched or taken from pip's cache). Its dependencies are not
downloaded again: a ``.pth`` file adds the test environment's site-packages after the
new one, so the installed ``sim`` wins while numpy, simpy... are found. ticktwin's own
editable hook there is a nested ``.pth`` that Python does not process, and the test
checks that ``sim`` and its scenarios are imported from the new environment.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from sim.runner import run_scenario
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
WINDOW = ["data.duration=1s"]

pytestmark = pytest.mark.slow


def _site_packages(env: Path) -> Path:
    return next((env / "lib").glob("python3*/site-packages"))


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A clean venv with ticktwin installed from the checkout, and pip's build output."""
    env = tmp_path_factory.mktemp("env") / "venv"
    venv.EnvBuilder(with_pip=False).create(env)
    (_site_packages(env) / "test-deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    build = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(env / "bin" / "python"), "install",
         "--no-deps", "--no-cache-dir", "-v", str(ROOT)],
        capture_output=True, text=True, check=False, timeout=600)
    assert build.returncode == 0, build.stdout[-3000:] + build.stderr[-3000:]
    return env, build.stdout + build.stderr


def _sim(env: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {key: value for key, value in os.environ.items()
               if key not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    return subprocess.run([str(env / "bin" / "sim"), *args], cwd=cwd, capture_output=True,
                          text=True, check=False, timeout=600, env=environ)


def test_the_wheel_builds_without_license_deprecation(installed: tuple[Path, str]) -> None:
    _, output = installed
    assert "Successfully installed ticktwin-0.1.0" in output
    assert "license" not in " ".join(
        line for line in output.splitlines() if "Deprecat" in line).lower()


def test_sim_run_baseline_from_an_empty_directory(installed: tuple[Path, str],
                                                  tmp_path: Path) -> None:
    env, _ = installed
    where = subprocess.run(
        [str(env / "bin" / "python"), "-c",
         "import sim, sim.examples; print(sim.__file__); print(sim.examples.scenarios_dir())"],
        cwd=tmp_path, capture_output=True, text=True, check=True)
    module, scenarios = where.stdout.split()
    assert Path(module).is_relative_to(env), module  # the wheel, not the checkout
    assert Path(scenarios) == _site_packages(env) / "sim" / "examples" / "scenarios"

    listed = _sim(env, tmp_path, "scenarios")
    assert listed.returncode == 0, listed.stderr
    names = [line.split()[0] for line in listed.stdout.splitlines()]
    assert names == [Path(name).stem for name in sorted(
        path.relative_to(ROOT / "scenarios").as_posix()
        for path in (ROOT / "scenarios").rglob("*.toml"))]

    run = _sim(env, tmp_path, "run", "baseline", "--set", WINDOW[0], "--out", "run", "--quiet")
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    here = run_scenario(load_scenario(ROOT / "scenarios" / "baseline.toml", WINDOW),
                        out_dir=tmp_path / "here")
    assert summary["digest"] == here.summary["digest"]  # same scenario, same bundled data
    assert summary["input"][0]["file"] == "synthetic_2sym_10s.parquet"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["here", "run"]


def _doc_blocks(language: str) -> list[str]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    return [block.split("\n", 1)[1] for block in text.split("```")[1::2]
            if block.startswith(language + "\n")]


def test_the_documented_ci_job_runs(installed: tuple[Path, str], tmp_path: Path) -> None:
    """docs/ci.md's job and budget, run as written (on a 1 s window) in an empty folder."""
    yaml = pytest.importorskip("yaml")
    env, _ = installed
    job = yaml.safe_load(_doc_blocks("yaml")[0])["jobs"]["latency-budget"]
    steps = {step.get("name"): step for step in job["steps"]}
    assert steps["Install ticktwin"]["run"] == 'pip install "ticktwin @ ${TICKTWIN}"'
    assert steps["Keep the report"]["with"]["path"] == "reports/"
    (tmp_path / "budget.toml").write_text(_doc_blocks("toml")[0], encoding="utf-8")
    command = steps["Check the latency budget"]["run"].split()
    assert command[:3] == ["sim", "check", "baseline"]
    checked = _sim(env, tmp_path, *command[1:], "--set", WINDOW[0])
    assert checked.returncode in (0, 1), checked.stderr
    assert checked.stdout.splitlines()[-1].endswith(" failed")
    assert (tmp_path / "reports" / "baseline" / "report.html").is_file()
    assert "<testsuites" in (tmp_path / "reports" / "budget.xml").read_text()
    assert (tmp_path / "reports" / "budget.md").read_text().startswith("| metric |")

    made = _sim(env, tmp_path, "run", "baseline", "--out", "reference", "--quiet",
                "--set", WINDOW[0])
    assert made.returncode == 0, made.stderr
    compare = " ".join(line.strip() for line in _doc_blocks("yaml")[1].splitlines()[2:])
    argv = compare.replace("'", "").split()
    assert argv[:3] == ["sim", "check", "baseline"]
    regression = _sim(env, tmp_path, *argv[1:], "--set", WINDOW[0])
    assert regression.returncode == 0, regression.stdout + regression.stderr
    lines = regression.stdout.splitlines()
    assert lines[-1].endswith("passed, 0 failed")  # the scenario's budget and the comparison
    compared = [line.split()[1] for line in lines if "; baseline " in line]
    assert sorted(compared) == sorted([
        "end_to_end.p99", "gateway.p99", "risk.p99", "matching.p99", "lost",
        *(f"link.{name}.p99" for name in ("client_to_gateway", "gateway_to_risk",
                                          "risk_to_matching", "matching_to_client"))])
