#!/usr/bin/env python3
"""Project tasks that need nothing but python3: ``demo`` and ``test``.

Each task creates (or refreshes, when pyproject.toml, setup.py or
requirements-lock.txt changed) the local virtual environment ``.venv``: the pinned
test environment from requirements-lock.txt (so golden digests reproduce), then
ticktwin itself in editable mode without resolving dependencies again. Then it runs:

    python3 tasks.py demo   # the baseline scenario on the bundled sample -> reports/
    python3 tasks.py test   # ruff, mypy, the baseline budget (sim check), the whole pytest suite
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")


def _run(*args: str | Path) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    completed = subprocess.run([str(a) for a in args], cwd=ROOT, check=False)
    if completed.returncode != 0:
        sys.exit(completed.returncode)


LOCK = ROOT / "requirements-lock.txt"
STAMPED = ("pyproject.toml", "setup.py", "requirements-lock.txt")
"""Files whose content decides the environment: a change to any of them reinstalls."""


def ensure_venv() -> None:
    """Create .venv from the lock file and install the project, when a stamped file changed."""
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py may run under an old python3
        sys.exit("ticktwin needs Python 3.11 or newer")
    hasher = hashlib.sha256()
    for name in STAMPED:
        hasher.update(name.encode() + b"\0" + (ROOT / name).read_bytes() + b"\0")
    stamp = VENV / f".stamp-{hasher.hexdigest()[:16]}"
    if stamp.exists():
        return
    if not (BIN / "python").exists():
        print(f"+ creating {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "-r", LOCK)
    _run(BIN / "python", "-m", "pip", "install", "--quiet", "--no-deps", "-e", ".")
    for old in VENV.glob(".stamp-*"):
        old.unlink()
    stamp.touch()


def demo() -> None:
    """Run the bundled baseline scenario and write its report folder under reports/."""
    _run(BIN / "sim", "run", "scenarios/baseline.toml")


def test() -> None:
    """Lint, type-check, hold the baseline to its latency budget, run every test."""
    _run(BIN / "ruff", "check", ".")
    _run(BIN / "mypy")
    _run(BIN / "sim", "check", "scenarios/baseline.toml", "--out", "reports/ci-baseline",
         "--junit", "reports/ci-baseline-junit.xml")
    _run(BIN / "python", "-m", "pytest", "-q", "-p", "no:cacheprovider")


TASKS = {"demo": demo, "test": test}

if __name__ == "__main__":
    if len(sys.argv) != 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python3 tasks.py {{{'|'.join(TASKS)}}}")
    ensure_venv()
    TASKS[sys.argv[1]]()
