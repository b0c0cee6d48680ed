"""LinkConfig: bandwidth, message size, loss and retransmit delay keys; kind switches in extends."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from sim.scenario import load_scenario
from sim.scenario.distributions import ConstantDist, EmpiricalDist
from sim.scenario.link import LINK_NAMES
from sim.scenario.loader import deep_merge
from sim.scenario.schema import LinkConfig, LinksConfig

ROOT = Path(__file__).resolve().parents[3]


def test_defaults_are_unshaped() -> None:
    config = LinkConfig()
    assert (config.bandwidth_bps, config.message_bytes, config.loss) == (None, 100, 0.0)
    assert config.retransmit_delay is None
    assert config.fifo


def test_units_parse_exactly() -> None:
    config = LinkConfig(
        bandwidth_bps=10_000_000, message_bytes="1500B", loss=0.01, retransmit_delay="200ms"
    )
    assert config.message_bytes == 1_500
    assert config.retransmit_delay == 200_000_000


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"loss": 1.0}, "less than 1"),
        ({"loss": -0.1}, "greater than or equal to 0"),
        ({"loss": 0.1}, "needs retransmit_delay"),
        ({"bandwidth_bps": 0}, "greater than 0"),
        ({"retransmit_delay": 0.5}, "durations are exact"),
    ],
)
def test_bad_values_are_rejected(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        LinkConfig(**fields)


def test_deep_merge_replaces_a_distribution_whose_kind_changes() -> None:
    base = {"latency": {"kind": "normal", "mean": "25us", "std": "3us"}, "fifo": True}
    assert deep_merge(base, {"latency": {"kind": "constant", "value": "1us"}}) == {
        "latency": {"kind": "constant", "value": "1us"},
        "fifo": True,
    }
    assert deep_merge(base, {"latency": {"std": "4us"}})["latency"] == {
        "kind": "normal", "mean": "25us", "std": "4us",
    }


def test_wan_scenario_swaps_the_baseline_link_distributions() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "wan_binance_tokyo.toml")
    links = scenario.topology.links
    assert isinstance(links.client_to_gateway.latency, EmpiricalDist)
    assert links.client_to_gateway.latency.path.exists()
    assert not links.client_to_gateway.fifo
    assert links.matching_to_client.latency == ConstantDist(value=25_000)


def test_unshaped_link_dumps_as_before_so_digests_do_not_move() -> None:
    assert set(LinkConfig().model_dump(mode="json")) == {"latency", "fifo"}


def test_shaped_link_dumps_its_keys_and_round_trips() -> None:
    config = LinkConfig(bandwidth_bps=10**9, message_bytes=1_500, loss=0.2, retransmit_delay=7)
    dumped = config.model_dump(mode="json")
    assert dumped["bandwidth_bps"] == 10**9
    assert dumped["retransmit_delay"] == 7
    assert LinkConfig.model_validate(dumped) == config


def test_link_keys_can_be_set_from_the_command_line() -> None:
    scenario = load_scenario(
        ROOT / "scenarios" / "baseline.toml",
        [
            "topology.links.market_data.bandwidth_bps=1000000",
            "topology.links.market_data.loss=0.1",
            'topology.links.market_data.retransmit_delay="1ms"',
        ],
    )
    link = scenario.topology.links.market_data
    assert (link.bandwidth_bps, link.loss, link.retransmit_delay) == (1_000_000, 0.1, 1_000_000)


def test_link_names_are_the_links_section_keys() -> None:
    assert tuple(LinksConfig.model_fields) == LINK_NAMES
