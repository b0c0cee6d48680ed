"""[topology.market_data]: subscriber keys, defaults, validation naming the key, dumps."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.scenario.distributions import ConstantDist
from sim.scenario.loader import scenario_from_dict
from sim.scenario.market_data import FanoutMode, MarketDataConfig, OnFull

BASE: dict[str, Any] = {"name": "s", "data": {"sources": [{"path": "x.parquet"}]}}

TOML = """
[topology.market_data]
mode = "multicast"
[[topology.market_data.subscribers]]
name = "algo_b"
tier = "colo"
link = { latency = { kind = "constant", value = "20us" } }
consume = { kind = "constant", value = "2us" }
buffer = 8
on_full = "disconnect"
[[topology.market_data.subscribers]]
name = "algo_a"
tier = "colo"
link = { latency = { kind = "constant", value = "20us" } }
[[topology.market_data.subscribers]]
name = "retail"
tier = "wan"
link = { latency = { kind = "constant", value = "5ms" } }
"""


def _market_data(section: dict[str, Any]) -> dict[str, Any]:
    return {**BASE, "topology": {"market_data": section}}


def _error(section: dict[str, Any]) -> str:
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict(_market_data(section))
    return str(caught.value)


def test_toml_section_parses_with_exact_units_and_defaults() -> None:
    raw = {**BASE, **tomllib.loads(TOML)}
    config = scenario_from_dict(raw).topology.market_data
    assert config is not None
    assert config.mode is FanoutMode.MULTICAST
    first, second, third = config.subscribers
    assert first.consume == ConstantDist(value=2_000)
    assert (first.buffer, first.on_full) == (8, OnFull.DISCONNECT)
    assert (second.consume, second.buffer, second.on_full) == (None, 1_000, OnFull.DROP)
    assert third.link.latency == ConstantDist(value=5_000_000)


def test_destinations_are_one_per_tier_in_multicast_and_one_per_subscriber_in_unicast() -> None:
    config = scenario_from_dict({**BASE, **tomllib.loads(TOML)}).topology.market_data
    assert config is not None
    tiers = config.destinations()
    assert [(name, [s.name for s in members]) for name, _, members in tiers] == [
        ("colo", ["algo_a", "algo_b"]),
        ("wan", ["retail"]),
    ]
    unicast = MarketDataConfig.model_validate({**config.model_dump(), "mode": "unicast"})
    assert [name for name, _, _ in unicast.destinations()] == ["algo_a", "algo_b", "retail"]


def test_absent_section_is_none_and_left_out_of_dumps_so_digests_do_not_move() -> None:
    scenario = scenario_from_dict(BASE)
    assert scenario.topology.market_data is None
    assert "market_data" not in scenario.model_dump(mode="json")["topology"]


def test_present_section_round_trips_through_its_dump() -> None:
    scenario = scenario_from_dict({**BASE, **tomllib.loads(TOML)})
    dumped = scenario.model_dump(mode="json")
    assert dumped["topology"]["market_data"]["mode"] == "multicast"
    assert scenario_from_dict(dumped) == scenario


def test_duplicate_subscriber_names_are_rejected_naming_the_key() -> None:
    message = _error({"subscribers": [{"name": "a"}, {"name": "b"}, {"name": "a"}]})
    assert "topology.market_data.subscribers" in message
    assert "repeated: a" in message


def test_at_least_one_subscriber_is_required() -> None:
    message = _error({"subscribers": []})
    assert "topology.market_data.subscribers" in message
    assert "at least 1" in message


@pytest.mark.parametrize(
    ("subscriber", "key", "problem"),
    [
        ({"name": "Algo"}, "subscribers[0].name", "should match pattern"),
        ({"name": "a", "tier": "9x"}, "subscribers[0].tier", "should match pattern"),
        ({"name": "a", "buffer": 0}, "subscribers[0].buffer", "greater than or equal to 1"),
        ({"name": "a", "on_full": "block"}, "subscribers[0].on_full", "'drop' or 'disconnect'"),
        ({"name": "a", "consume": {"kind": "constant", "value": 0.5}},
         "subscribers[0].consume", "durations are exact"),
        ({"name": "a", "link": {"fifo": False}}, "subscribers[0].link", "must be FIFO"),
        ({"name": "a", "colour": "red"}, "subscribers[0].colour", "unknown key"),
    ],
)
def test_bad_subscriber_keys_are_rejected_naming_the_key(
    subscriber: dict[str, Any], key: str, problem: str
) -> None:
    message = _error({"subscribers": [subscriber]})
    assert f"topology.market_data.{key}" in message
    assert problem in message


def test_unknown_mode_is_rejected_naming_the_key() -> None:
    message = _error({"mode": "broadcast", "subscribers": [{"name": "a"}]})
    assert "topology.market_data.mode" in message


def test_multicast_tier_members_must_share_one_link() -> None:
    fast = {"latency": {"kind": "constant", "value": 1_000}}
    slow = {"latency": {"kind": "constant", "value": 9_000}}
    section = {
        "mode": "multicast",
        "subscribers": [
            {"name": "a", "tier": "colo", "link": fast},
            {"name": "b", "tier": "colo", "link": slow},
        ],
    }
    message = _error(section)
    assert "subscribers[1].link differs from subscribers[0].link" in message
    assert "'colo'" in message
    unicast = scenario_from_dict(_market_data({**section, "mode": "unicast"}))
    assert unicast.topology.market_data is not None
