"""``[[strategies]]``: defaults, per-action entry links, name rules and strict types."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario.distributions import ConstantDist
from sim.scenario.link import LinkConfig
from sim.scenario.strategy import StrategyConfig

BASE: dict[str, Any] = {"name": "s", "data": {"sources": [{"name": "feed", "path": "x.parquet"}]}}
ENTRY: dict[str, Any] = {"name": "mm", "path": "pkg.mod:MarketMaker"}
HEAD = 'name = "t"\n[data]\nsources = [{ path = "ticks.parquet" }]\n'


def _link(latency: str) -> dict[str, Any]:
    return {"latency": {"kind": "constant", "value": latency}}


def refusal(raw: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(raw, source="s.toml")
    message = str(caught.value)
    assert "\n" not in message
    return message


def toml_refusal(folder: Path, entry: str) -> str:
    path = folder / "s.toml"
    path.write_text(f'{HEAD}[[strategies]]\nname = "mm"\npath = "pkg.mod:MM"\n{entry}\n',
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "\n" not in message
    return message.removeprefix(f"{path}: invalid scenario: ")


def test_defaults_are_zero_latency_direct_every_symbol_own_account() -> None:
    config = scenario_from_dict({**BASE, "strategies": [ENTRY]}).strategies[0]
    zero = LinkConfig(latency=ConstantDist(value=0))
    assert (config.params, config.account, config.symbols, config.compute, config.route) == (
        {}, None, None, 0, "direct")
    assert config.entry == config.response == zero
    assert (config.feed.latency, config.feed.from_data) == (zero.latency, None)
    assert [config.entry_link(kind) for kind in ("submit", "modify", "cancel")] == [zero] * 3


def test_defaults_are_left_out_of_the_dump() -> None:
    scenario = scenario_from_dict({**BASE, "strategies": [ENTRY]})
    assert scenario.model_dump(mode="json")["strategies"] == [ENTRY]
    assert "strategies" not in scenario_from_dict(BASE).model_dump(mode="json")


def test_keys_that_differ_from_defaults_are_dumped() -> None:
    entry = {**ENTRY, "compute": "5us", "route": "platform", "symbols": ["AA"],
             "entry_by_action": {"cancel": _link("1ms")}}
    dumped = scenario_from_dict({**BASE, "strategies": [entry]}).model_dump(mode="json")
    assert dumped["strategies"] == [{
        **ENTRY, "compute": 5_000, "route": "platform", "symbols": ["AA"],
        "entry_by_action": {"cancel": {"latency": {"kind": "constant", "value": 1_000_000},
                                       "fifo": True}},
    }]


def test_entry_by_action_overrides_entry_for_its_kind_only() -> None:
    config = StrategyConfig.model_validate({
        **ENTRY, "entry": _link("10ms"),
        "entry_by_action": {"cancel": _link("1ms"), "modify": _link("5ms")},
    })
    latencies = {kind: config.entry_link(kind).latency.mean_ns()
                 for kind in ("submit", "modify", "cancel")}
    assert latencies == {"submit": 10_000_000, "modify": 5_000_000, "cancel": 1_000_000}


def test_toml_params_reach_the_strategy_as_plain_ints(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(f'{HEAD}[[strategies]]\nname = "mm"\npath = "pkg.mod:MM"\n'
                    "params = { size = 100, levels = [1, 2], nested = { tick = 3 } }\n",
                    encoding="utf-8")
    params = load_scenario(path).strategies[0].params
    assert params == {"size": 100, "levels": [1, 2], "nested": {"tick": 3}}
    assert {type(params["size"]), type(params["levels"][0]),
            type(params["nested"]["tick"])} == {int}


def test_module_path_survives_the_loader_and_file_path_is_made_absolute(
        tmp_path: Path) -> None:
    """The loader makes relative ``path`` values absolute: a module path must stay as written."""
    path = tmp_path / "s.toml"
    path.write_text(f'{HEAD}[[strategies]]\nname = "a"\npath = "pkg.mod:MM"\n'
                    '[[strategies]]\nname = "b"\npath = "strats/mm.py:MM"\n', encoding="utf-8")
    for scenario in (load_scenario(path), load_scenario(path, ['strategies.0.compute="1us"'])):
        assert [config.path for config in scenario.strategies] == [
            "pkg.mod:MM", f"{(tmp_path / 'strats' / 'mm.py').resolve()}:MM"]


def test_repeated_names_are_refused_at_the_later_entry() -> None:
    entries = [ENTRY, {**ENTRY, "name": "other"}, ENTRY]
    assert refusal({**BASE, "strategies": entries}) == (
        "s.toml: invalid scenario: strategies[2].name: 'mm' is also the name of "
        "strategies[0]; give each strategy its own name")


def test_a_data_source_name_is_refused() -> None:
    assert refusal({**BASE, "strategies": [{**ENTRY, "name": "feed"}]}) == (
        "s.toml: invalid scenario: strategies[0].name: 'feed' is the name of a data source "
        "(data.sources); rename the strategy or the source")


def test_inject_is_reserved_even_without_inject_orders() -> None:
    assert refusal({**BASE, "strategies": [{**ENTRY, "name": "inject"}]}) == (
        "s.toml: invalid scenario: strategies[0].name: 'inject' is reserved for [[inject]] "
        "orders; rename the strategy")


def test_every_name_problem_is_reported_in_one_pass() -> None:
    entries = [{**ENTRY, "name": "feed"}, ENTRY, ENTRY]
    message = refusal({**BASE, "strategies": entries})
    assert "strategies[0].name: 'feed'" in message
    assert "strategies[2].name: 'mm' is also the name of strategies[1]" in message


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"symbols": []}, "strategies[0].symbols: an empty list follows no symbol; name at least "
                          "one, or leave symbols out to follow every symbol (got [])"),
        ({"symbols": [""]}, "strategies[0].symbols: a symbol cannot be empty (got [''])"),
        ({"name": "bad name"}, "strategies[0].name: String should match pattern "
                               "'^[A-Za-z0-9][A-Za-z0-9_-]*$' (got 'bad name')"),
        ({"name": "-mm"}, "strategies[0].name: String should match pattern "
                          "'^[A-Za-z0-9][A-Za-z0-9_-]*$' (got '-mm')"),
        ({"name": 3}, "strategies[0].name: must be a valid string (got 3)"),
        ({"path": 3}, "strategies[0].path: must be a valid string (got 3)"),
        ({"account": ""}, "strategies[0].account: String should have at least 1 character "
                          "(got '')"),
        ({"route": "fast"}, "strategies[0].route: must be 'direct' or 'platform' (got 'fast')"),
        ({"symbols": "AA"}, "strategies[0].symbols: must be a valid list (got 'AA')"),
        ({"params": "x"}, "strategies[0].params: must be a valid dictionary (got 'x')"),
        ({"colour": "red"}, "strategies[0].colour: unknown key (check the spelling; see "
                            "docs/scenarios.md) (got 'red')"),
        ({"entry_by_action": {"amend": {}}}, "strategies[0].entry_by_action.amend: unknown key "
                                             "(check the spelling; see docs/scenarios.md)"),
        ({"compute": 1.5}, "strategies[0].compute: durations are exact: write a string such as "
                           "'1.5ms', not a float (got 1.5)"),
        ({"compute": "-1us"}, "strategies[0].compute: must be greater than or equal to 0 "
                              "(got '-1us')"),
    ],
)
def test_bad_values_are_refused_naming_the_key(change: dict[str, Any], problem: str) -> None:
    message = refusal({**BASE, "strategies": [{**ENTRY, **change}]})
    assert message == f"s.toml: invalid scenario: {problem}"


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("compute = 5", 'strategies[0].compute: 5 has no unit; write it as a string with a '
                        'unit, e.g. "5s" or "5us"'),
        ("compute = true", 'strategies[0].compute: true is not a duration; write a string with '
                           'a unit, e.g. "5ms"'),
        ("entry = { latency = { kind = \"constant\", value = 250 } }",
         'strategies[0].entry.latency.value: 250 has no unit; write it as a string with a '
         'unit, e.g. "250s" or "250us"'),
        ("feed = { fifo = \"yes\" }", "strategies[0].feed.fifo: must be true or false, not a "
                                      "string (got 'yes')"),
        ("symbols = [1]", "strategies[0].symbols[0]: must be a valid string (got 1)"),
    ],
)
def test_loose_toml_types_are_refused(tmp_path: Path, entry: str, problem: str) -> None:
    assert toml_refusal(tmp_path, entry) == problem
