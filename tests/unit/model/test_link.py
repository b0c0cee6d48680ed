"""NetworkLink: FIFO delivery, zero latency, endpoints, counters."""

from __future__ import annotations

import numpy as np

from sim.model.environment import SimulationEnvironment
from sim.model.link import NetworkLink
from sim.model.sampling import make_sampler
from sim.scenario.distributions import ConstantDist, ExponentialDist
from sim.scenario.schema import LinkConfig


def make_link(env, latency, fifo: bool = True, seed: int = 1) -> NetworkLink:
    config = LinkConfig(latency=latency, fifo=fifo)
    return NetworkLink(env, "link.test", config, make_sampler(latency, np.random.default_rng(seed)))


def run_sends(fifo: bool, count: int = 2_000) -> list[tuple[int, int]]:
    env = SimulationEnvironment(0)
    link = make_link(env, ExponentialDist(mean=50_000), fifo=fifo)
    arrivals: list[tuple[int, int]] = []
    link.connect(lambda item: arrivals.append((item, env.now)))
    for item in range(count):
        link.send_at(item * 1_000, item)
    env.run()
    return arrivals


def test_fifo_link_never_reorders() -> None:
    arrivals = run_sends(fifo=True)
    assert [item for item, _ in arrivals] == list(range(2_000))
    times = [t for _, t in arrivals]
    assert times == sorted(times)


def test_non_fifo_link_lets_messages_overtake() -> None:
    arrivals = run_sends(fifo=False)
    assert sorted(item for item, _ in arrivals) == list(range(2_000))
    assert [item for item, _ in arrivals] != list(range(2_000))


def test_fifo_delivery_is_max_of_own_time_and_previous_delivery() -> None:
    env = SimulationEnvironment(0)
    link = make_link(env, ConstantDist(value=100))
    got: list[tuple[int, int]] = []
    link.connect(lambda item: got.append((item, env.now)))
    link.send_at(0, 1)
    link.send_at(50, 2)
    env.run()
    assert got == [(1, 100), (2, 150)]
    assert link.stats() == {
        "messages": 2,
        "scheduled": 2,
        "delay_ns_total": 200,
        "max_delay_ns": 100,
    }


def test_zero_latency_link_delivers_at_once_without_an_event() -> None:
    env = SimulationEnvironment(10)
    link = make_link(env, ConstantDist(value=0))
    got: list[int] = []
    link.connect(got.append)
    link.send(1)
    link.send(2)
    assert got == [1, 2]
    assert link.scheduled == 0
    assert env.next_event_ns() is None


def test_endpoint_gets_delivery_time_at_send_time() -> None:
    env = SimulationEnvironment(1_000)
    link = make_link(env, ConstantDist(value=250))
    got: list[tuple[int, int]] = []
    link.connect_endpoint(lambda item, at: got.append((item, at)))
    link.send(7)
    link.send_at(1_100, 8)
    assert got == [(7, 1_250), (8, 1_350)]
    assert env.next_event_ns() is None
