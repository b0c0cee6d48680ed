"""Issue 9: summary.json files of the wrong shape are bad input (exit 2), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import DataError
from sim.report.run_folder import read_summary

runner = CliRunner()

GOOD = {
    "schema_version": 1,
    "orders": {"submitted": 10, "by_outcome": {"filled": 4, "resting": 6},
               "rejects_by_reason": {}, "fill_rate": 0.4, "reject_rate": 0.0, "lost": 0},
    "latency_ns": {"end_to_end": {"count": 10, "mean": 5.5, "p50": 5, "p99": 9}},
    "throughput": {"sim_duration_ns": 100, "requests_per_s": 1.0},
    "scenario": {"budget": {"lost": "== 0"}},
    "sim_start_ns": 0, "sim_end_ns": 100,
}


def run_folder(tmp_path: Path, content: str | bytes, name: str = "run") -> Path:
    folder = tmp_path / name
    folder.mkdir()
    data = content.encode() if isinstance(content, str) else content
    (folder / "summary.json").write_bytes(data)
    return folder


@pytest.mark.parametrize(("content", "message"), [
    (b"\xff\xfe{}", "summary.json: not UTF-8 text (byte 0)"),
    ("{", "summary.json: not valid JSON (line 1, column 2: Expecting property name"),
    ("[]", "summary.json: (top level): input should be a valid dictionary or instance of "
           "_summary"),
    (json.dumps({**GOOD, "orders": {**GOOD["orders"], "submitted": "10"}}),
     "summary.json: orders.submitted: input should be a valid integer"),
    (json.dumps({**GOOD, "latency_ns": {"end_to_end": [1, 2]}}),
     "summary.json: latency_ns.end_to_end: input should be a valid dictionary"),
    (json.dumps({k: v for k, v in GOOD.items() if k != "orders"}),
     "summary.json: orders: field required"),
])
@pytest.mark.parametrize("command", ["diff", "check-run", "check-baseline"])
def test_wrong_summary_is_exit_2_naming_the_file_and_key(
        tmp_path: Path, content: str | bytes, message: str, command: str) -> None:
    bad = run_folder(tmp_path, content, "bad")
    good = run_folder(tmp_path, json.dumps(GOOD), "good")
    args = {"diff": ["diff", str(good), str(bad)],
            "check-run": ["check", "--run", str(bad)],
            "check-baseline": ["check", "--run", str(good), "--baseline", str(bad)]}[command]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {bad}/{message}"), result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_good_summary_checks_and_diffs(tmp_path: Path) -> None:
    good = run_folder(tmp_path, json.dumps(GOOD))
    assert runner.invoke(app, ["check", "--run", str(good)]).exit_code == 0
    result = runner.invoke(app, ["diff", str(good), str(good)])
    assert result.exit_code == 0
    assert "fill_rate" in result.output


def test_a_folder_that_is_not_a_run(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip() == (f"error: {tmp_path}/summary.json: missing; is {tmp_path} "
                                     "a run folder written by `sim run`?")


JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
SHAPED = st.fixed_dictionaries({key: JSON | st.just(value) for key, value in GOOD.items()})


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=JSON | SHAPED)
def test_fuzzed_summaries_are_read_or_refused_with_a_data_error(tmp_path: Path,
                                                                 content: object) -> None:
    folder = tmp_path / "run"
    folder.mkdir(exist_ok=True)
    (folder / "summary.json").write_text(json.dumps(content))
    try:
        summary = read_summary(folder)
    except DataError as exc:
        message = str(exc)
    else:
        message = ""
    if message:
        assert message.startswith(f"{folder}/summary.json: ")
        assert "\n" not in message
        return
    result = runner.invoke(app, ["diff", str(folder), str(folder)])
    assert result.exit_code == 0, result.output
    assert summary == content
