"""``[[inject]]`` orders: schema rules and run-start checks that name inject[i].<key>."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.inject import InjectedOrderConfig, check_injections
from sim.scenario.loader import scenario_from_dict

BASE: dict[str, Any] = {"name": "s", "data": {"sources": [{"path": "x.parquet"}]}}
ORDER: dict[str, Any] = {"at": "2s", "symbol": "SYMA", "side": "buy", "qty": 10, "price": 100}


def test_inject_orders_parse_with_defaults() -> None:
    scenario = scenario_from_dict({**BASE, "inject": [ORDER]})
    order = scenario.inject[0]
    assert (order.at, order.account, order.type, order.price) == (
        2_000_000_000, "fat-finger", "limit", 100
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": None}, "exactly one of price or price_offset_bps"),
        ({"price_offset_bps": 10}, "exactly one of price or price_offset_bps"),
        ({"type": "market"}, "neither price nor price_offset_bps"),
        ({"qty": 0}, r"inject\[0\]\.qty"),
        ({"side": "long"}, r"inject\[0\]\.side"),
        ({"colour": "red"}, r"inject\[0\]\.colour"),
    ],
)
def test_bad_inject_orders_are_refused_naming_the_key(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict({**BASE, "inject": [{**ORDER, **change}]})


def test_inject_source_name_is_reserved() -> None:
    data = {"sources": [{"name": "inject", "path": "x.parquet"}]}
    with pytest.raises(ScenarioError, match="reserved"):
        scenario_from_dict({**BASE, "data": data, "inject": [ORDER]})


def test_unknown_symbol_names_inject_index_symbol() -> None:
    orders = [InjectedOrderConfig.model_validate(ORDER),
              InjectedOrderConfig.model_validate({**ORDER, "symbol": "NOPE"})]
    with pytest.raises(ScenarioError, match=r"inject\[1\]\.symbol: 'NOPE'"):
        check_injections(orders, ["SYMA"], 10**10)


def test_time_after_the_window_names_inject_index_at() -> None:
    orders = [InjectedOrderConfig.model_validate({**ORDER, "at": "11s"})]
    with pytest.raises(ScenarioError, match=r"inject\[0\]\.at"):
        check_injections(orders, ["SYMA"], 10 * 10**9)
    check_injections(orders, ["SYMA"], 11 * 10**9)  # the window's last instant is inside


def test_bundled_fat_finger_scenario_checks_its_injections_at_run_start() -> None:
    from sim.runner import inspect_inputs

    scenario = load_scenario(Path(__file__).resolve().parents[3] / "scenarios" / "fat_finger.toml")
    first, _, third = scenario.inject
    unknown = third.model_copy(update={"symbol": "ZZZ"})
    with pytest.raises(ScenarioError, match=r"inject\[2\]\.symbol: 'ZZZ'"):
        inspect_inputs(scenario.model_copy(update={"inject": [first, first, unknown]}))
    late = first.model_copy(update={"at": 3600 * 10**9})
    with pytest.raises(ScenarioError, match=r"inject\[0\]\.at"):
        inspect_inputs(scenario.model_copy(update={"inject": [late]}))
