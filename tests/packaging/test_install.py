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
    assert names == sorted(path.stem for path in (ROOT / "scenarios").glob("*.toml"))

    run = _sim(env, tmp_path, "run", "baseline", "--set", WINDOW[0], "--out", "run", "--quiet")
    assert run.returncode == 0, run.stderr
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    here = run_scenario(load_scenario(ROOT / "scenarios" / "baseline.toml", WINDOW),
                        out_dir=tmp_path / "here")
    assert summary["digest"] == here.summary["digest"]  # same scenario, same bundled data
    assert summary["input"][0]["file"] == "synthetic_2sym_10s.parquet"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["here", "run"]
