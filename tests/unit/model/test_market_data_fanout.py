"""Publisher fan-out to subscribers: exact delivery times, publisher work, slow consumers.

Unit tests drive a publisher and its subscribers directly (arrivals at chosen
times, ``ts_matching_out_ns`` set by hand); platform tests check wiring, stats,
conservation, determinism and that other components' results do not move.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest

from sim.model.environment import SimulationEnvironment
from sim.model.platform import Platform, run_platform
from sim.model.publisher import MarketDataPublisher
from sim.model.recorder import OrderRecorder
from sim.model.sampling import make_sampler
from sim.model.subscribers import MarketDataFanout
from sim.model.testing import constant_topology, events, scenario, synthetic_orders
from sim.rng import RandomStreams
from sim.scenario.distributions import ConstantDist
from sim.scenario.market_data import MarketDataConfig
from sim.scenario.schema import Scenario, StageConfig

T0 = 1_000_000


def _link(ns: int) -> dict[str, Any]:
    return {"latency": {"kind": "constant", "value": ns}}


def _constant(ns: int) -> dict[str, Any]:
    return {"kind": "constant", "value": ns}


class Harness:
    """A publisher with constant service feeding a fan-out, arrivals at chosen times."""

    def __init__(self, section: dict[str, Any], publisher_ns: int = 1_000, seed: int = 7) -> None:
        self.env = SimulationEnvironment(0)
        self.recorder = OrderRecorder(256, ["s"])
        stage = StageConfig(service=ConstantDist(value=publisher_ns))
        self.publisher = MarketDataPublisher(
            self.env, stage, make_sampler(stage.service, np.random.default_rng(0)), self.recorder
        )
        self.fanout = MarketDataFanout(
            self.env, MarketDataConfig.model_validate(section), RandomStreams(seed), self.recorder
        )
        self.deliveries: dict[str, list[tuple[int, int]]] = {}
        for name, subscriber in self.fanout.subscribers.items():
            log = self.deliveries[name] = []
            receive = subscriber.receive

            def spy(seq: int, at: int, log: list[tuple[int, int]] = log, receive=receive) -> None:
                log.append((seq, at))
                receive(seq, at)

            subscriber.receive = spy  # type: ignore[method-assign]
        self.fanout.wire(self.publisher)  # after the spies, so the links call them

    def publish(self, times: list[int]) -> Harness:
        """One message per time (its matching-out time); run to completion."""
        matching_out = self.recorder.view("ts_matching_out_ns")
        for seq, at in enumerate(times):
            matching_out[seq] = at
            self.env.timeout(at).callbacks.append(lambda _e, seq=seq: self.publisher.arrive(seq))
        self.env.run()
        return self

    def stats(self, name: str) -> dict[str, int]:
        return self.fanout.subscribers[name].stats()


def _subscribers(*specs: tuple[str, str, int]) -> list[dict[str, Any]]:
    return [{"name": name, "tier": tier, "link": _link(ns)} for name, tier, ns in specs]


# --- publisher work: unicast copies vs multicast tiers --------------------------------------


def test_unicast_copies_leave_in_name_order_one_service_time_each() -> None:
    section = {"subscribers": _subscribers(("c", "x", 5_000), ("a", "x", 20_000),
                                           ("b", "x", 5_000))}
    harness = Harness(section).publish([T0])
    # copies a, b, c end at +1us, +2us, +3us; then each link's latency
    assert harness.deliveries == {
        "a": [(0, T0 + 21_000)],
        "b": [(0, T0 + 7_000)],
        "c": [(0, T0 + 8_000)],
    }
    assert harness.stats("c")["latency_ns_total"] == 8_000
    publisher = harness.publisher.stats()
    assert (publisher["busy_ns"], publisher["copies"], publisher["served"]) == (3_000, 3, 1)
    assert "md_delivered" not in publisher


def test_unicast_publisher_work_grows_with_subscribers_and_queues_messages() -> None:
    section = {"subscribers": _subscribers(*((name, "x", 0) for name in "abcd"))}
    harness = Harness(section).publish([T0, T0 + 2_000, T0 + 4_000])
    # each message holds the worker 4us: starts T0, T0+4us, T0+8us
    assert harness.deliveries["a"] == [(0, T0 + 1_000), (1, T0 + 5_000), (2, T0 + 9_000)]
    assert harness.deliveries["d"] == [(0, T0 + 4_000), (1, T0 + 8_000), (2, T0 + 12_000)]
    assert harness.stats("d")["latency_ns_total"] == 4_000 + 6_000 + 8_000
    assert harness.stats("d")["max_latency_ns"] == 8_000
    publisher = harness.publisher.stats()
    assert (publisher["busy_ns"], publisher["copies"], publisher["max_queue_depth"]) == (
        12_000, 12, 1)


def test_multicast_sends_one_copy_per_tier() -> None:
    specs = (("a", "colo", 0), ("b", "colo", 0), ("c", "wan", 0), ("d", "wan", 0))
    unicast = Harness({"subscribers": _subscribers(*specs)}).publish([T0 + 100_000 * i
                                                                      for i in range(10)])
    multicast = Harness({"mode": "multicast", "subscribers": _subscribers(*specs)}).publish(
        [T0 + 100_000 * i for i in range(10)])
    assert (unicast.publisher.busy_ns, unicast.publisher.copies) == (40_000, 40)
    assert (multicast.publisher.busy_ns, multicast.publisher.copies) == (20_000, 20)
    assert [link.name for link in multicast.fanout.links.values()] == [
        "link.market_data.colo", "link.market_data.wan"]
    assert [key.destination for key in unicast.fanout.links] == list("abcd")
    # colo's copy ends 1us after arrival, wan's 2us; both members of a tier get it together
    assert multicast.deliveries["a"] == multicast.deliveries["b"]
    assert multicast.deliveries["c"][0] == (0, T0 + 2_000)
    assert all(link.messages == 10 for link in multicast.fanout.links.values())


def test_multicast_tier_members_share_one_latency_draw() -> None:
    random_link = {"latency": {"kind": "exponential", "mean": 10_000}}
    section = {"mode": "multicast", "subscribers": [
        {"name": "a", "tier": "colo", "link": random_link},
        {"name": "b", "tier": "colo", "link": random_link},
    ]}
    times = [T0 + 50_000 * i for i in range(50)]
    multicast = Harness(section).publish(times)
    assert multicast.deliveries["a"] == multicast.deliveries["b"]
    unicast = Harness({**section, "mode": "unicast"}).publish(times)
    assert unicast.deliveries["a"] != unicast.deliveries["b"]


def test_adding_a_subscriber_does_not_change_another_subscribers_draws() -> None:
    a = {"name": "a", "link": {"latency": {"kind": "exponential", "mean": 5_000}},
         "consume": {"kind": "exponential", "mean": 3_000}, "buffer": 3}
    z = {"name": "z", "link": {"latency": {"kind": "exponential", "mean": 7_000}}}
    times = [T0 + 2_000 * i for i in range(200)]
    alone = Harness({"subscribers": [a]}, publisher_ns=0).publish(times)
    joined = Harness({"subscribers": [z, a]}, publisher_ns=0).publish(times)
    assert alone.deliveries["a"] == joined.deliveries["a"]
    assert alone.stats("a") == joined.stats("a")
    assert alone.stats("a")["dropped"] > 0


# --- slow consumers --------------------------------------------------------------------------


def _slow(buffer: int, on_full: str) -> dict[str, Any]:
    return {"subscribers": [{"name": "slow", "link": _link(0), "consume": _constant(10_000),
                             "buffer": buffer, "on_full": on_full}]}


@pytest.mark.parametrize("buffer", [1, 2, 5])
def test_slow_consumer_drops_what_does_not_fit_its_buffer(buffer: int) -> None:
    # ten messages 1us apart into a 10us consumer: one in service, `buffer` waiting, rest drop
    times = [T0 + 1_000 * i for i in range(10)]
    stats = Harness(_slow(buffer, "drop"), publisher_ns=0).publish(times).stats("slow")
    assert stats["delivered"] == 1 + buffer
    assert stats["dropped"] == 10 - 1 - buffer
    assert stats["max_buffer_depth"] == buffer
    assert stats["first_drop_ns"] == T0 + 1_000 * (buffer + 1)
    assert stats["last_drop_ns"] == T0 + 9_000
    assert (stats["undelivered"], stats["disconnected"]) == (0, 0)
    assert "disconnected_at_ns" not in stats
    # message i (accepted) starts at T0 + 10us * i, ends 10us later
    assert stats["latency_ns_total"] == sum(10_000 * (i + 1) - 1_000 * i
                                            for i in range(1 + buffer))


def test_dropping_consumer_accepts_again_once_its_buffer_drains() -> None:
    times = [T0 + 1_000 * i for i in range(10)] + [T0 + 25_000]
    stats = Harness(_slow(2, "drop"), publisher_ns=0).publish(times).stats("slow")
    # at T0+25us message 1 (T0+10us) and 2 (T0+20us) have left the buffer: accepted,
    # consumed from T0+30us (after message 2) to T0+40us
    assert (stats["delivered"], stats["dropped"]) == (4, 7)
    assert stats["latency_ns_total"] == 10_000 + 19_000 + 28_000 + (40_000 - 25_000)
    assert stats["wait_ns_total"] == (10_000 - 1_000) + (20_000 - 2_000) + (30_000 - 25_000)


def test_disconnecting_consumer_is_cut_off_at_the_first_overflow() -> None:
    times = [T0 + 1_000 * i for i in range(10)] + [T0 + 25_000]
    stats = Harness(_slow(2, "disconnect"), publisher_ns=0).publish(times).stats("slow")
    assert stats["disconnected"] == 1
    assert stats["disconnected_at_ns"] == T0 + 3_000
    assert stats["delivered"] == 3  # the one in service and the two buffered are still consumed
    assert stats["undelivered"] == 8  # the overflowing message and every later one
    assert stats["dropped"] == 0
    assert "first_drop_ns" not in stats
    assert stats["latency_ns_total"] == 10_000 + 19_000 + 28_000


def test_absent_consume_time_never_buffers() -> None:
    section = {"subscribers": [{"name": "fast", "link": _link(3_000), "buffer": 1}]}
    times = [T0 + 10 * i for i in range(100)]
    stats = Harness(section, publisher_ns=0).publish(times).stats("fast")
    assert (stats["delivered"], stats["dropped"], stats["max_buffer_depth"]) == (100, 0, 0)
    assert stats["latency_ns_total"] == 100 * 3_000


# --- on the platform -------------------------------------------------------------------------

RANDOM_SUBSCRIBERS: list[dict[str, Any]] = [
    {"name": "algo_a", "tier": "colo", "link": {"latency": {"kind": "exponential", "mean": 2_000}},
     "consume": {"kind": "exponential", "mean": 60_000}, "buffer": 4},
    {"name": "algo_b", "tier": "colo", "link": {"latency": {"kind": "exponential", "mean": 2_000}},
     "consume": {"kind": "exponential", "mean": 80_000}, "buffer": 3, "on_full": "disconnect"},
    {"name": "retail", "tier": "wan", "link": {"latency": {"kind": "lognormal", "mean": 900_000,
                                                           "sigma": 0.5}}},
]


def _random_scenario(mode: str | None) -> Scenario:
    topology = {"market_data": {"mode": mode, "subscribers": RANDOM_SUBSCRIBERS}} if mode else {}
    return scenario(topology)


def _run_random(mode: str | None, count: int = 2_000) -> Any:
    return run_platform(_random_scenario(mode), [[synthetic_orders(count)]], count)


@pytest.fixture(scope="module")
def runs() -> dict[str | None, Any]:
    return {mode: _run_random(mode) for mode in (None, "unicast", "multicast")}


def test_every_copy_is_delivered_dropped_or_undelivered(runs: dict[str | None, Any]) -> None:
    for mode in ("unicast", "multicast"):
        components = runs[mode].components
        publisher = components["stage.publisher"]
        links = {name: figures for name, figures in components.items()
                 if name.startswith("link.market_data.")}
        assert publisher["copies"] == sum(link["messages"] for link in links.values())
        for name in ("algo_a", "algo_b", "retail"):
            figures = components[f"subscriber.{name}"]
            assert figures["sent"] == publisher["served"] > 0
            assert figures["sent"] == (figures["delivered"] + figures["dropped"]
                                       + figures["undelivered"])
        assert components["subscriber.algo_a"]["dropped"] > 0
        assert components["subscriber.algo_b"]["disconnected"] == 1
        assert components["subscriber.algo_b"]["undelivered"] > 0
    assert runs["unicast"].components["stage.publisher"]["copies"] == 3 * runs[
        "unicast"].components["stage.publisher"]["served"]
    assert runs["multicast"].components["stage.publisher"]["copies"] == 2 * runs[
        "multicast"].components["stage.publisher"]["served"]


def test_fan_out_leaves_orders_and_other_components_untouched(
    runs: dict[str | None, Any],
) -> None:
    base = runs[None]
    assert "link.market_data" in base.components
    assert not any(name.startswith("subscriber.") for name in base.components)
    assert "md_delivered" in base.components["stage.publisher"]
    for mode in ("unicast", "multicast"):
        result = runs[mode]
        assert pl.from_arrow(result.orders).equals(pl.from_arrow(base.orders))
        assert result.fills.equals(base.fills)
        assert "link.market_data" not in result.components
        untouched = {name for name in base.components
                     if name != "link.market_data" and name != "stage.publisher"}
        for name in untouched:
            assert result.components[name] == base.components[name], name
        publisher, before = result.components["stage.publisher"], base.components[
            "stage.publisher"]
        assert (publisher["arrivals"], publisher["served"]) == (before["arrivals"],
                                                                before["served"])


def test_two_fan_out_runs_give_identical_stats(runs: dict[str | None, Any]) -> None:
    again = _run_random("multicast")
    assert again.components == runs["multicast"].components
    assert again.sim_end_ns == runs["multicast"].sim_end_ns


def test_platform_wires_subscriber_links_and_reports_them() -> None:
    topology = constant_topology()
    topology["market_data"] = {"subscribers": [
        {"name": "b", "link": _link(5_000), "consume": _constant(10_000), "buffer": 1},
        {"name": "a"},
    ]}
    rows = [(1_000 * i, "add", i, 1, 100 - i, 10) for i in range(1, 9)]
    platform = Platform(scenario(topology), [[events(rows)]], len(rows))
    assert [key.scope for key in platform.links if key.hop == "market_data"] == [
        "link.market_data.a", "link.market_data.b"]
    result = platform.run()
    components = result.components
    # the gateway (5us) spaces matching outputs 5us apart: 36us + 5us * k; copies a then b
    assert components["link.market_data.a"]["delay_ns_total"] == 8 * 20_000
    assert components["subscriber.a"]["max_latency_ns"] == 1_000 + 20_000
    # b gets each message 7us after matching-out, every 5us, and needs 10us per message
    b = components["subscriber.b"]
    assert (b["delivered"], b["dropped"], b["max_buffer_depth"]) == (5, 3, 1)
    assert (b["first_drop_ns"], b["last_drop_ns"]) == (43_000 + 5_000 * 4, 43_000 + 5_000 * 8)
    assert components["stage.publisher"]["busy_ns"] == 8 * 2 * 1_000


def test_market_data_faults_apply_to_every_subscriber_link() -> None:
    topology = constant_topology()
    topology["market_data"] = {"subscribers": [{"name": "a", "link": _link(20_000)},
                                               {"name": "b", "link": _link(4_000)}]}
    body = scenario(topology).model_dump(mode="json")
    body["faults"] = [{"kind": "link_degrade", "link": "market_data", "at": 0,
                       "duration": 10**9, "latency_multiplier": 3}]
    faulted = Scenario.model_validate(body)
    rows = [(1_000 * i, "add", i, 1, 100 - i, 10) for i in range(1, 4)]
    components = run_platform(faulted, [[events(rows)]], len(rows)).components
    assert components["link.market_data.a"]["max_delay_ns"] == 60_000
    assert components["link.market_data.b"]["max_delay_ns"] == 12_000
