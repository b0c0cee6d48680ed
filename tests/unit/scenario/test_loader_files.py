"""Unreadable scenario files, faults and --set hints: one-line errors naming the file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.loader import extends_chain

HEAD = 'name = "t"\n[data]\nsources = [{ path = "ticks.parquet" }]\n'


def refusal(path: Path, overrides: tuple[str, ...] = ()) -> str:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, overrides)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_non_utf8_scenario_names_the_byte_and_offset(tmp_path: Path) -> None:
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'name = "caf\xe9"\n')
    assert refusal(path) == (
        f"scenario file {path}: not UTF-8 text (byte 0xe9 at offset 11); save it as UTF-8"
    )


def test_a_directory_as_the_scenario_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path) == f"scenario file {tmp_path} is a directory; give a .toml file"


def test_a_directory_as_extends_is_refused(tmp_path: Path) -> None:
    (tmp_path / "parent").mkdir()
    child = tmp_path / "child.toml"
    child.write_text('extends = "parent"\n' + HEAD, encoding="utf-8")
    assert refusal(child) == (
        f"{child}: extends: {tmp_path / 'parent'} is a directory; name a .toml file"
    )


def test_a_non_utf8_parent_names_the_parent(tmp_path: Path) -> None:
    (tmp_path / "base.toml").write_bytes(b"\xff\xfe")
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n' + HEAD, encoding="utf-8")
    assert refusal(child) == (
        f"extends: scenario file {tmp_path / 'base.toml'}: not UTF-8 text (byte 0xff at "
        "offset 0); save it as UTF-8"
    )


def test_missing_file_and_empty_extends(tmp_path: Path) -> None:
    assert refusal(tmp_path / "gone.toml") == f"scenario file not found: {tmp_path / 'gone.toml'}"
    path = tmp_path / "s.toml"
    path.write_text('extends = ""\n' + HEAD, encoding="utf-8")
    assert refusal(path) == f"{path}: extends: expected a file name, got ''"


def test_deeply_nested_toml_is_an_error_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "deep.toml"
    path.write_text("x = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    message = refusal(path)
    assert message.startswith(f"{path}: ")


def test_fault_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(HEAD + '[[faults]]\nkind = "pause"\ntarget = "publisher"\nat = "1ms"\n'
                    'duration = "1ms"\n', encoding="utf-8")
    assert refusal(path) == (
        f"{path}: invalid scenario: faults[0].target: 'publisher' is not a stage that can "
        "pause; use one of gateway, risk, matching"
    )
    path.write_text(path.read_text(encoding="utf-8").replace("publisher", "gateway"),
                    encoding="utf-8")
    assert refusal(path, ("faults.0.target=nowhere",)) == (
        f"{path} (with --set overrides): invalid scenario: faults[0].target: 'nowhere' is not "
        "a stage that can pause; use one of gateway, risk, matching"
    )


def test_set_hint_shows_the_full_key_path(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(HEAD, encoding="utf-8")
    assert refusal(path, ("topology.gateway.workers",)) == (
        "--set 'topology.gateway.workers': expected KEY=VALUE, e.g. topology.gateway.workers=4"
    )


def test_extends_chain_lists_child_then_parents(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(HEAD, encoding="utf-8")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\n', encoding="utf-8")
    (tmp_path / "c.toml").write_text('extends = "b.toml"\n', encoding="utf-8")
    assert extends_chain(tmp_path / "c.toml") == [
        tmp_path / "c.toml", tmp_path / "b.toml", tmp_path / "a.toml"]


def test_cli_exits_2_on_a_directory_and_on_binary_bytes(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(tmp_path)])
    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (
        2, f"error: scenario file {tmp_path} is a directory; give a .toml file")
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\x00\x9f\x92\x96")
    result = runner.invoke(app, ["check", str(binary)])
    assert (result.exit_code, result.output.strip().splitlines()[-1]) == (
        2, f"error: scenario file {binary}: not UTF-8 text (byte 0x9f at offset 1); "
        "save it as UTF-8")


def test_an_odd_key_is_quoted_so_the_message_stays_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(HEAD + '"a\\nb" = 1\n', encoding="utf-8")
    assert refusal(path) == (
        f"{path}: invalid scenario: data.'a\\nb': unknown key (check the spelling; see "
        "docs/scenarios.md) (got 1)"
    )
