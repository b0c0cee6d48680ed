"""The bundled baseline is deterministic: same digest twice, across hash seeds; seed matters."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BASELINE = ROOT / "scenarios" / "baseline.toml"


def run_cli(out: Path, hash_seed: str, *extra: str) -> dict[str, object]:
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    completed = subprocess.run(
        [sys.executable, "-m", "sim", "run", str(BASELINE), "--out", str(out), "--quiet", *extra],
        capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    assert completed.returncode == 0, completed.stderr
    return dict(json.loads((out / "summary.json").read_text()))


def test_baseline_digest_identical_across_runs_and_hash_seeds(
        tmp_path: Path, golden_run: Any) -> None:
    first = run_cli(tmp_path / "a", "0")
    second = run_cli(tmp_path / "b", "4242")
    assert first["digest"] == second["digest"]
    assert (tmp_path / "a" / "orders.parquet").exists()
    assert golden_run("baseline").summary["digest"] == first["digest"]


def test_changing_the_seed_changes_the_digest(golden_run: Any) -> None:
    base, other = golden_run("baseline"), golden_run("baseline", ["seed=43"])
    assert base.summary["digest"] != other.summary["digest"]
    assert base.summary["orders"]["submitted"] == other.summary["orders"]["submitted"]
