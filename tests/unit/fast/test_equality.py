"""The fast engine gives the SimPy engine's per-order stamps, fills, counters and digest."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pyarrow.compute as pc
import pytest

WINDOW = "data.duration=500ms"
"""About 5,000 orders of the bundled baseline: a few seconds per engine here."""


def test_baseline_digest_and_summary_equal(tmp_path: Path, engines: SimpleNamespace) -> None:
    """Bundled baseline (2-worker session-ordered gateway): same digest, same summary figures."""
    scenario = engines.bundled("baseline", WINDOW)
    simpy_digest, fast_digest, summary = engines.digests(scenario, tmp_path)
    assert fast_digest == simpy_digest
    assert summary["orders"]["submitted"] == 3_441
    simpy_summary = (tmp_path / "simpy" / "summary.json").read_text()
    fast_summary = (tmp_path / "fast" / "summary.json").read_text()
    assert fast_summary.replace(fast_digest, "") == simpy_summary.replace(simpy_digest, "")


def test_baseline_stamps_equal_and_orders_really_queue(engines: SimpleNamespace) -> None:
    """Every ts_* column equal, on a window where orders do wait at the stages."""
    simpy, fast = engines.both(engines.bundled("baseline", WINDOW))
    assert engines.differences(simpy, fast) == []
    orders = fast.orders
    waited = pc.sum(pc.greater(orders["ts_matching_start_ns"], orders["ts_matching_in_ns"]))
    assert waited.as_py() > 0
    assert fast.components["stage.gateway"]["session_waits"] > 0


@pytest.mark.parametrize("overrides", [
    ("topology.risk.workers=3", "topology.matching.workers=2",
     "topology.matching.ordering=none", "topology.gateway.ordering=none"),
    ("topology.gateway.workers=3", "topology.gateway.sessions=4",
     'topology.risk.service={kind="uniform", low="1us", high="9us"}'),
    ("topology.links.gateway_to_risk.bandwidth_bps=100000000",
     "topology.links.gateway_to_risk.message_bytes=1000",
     "topology.links.risk_to_matching.loss=0.1",
     "topology.links.risk_to_matching.retransmit_delay=200us"),
    ("risk.max_order_qty=300", "risk.max_orders_per_window=40", "risk.order_rate_window=10ms"),
    ("topology.gateway.workers=1", 'topology.gateway.service={kind="constant", value="3us"}',
     'topology.risk.service={kind="constant", value="3us"}',
     'topology.matching.service={kind="constant", value="3us"}',
     'topology.links.client_to_gateway.latency={kind="constant", value="20us"}',
     "topology.risk.queue_capacity=1"),
], ids=["multi-worker", "sessions", "bandwidth-loss", "risk-rejects", "constant-lockstep"])
def test_variants_equal(overrides: tuple[str, ...], engines: SimpleNamespace) -> None:
    """Multi-worker stages, session order, bandwidth and loss, risk rejects: nothing differs."""
    simpy, fast = engines.both(engines.bundled("baseline", WINDOW, *overrides))
    assert engines.differences(simpy, fast) == []


def test_risk_rejects_really_happen_in_the_variant(engines: SimpleNamespace) -> None:
    """The risk variant refuses orders for both reasons, so the report merge is exercised."""
    scenario = engines.bundled("baseline", "data.duration=200ms", "risk.max_order_qty=300",
                               "risk.max_orders_per_window=40", "risk.order_rate_window=10ms")
    _, fast = engines.both(scenario)
    counters = fast.components["stage.risk"]
    assert counters["rejected.max_order_qty"] > 0
    assert counters["rejected.order_rate"] > 0


def test_bounded_queues_reject_the_same_orders(engines: SimpleNamespace) -> None:
    """volume_10x (queues of 5): the same queue_full rejects at the same stages, same stamps."""
    simpy, fast = engines.both(engines.bundled("volume_10x", "data.duration=1s"))
    assert engines.differences(simpy, fast) == []
    assert fast.components["stage.gateway"]["rejected.queue_full"] > 0


PAUSES = ('faults=[{kind="pause", target="gateway", at="100ms", duration="3ms"}, '
          '{kind="pause", target="matching", at="200ms", duration="2ms"}, '
          '{kind="pause", target="matching", at="201ms", duration="2ms"}, '
          '{kind="pause", target="risk", at="300ms", duration="1ms"}]')
"""A pause on each stage, two of them overlapping (the stage resumes when both end)."""


def test_pause_faults_equal(engines: SimpleNamespace) -> None:
    """Pauses (session-ordered gateway, overlapping ones at matching): nothing differs."""
    scenario = engines.bundled("baseline", WINDOW, PAUSES)
    simpy, fast = engines.both(scenario)
    assert engines.differences(simpy, fast) == []
    resume = fast.sim_start_ns + 203_000_000
    orders = fast.orders
    held = pc.and_(pc.greater_equal(orders["ts_matching_in_ns"], resume - 3_000_000),
                   pc.less(orders["ts_matching_in_ns"], resume))
    assert pc.sum(held).as_py() > 5
    starts = pc.filter(orders["ts_matching_start_ns"], held)
    assert pc.min(starts).as_py() == resume  # nothing started in the pause; one at its end


def test_pause_with_bounded_queue_rejects_the_same_orders(engines: SimpleNamespace) -> None:
    """A 1 ms risk pause in volume_10x (queues of 5) turns the same orders away."""
    scenario = engines.bundled("volume_10x", "data.duration=1s",
                               'faults=[{kind="pause", target="risk", at="100ms", '
                               'duration="1ms"}]')
    simpy, fast = engines.both(scenario)
    assert engines.differences(simpy, fast) == []
    assert fast.components["stage.risk"]["rejected.queue_full"] > 0


def test_link_faults_equal(engines: SimpleNamespace) -> None:
    """Partitions and degrades (one on a bandwidth-limited link): nothing differs."""
    scenario = engines.bundled(
        "baseline", WINDOW, "topology.links.gateway_to_risk.bandwidth_bps=1000000000",
        'faults=[{kind="partition", link="gateway_to_risk", at="100ms", duration="3ms"}, '
        '{kind="link_degrade", link="client_to_gateway", at="200ms", duration="20ms", '
        'latency_multiplier=5}, '
        '{kind="link_degrade", link="matching_to_client", at="205ms", duration="20ms"}, '
        '{kind="partition", link="market_data", at="300ms", duration="1ms"}]')
    simpy, fast = engines.both(scenario)
    assert engines.differences(simpy, fast) == []
    end = fast.sim_start_ns + 103_000_000
    sent = fast.orders["ts_gateway_out_ns"]
    held = pc.and_(pc.greater_equal(sent, end - 3_000_000), pc.less(sent, end))
    assert pc.sum(held).as_py() > 5
    # Held to the end, then 800 ns on the wire (100 bytes at 1 Gb/s) and 5 us latency.
    assert pc.min(pc.filter(fast.orders["ts_risk_in_ns"], held)).as_py() == end + 5_800


@pytest.mark.parametrize("rate", [(), ("risk.max_orders_per_window=40",
                                       "risk.order_rate_window=10ms")], ids=["plain", "rate"])
def test_kill_switch_faults_equal(rate: tuple[str, ...], engines: SimpleNamespace) -> None:
    """Overlapping global windows and an account's window, with and without the rate limit."""
    scenario = engines.bundled(
        "baseline", WINDOW, *rate,
        'faults=[{kind="kill_switch", at="100ms", duration="30ms"}, '
        '{kind="kill_switch", at="120ms", duration="30ms"}, '
        '{kind="kill_switch", account="clients", at="300ms", duration="10ms"}]')
    simpy, fast = engines.both(scenario)
    assert engines.differences(simpy, fast) == []
    assert fast.components["stage.risk"]["rejected.kill_switch"] > 100
