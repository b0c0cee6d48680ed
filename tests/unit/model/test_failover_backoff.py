"""Resends back off during a failover: exact arrival times, bounded counts, storms refused."""

from __future__ import annotations

from typing import Any

import pytest

from sim.core.resend_backoff import ResendBackoff
from sim.errors import ScenarioError
from sim.model.failover import MAX_RESENDS_PER_MESSAGE
from sim.model.platform import Platform
from sim.model.testing import constant_topology, synthetic_orders
from sim.report.summary import order_figures
from sim.scenario.schema import Scenario
from sim.units import format_ns

LINK_NS = 10_000
AT_NS = 150_000_123
CLIENTS = synthetic_orders(6_000, seed=1, symbols=2, rate_per_s=20_000)


def _run(**resend: Any) -> Any:
    """A matching failover 150 ms in, with the given retransmit_* keys."""
    topology = constant_topology(link=LINK_NS)
    topology["audit"] = {"write": {"kind": "constant", "value": "15us"},
                         "snapshot_interval": "40ms"}
    topology["standbys"] = {"matching": {
        "heartbeat_interval": "1ms", "missed_beats": 3, "snapshot_load": "3ms",
        "replay_rate": 1_000_000, "redirect": "1ms", **resend}}
    scenario = Scenario.model_validate({
        "name": "t", "seed": 3, "topology": topology,
        "data": {"sources": [{"name": "clients", "path": "c.parquet", "route": "full"}]},
        "faults": [{"kind": "failover", "target": "matching", "at": AT_NS}]})
    return Platform(scenario, {"clients": [CLIENTS]}, 6_000).run()


def _expected_arrival(sent: int, outage_end: int, backoff: ResendBackoff) -> tuple[int, int]:
    """(arrival at the promoted engine, resends): the first resend arriving at or after E."""
    at, timer, resends = sent, backoff.timeout_ns, 0
    while True:
        at += timer
        resends += 1
        if at + LINK_NS >= outage_end:
            return at + LINK_NS, resends
        timer = backoff.following(timer)


@pytest.fixture(scope="module")
def default_run() -> Any:
    """The default resend timer: 2 ms, x2, up to 100 ms."""
    return _run()


@pytest.mark.parametrize(("factor", "cap"), [(2, "100ms"), (1, "100ms"), (3, "5ms")])
def test_held_orders_arrive_on_the_backoff_schedule(factor: int, cap: str,
                                                    default_run: Any) -> None:
    """Each held order reaches the standby at its first timer expiry that lands after E."""
    result = default_run if (factor, cap) == (2, "100ms") else _run(
        retransmit_backoff=factor, retransmit_max_timeout=cap)
    figures = result.components["failover.matching"]
    backoff = ResendBackoff(2_000_000, factor, {"100ms": 100_000_000, "5ms": 5_000_000}[cap])
    assert (figures["retransmit_timeout_ns"], figures["retransmit_backoff"],
            figures["retransmit_max_timeout_ns"]) == (2_000_000, factor, backoff.cap_ns)
    frame = result.orders.to_pandas()
    held = frame[frame.outage_delay_ns > 0]
    expected = [_expected_arrival(int(sent), figures["outage_end_ns"], backoff)
                for sent in held.ts_risk_out_ns]
    assert list(held.ts_matching_in_ns) == [arrival for arrival, _ in expected]
    assert figures["retransmits"] == sum(resends for _, resends in expected)
    assert figures["retransmits"] == figures["messages_lost"]
    assert figures["max_retransmits_per_message"] == max(resends for _, resends in expected)
    assert order_figures(result.orders)["lost"] == 0


def test_backoff_resends_less_than_a_fixed_timer_for_the_same_outage(default_run: Any) -> None:
    fixed = _run(retransmit_backoff=1).components["failover.matching"]
    backed_off = default_run.components["failover.matching"]
    assert backed_off["outage_end_ns"] == fixed["outage_end_ns"]
    assert backed_off["orders_delayed"] == fixed["orders_delayed"]
    assert backed_off["retransmits"] < fixed["retransmits"]
    assert (backed_off["max_retransmits_per_message"], fixed["max_retransmits_per_message"]) == (
        3, 4)


def test_a_storm_is_refused_when_the_outage_is_known(default_run: Any) -> None:
    """A fixed 1 us timer over a ~7 ms outage: thousands of resends per message, refused."""
    figures = default_run.components["failover.matching"]
    outage = figures["outage_end_ns"] - figures["failed_at_ns"]
    with pytest.raises(ScenarioError) as caught:
        _run(retransmit_timeout="1us", retransmit_backoff=1)
    assert str(caught.value) == (
        f"topology.standbys.matching: the {format_ns(outage)} outage of matching would cost "
        f"up to {outage // 1_000:,} resends of every message it holds (resend timer 1us "
        f"fixed), more than 1,000; set retransmit_backoff >= 2 and retransmit_max_timeout >= "
        f"{format_ns(-(-outage // 500))}")
    assert MAX_RESENDS_PER_MESSAGE == 1_000


def test_the_same_tiny_timer_backing_off_runs_and_stays_bounded() -> None:
    """1 us x2 up to 100 ms over the same outage: at most 12 resends of one message."""
    result = _run(retransmit_timeout="1us")
    figures = result.components["failover.matching"]
    assert order_figures(result.orders)["lost"] == 0
    outage = figures["outage_end_ns"] - figures["failed_at_ns"]
    bound = ResendBackoff(1_000, 2, 100_000_000).resends_within(outage + LINK_NS)
    assert figures["max_retransmits_per_message"] <= bound == 12
    # a fixed 1 us timer would resend each of the 170 held orders about 7,600 times
    assert (figures["orders_delayed"], figures["retransmits"],
            figures["max_retransmits_per_message"]) == (170, 1_514, 10)
