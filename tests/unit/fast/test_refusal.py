"""What the fast engine refuses, in one line, before it runs (or when the data shows it)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from sim.errors import ScenarioError
from sim.fast import fast_engine_refusal, simulate_fast
from sim.runner import inspect_inputs
from sim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.parametrize(("name", "overrides", "reason"), [
    ("failover", (), "faults: failover is not supported by the fast engine (it takes pause, "
                     "partition, kill_switch and link_degrade without extra_loss)"),
    ("fat_finger", (), "[[inject]] orders are not supported by the fast engine"),
    ("backtest_market_maker", (), "strategies need the SimPy engine (feedback loop)"),
    ("market_data_fanout", (), "topology.market_data (fan-out) is not supported"),
    ("wan_binance_tokyo", (), "topology.links.client_to_gateway: fifo = false with a random"),
    ("baseline", ("risk.collar={max_deviation_bps=500}",), "risk.collar reads the books"),
    ("baseline", ("topology.gateway.rate_limit={rate_per_s=10, burst=5}",),
     "topology.gateway.rate_limit"),
])
def test_refusal_names_the_feature(name: str, overrides: tuple[str, ...], reason: str) -> None:
    """Each unsupported feature gives one line that names it."""
    scenario = load_scenario(ROOT / "scenarios" / f"{name}.toml", list(overrides))
    refusal = fast_engine_refusal(scenario)
    assert refusal is not None
    assert refusal.startswith(reason)
    assert "\n" not in refusal


def test_supported_scenarios_are_not_refused() -> None:
    """The baseline and volume_10x run on the fast engine."""
    for name in ("baseline", "volume_10x"):
        assert fast_engine_refusal(load_scenario(ROOT / "scenarios" / f"{name}.toml")) is None


def test_a_refused_run_raises_one_line_before_it_runs() -> None:
    """simulate with engine = fast raises a ScenarioError naming the file and the reason."""
    scenario = load_scenario(ROOT / "scenarios" / "fat_finger.toml")
    with pytest.raises(ScenarioError) as caught:
        simulate_fast(scenario, inspect_inputs(scenario))
    message = str(caught.value)
    assert message.endswith('fat_finger.toml: engine = "fast": [[inject]] orders are not '
                            "supported by the fast engine")


def test_a_market_order_the_book_could_fail_is_refused(engines: SimpleNamespace) -> None:
    """max_notional low enough that a market order's book price decides: refused, not guessed."""
    scenario = engines.bundled("baseline", "data.duration=100ms", "risk.max_notional=10000")
    with pytest.raises(ScenarioError, match="without a price is valued at the book's price"):
        simulate_fast(scenario, inspect_inputs(scenario))


def test_engine_key_does_not_change_the_canonical_scenario(engines: SimpleNamespace) -> None:
    """engine = "fast" is never dumped, so run ids and digests are the SimPy engine's."""
    scenario = engines.bundled("baseline")
    fast = engines.bundled("baseline", 'engine="fast"')
    assert fast.engine == "fast"
    assert fast.model_dump(mode="json") == scenario.model_dump(mode="json")
