"""Strict scenario types: durations need a unit, counts are integers, zero is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.scenario import load_scenario, scenario_from_dict

HEAD = 'name = "t"\n[data]\nsources = [{ path = "ticks.parquet" }]\n'
NOT_WHOLE = "must be a whole number written without quotes, e.g. 4, not"


def write(folder: Path, text: str, name: str = "s.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def refusal(path: Path, overrides: tuple[str, ...] = ()) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    return str(caught.value)


@pytest.mark.parametrize(
    ("extra", "problem"),
    [
        ("duration = 5\n",
         'data.duration: 5 has no unit; write it as a string with a unit, e.g. "5s" or "5us"'),
        ("offset = 250\n",
         'data.offset: 250 has no unit; write it as a string with a unit, e.g. "250s" or '
         '"250us"'),
        ('duration = "0s"\n', "data.duration: must be greater than 0 (got '0s')"),
        ('duration = "-1s"\n', "data.duration: must be greater than 0 (got '-1s')"),
        ("duration = true\n",
         'data.duration: true is not a duration; write a string with a unit, e.g. "5ms"'),
        ("max_events = 0\n", "data.max_events: must be greater than 0 (got 0)"),
        ('max_events = "10"\n', f"data.max_events: {NOT_WHOLE} a string (got '10')"),
        ("volume = { multiplier = 2.0 }\n",
         f"data.volume.multiplier: {NOT_WHOLE} a float (got 2.0)"),
        ("volume = { multiplier = 0 }\n",
         "data.volume.multiplier: must be greater than or equal to 1 (got 0)"),
    ],
)
def test_data_keys_are_strict(tmp_path: Path, extra: str, problem: str) -> None:
    path = write(tmp_path, HEAD + extra)
    assert refusal(path) == f"{path}: invalid scenario: {problem}"


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"3"', f"{NOT_WHOLE} a string (got '3')"),
        ("true", f"{NOT_WHOLE} a boolean (got true)"),
        ("2.0", f"{NOT_WHOLE} a float (got 2.0)"),
        ("0", "must be greater than or equal to 1 (got 0)"),
        ("-2", "must be greater than or equal to 1 (got -2)"),
    ],
)
def test_workers_must_be_a_positive_integer(tmp_path: Path, value: str, problem: str) -> None:
    path = write(tmp_path, HEAD + f"[topology.gateway]\nworkers = {value}\n")
    assert refusal(path) == f"{path}: invalid scenario: topology.gateway.workers: {problem}"


@pytest.mark.parametrize(
    ("table", "key", "value", "problem"),
    [
        ("topology.risk", "queue_capacity", "1e3", f"{NOT_WHOLE} a float (got 1000.0)"),
        ("topology.gateway.rate_limit", "burst", '"5"', f"{NOT_WHOLE} a string (got '5')"),
        ("risk", "max_order_qty", "true", f"{NOT_WHOLE} a boolean (got true)"),
        ("risk", "enabled", '"no"', "must be true or false, not a string (got 'no')"),
        ("report", "tick_size", "0", "must be greater than 0 (got 0)"),
        ("report", "timeline_interval", "100", '100 has no unit; write it as a string with a '
         'unit, e.g. "100s" or "100us"'),
        ("topology.links.gateway_to_risk", "fifo", "1", "must be true or false, not a number "
         "(got 1)"),
        ("topology.links.gateway_to_risk", "retransmit_delay", "200",
         '200 has no unit; write it as a string with a unit, e.g. "200s" or "200us"'),
    ],
)
def test_counts_flags_and_durations_elsewhere(
    tmp_path: Path, table: str, key: str, value: str, problem: str
) -> None:
    rate = 'rate_per_s = 10\n' if table.endswith("rate_limit") else ""
    path = write(tmp_path, HEAD + f"[{table}]\n{rate}{key} = {value}\n")
    assert refusal(path) == f"{path}: invalid scenario: {table}.{key}: {problem}"


def test_a_service_time_without_unit_names_its_key(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + '[topology.matching]\nservice = { kind = "exponential", '
                 "mean = 2000 }\n")
    assert refusal(path) == (
        f"{path}: invalid scenario: topology.matching.service.mean: 2000 has no unit; write it "
        'as a string with a unit, e.g. "2000s" or "2000us"'
    )


def test_fault_and_inject_durations_need_units(tmp_path: Path) -> None:
    fault = '[[faults]]\nkind = "pause"\ntarget = "risk"\nat = "1ms"\nduration = 5\n'
    path = write(tmp_path, HEAD + fault)
    assert refusal(path) == (
        f'{path}: invalid scenario: faults[0].duration: 5 has no unit; write it as a string '
        'with a unit, e.g. "5s" or "5us"'
    )
    inject = ('[[inject]]\nat = 2\nsymbol = "A"\nside = "buy"\nqty = 1\ntype = "market"\n')
    path = write(tmp_path, HEAD + inject)
    assert refusal(path).endswith(
        'inject[0].at: 2 has no unit; write it as a string with a unit, e.g. "2s" or "2us"'
    )


def test_several_problems_share_one_line_and_the_rest_are_counted(tmp_path: Path) -> None:
    text = HEAD + ('[topology.gateway]\nworkers = 1.5\nqueue_capacity = "x"\n'
                   "[topology.risk]\nworkers = 0\n[topology.matching]\nworkers = true\n")
    message = refusal(write(tmp_path, text))
    assert "\n" not in message
    assert message.endswith("(and 1 more problem)")
    assert message.count(";") == 2


def test_set_values_are_typed_as_toml_and_just_as_strict(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD)
    scenario = load_scenario(path, ("topology.gateway.workers=4", "data.duration=5s",
                                    'data.volume={multiplier=3, mode="replicate"}'))
    assert (scenario.topology.gateway.workers, scenario.data.duration) == (4, 5_000_000_000)
    assert scenario.data.volume.multiplier == 3
    assert refusal(path, ("data.duration=5",)) == (
        f"{path} (with --set overrides): invalid scenario: data.duration: 5 has no unit; "
        'write it as a string with a unit, e.g. "5s" or "5us"'
    )
    assert refusal(path, ('topology.gateway.workers="4"',)).endswith(
        f"topology.gateway.workers: {NOT_WHOLE} a string (got '4')")


def test_python_dicts_keep_int_nanoseconds() -> None:
    """Resolved dumps hold durations as int ns; they must load back unchanged."""
    raw = {"name": "t", "data": {"sources": [{"path": "x.parquet"}], "duration": 5}}
    scenario = scenario_from_dict(raw)
    assert scenario.data.duration == 5
    assert scenario_from_dict(scenario.model_dump(mode="json")) == scenario


def test_bundled_scenarios_resolve_to_plain_ints() -> None:
    folder = Path(__file__).resolve().parents[3] / "scenarios"
    for path in sorted(folder.glob("*.toml")):
        scenario = load_scenario(path)
        assert type(scenario.topology.gateway.workers) is int
        assert type(scenario.seed) is int


def test_cli_run_refuses_a_bare_duration_with_exit_2(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD + "duration = 5\n")
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f'error: {path}: invalid scenario: data.duration: 5 has no unit; write it as a string '
        'with a unit, e.g. "5s" or "5us"'
    )
    assert not (tmp_path / "out").exists()


def test_cli_set_with_a_string_count_exits_2(tmp_path: Path) -> None:
    path = write(tmp_path, HEAD)
    result = CliRunner().invoke(app, ["run", str(path), "--set", 'topology.gateway.workers="3"'])
    assert result.exit_code == 2
    assert result.output.strip().splitlines()[-1] == (
        f"error: {path} (with --set overrides): invalid scenario: topology.gateway.workers: "
        f"{NOT_WHOLE} a string (got '3')"
    )


@pytest.mark.parametrize(
    ("table", "line", "problem"),
    [
        ("[topology.audit]", 'max_batch = "256"', f"topology.audit.max_batch: {NOT_WHOLE} a string "
         "(got '256')"),
        ("[topology.audit]", "group_commit = 1",
         "topology.audit.group_commit: must be true or false, not a number (got 1)"),
        ("[topology.audit]", 'group_commit = "no"',
         "topology.audit.group_commit: must be true or false, not a string (got 'no')"),
        ("[topology.standbys.risk]", "missed_beats = 3.0",
         f"topology.standbys.risk.missed_beats: {NOT_WHOLE} a float (got 3.0)"),
        ("[topology.standbys.matching]", "replay_rate = true",
         f"topology.standbys.matching.replay_rate: {NOT_WHOLE} a boolean (got true)"),
    ],
)
def test_audit_and_standby_counts_and_switches_are_strict(
    tmp_path: Path, table: str, line: str, problem: str
) -> None:
    """Counts refuse strings, floats and booleans; ``group_commit`` takes only true/false."""
    path = write(tmp_path, f"{HEAD}{table}\n{line}\n")
    assert refusal(path) == f"{path}: invalid scenario: {problem}"
