"""Issue 9: --out, --junit and --markdown never destroy what they are given, nor leave debris."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name)


def test_out_at_a_folder_with_user_files_is_refused_and_kept(tmp_path: Path,
                                                              small_scenario: Path) -> None:
    target = tmp_path / "k"
    target.mkdir()
    (target / "t.txt").write_text("x")
    code, output = cli("run", small_scenario, "--out", target)
    assert code == 2
    assert output.strip() == (f"error: {target}: exists and is not a ticktwin run folder; give "
                              "a new or empty folder, or pass --force to replace it")
    assert (target / "t.txt").read_text() == "x"
    assert leftovers(tmp_path) == []


def test_out_at_the_parent_of_the_working_directory_is_refused_even_with_force(
        tmp_path: Path, small_scenario: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("keep")
    monkeypatch.chdir(work)
    for extra in ([], ["--force"]):
        code, output = cli("run", small_scenario, "--out", "..", *extra)
        assert code == 2, output
        assert "holds the working directory or the run's inputs; it is never replaced" in output
    assert (work / "keep.txt").read_text() == "keep"
    assert small_scenario.exists()


def test_out_at_the_folder_of_the_input_data_is_refused_with_force(
        tmp_path: Path, small_scenario: Path, small_ticks: Path) -> None:
    code, output = cli("run", small_scenario, "--out", small_ticks.parent, "--force")
    assert code == 2
    assert f"error: {small_ticks.parent}: holds the working directory or the run's inputs" in output
    assert small_ticks.exists()


def test_force_replaces_a_foreign_folder_and_a_run_folder_is_replaced_without_it(
        tmp_path: Path, small_scenario: Path) -> None:
    target = tmp_path / "k"
    target.mkdir()
    (target / "t.txt").write_text("x")
    code, output = cli("run", small_scenario, "--out", target, "--force", "--quiet")
    assert code == 0, output
    assert sorted(p.name for p in target.iterdir()) == [
        ".ticktwin-run", "fills.parquet", "orders.parquet", "plots", "report.html",
        "summary.json", "timeline.parquet"]
    first = json.loads((target / "summary.json").read_text())["digest"]
    code, output = cli("run", small_scenario, "--out", target, "--seed", "9", "--quiet")
    assert code == 0, output
    assert json.loads((target / "summary.json").read_text())["digest"] != first
    assert leftovers(tmp_path) == []


def test_a_previous_run_folder_with_an_added_file_is_not_a_run_folder(
        tmp_path: Path, small_scenario: Path) -> None:
    target = tmp_path / "run"
    assert cli("run", small_scenario, "--out", target, "--quiet")[0] == 0
    (target / "notes.md").write_text("mine")
    code, output = cli("run", small_scenario, "--out", target)
    assert code == 2
    assert "exists and is not a ticktwin run folder" in output
    assert (target / "notes.md").read_text() == "mine"


@pytest.mark.parametrize(("make", "what"), [
    (lambda p: p.write_text("x"), "exists and is a regular file, not a folder"),
    (lambda p: p.symlink_to(p.parent / "elsewhere"), "is a symbolic link"),
])
def test_out_at_a_file_or_a_symlink_is_refused(tmp_path: Path, small_scenario: Path,
                                               make: object, what: str) -> None:
    target = tmp_path / "target"
    make(target)  # type: ignore[operator]
    code, output = cli("run", small_scenario, "--out", target)
    assert code == 2
    assert f"error: {target}: {what}" in output


def test_out_with_a_300_character_name_is_a_one_line_error(tmp_path: Path,
                                                          small_scenario: Path) -> None:
    target = tmp_path / ("r" * 300)
    code, output = cli("run", small_scenario, "--out", target)
    assert code == 2
    assert output.startswith(f"error: {target}: ")
    assert "File name too long" in output
    assert len(output.strip().splitlines()) == 1
    assert leftovers(tmp_path) == []


def test_a_full_disk_is_a_one_line_error_and_leaves_nothing(
        tmp_path: Path, small_scenario: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.report.writer

    def no_space(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(sim.report.writer.pq, "write_table", no_space)
    target = tmp_path / "run"
    code, output = cli("run", small_scenario, "--out", target)
    assert code == 2
    assert output.strip() == f"error: {target}: could not be written (No space left on device)"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["small.toml"]


@pytest.mark.parametrize("option", ["--junit", "--markdown"])
def test_reports_never_replace_a_symlink_or_a_device(tmp_path: Path, small_scenario: Path,
                                                     option: str) -> None:
    kept = tmp_path / "kept.xml"
    kept.write_text("original")
    link = tmp_path / "link.xml"
    link.symlink_to(kept)
    code, output = cli("check", small_scenario, option, link, "--set",
                       'budget={"lost" = "== 0"}')
    assert code == 2
    assert output.strip() == (f"error: {link}: is a symbolic link; give the path of a regular "
                              "file to write (an existing one is replaced)")
    assert link.is_symlink()
    assert kept.read_text() == "original"
    code, output = cli("check", small_scenario, option, "/dev/null")
    assert code == 2
    assert "error: /dev/null: is a device" in output
    assert Path("/dev/null").is_char_device()


def test_reports_replace_a_regular_file(tmp_path: Path, small_scenario: Path) -> None:
    junit = tmp_path / "budget.xml"
    junit.write_text("old")
    code, output = cli("check", small_scenario, "--out", tmp_path / "run", "--junit", junit,
                       "--set", 'budget={"lost" = "== 0"}')
    assert code == 0, output
    assert junit.read_text().startswith("<?xml")
    assert leftovers(tmp_path) == []


def test_stale_temporaries_of_dead_processes_are_removed_live_ones_kept(
        tmp_path: Path, small_scenario: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    dead_pid = int(dead.stdout)
    stale = tmp_path / f".run.partial-{dead_pid}-abc123"
    stale.mkdir()
    (stale / "orders.parquet").write_text("half")
    live = tmp_path / f".run.partial-{os.getppid()}-def456"
    live.mkdir()
    assert cli("run", small_scenario, "--out", tmp_path / "run", "--quiet")[0] == 0
    assert not stale.exists()
    assert live.exists()


def test_two_concurrent_runs_of_one_scenario_both_succeed(tmp_path: Path,
                                                          small_scenario: Path) -> None:
    target = tmp_path / "run"
    command = [sys.executable, "-m", "sim", "run", str(small_scenario), "--out", str(target),
               "--quiet"]
    processes = [subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], results
    assert json.loads((target / "summary.json").read_text())["orders"]["lost"] == 0
    assert leftovers(tmp_path) == []


def test_sigterm_while_running_removes_the_temporary_folder(tmp_path: Path) -> None:
    target = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "sim", "run", "scenarios/baseline.toml", "--out", str(target)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(4)  # imports and the start of the simulation (the run takes ~15 s)
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert stderr.strip() == "terminated; temporary output removed"
    assert sorted(tmp_path.iterdir()) == []


def test_an_unexpected_exception_is_one_line_with_a_pointer_to_debug(
        small_scenario: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.runner

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom\nsecond line")

    monkeypatch.setattr(sim.runner, "run_scenario", broken)
    code, output = cli("run", small_scenario)
    assert code == 3
    assert output.strip() == ("error: internal error (RuntimeError: boom); this is a bug in "
                              "ticktwin: rerun as `sim --debug ...` for the traceback and "
                              "report it")
    result = runner.invoke(app, ["--debug", "run", str(small_scenario)])
    assert isinstance(result.exception, RuntimeError)
