"""NetworkLink bandwidth and loss: exact serialization delays, retransmit counts, FIFO kept."""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.model.environment import SimulationEnvironment
from sim.model.link import NetworkLink, build_link
from sim.model.sampling import make_sampler
from sim.scenario.distributions import ConstantDist, ExponentialDist
from sim.scenario.schema import LinkConfig


def link_for(env: SimulationEnvironment, seed: int = 1, **fields: object) -> NetworkLink:
    return build_link(env, "link.test", LinkConfig(**fields), np.random.default_rng(seed))


def test_serialization_is_ceil_of_bits_over_bandwidth_in_exact_ns() -> None:
    assert LinkConfig().serialization_ns() == 0
    assert LinkConfig(bandwidth_bps=1_000_000).serialization_ns() == 800_000  # 100 B default
    assert LinkConfig(bandwidth_bps=10**9, message_bytes="1500B").serialization_ns() == 12_000
    assert LinkConfig(bandwidth_bps=3, message_bytes=1).serialization_ns() == 2_666_666_667
    assert LinkConfig(bandwidth_bps=10**12, message_bytes=1).serialization_ns() == 1  # 0.008 ns


def test_bandwidth_delays_by_serialization_and_queues_behind_the_busy_sender() -> None:
    env = SimulationEnvironment(0)
    link = link_for(env, latency=ConstantDist(value=1_000), bandwidth_bps=1_000_000)
    got: list[tuple[int, int]] = []
    link.connect_endpoint(lambda item, at: got.append((item, at)))
    for sent_ns, item in [(0, 1), (0, 2), (1_000_000, 3), (5_000_000, 4)]:
        link.send_at(sent_ns, item)
    # 800 us each on the wire; 2 waits 800 us for 1, 3 waits 600 us for 2, 4 finds it idle.
    assert got == [(1, 801_000), (2, 1_601_000), (3, 2_401_000), (4, 5_801_000)]
    assert link.stats()["serialization_wait_ns_total"] == 1_400_000
    assert link.sender_free_ns == 5_800_000


def test_loss_adds_retransmit_delay_per_lost_attempt_and_mean_attempts_is_1_25() -> None:
    env = SimulationEnvironment(0)
    link = link_for(
        env, latency=ConstantDist(value=100), loss=0.2, retransmit_delay="1ms", fifo=False
    )
    delays: list[int] = []
    link.connect_endpoint(lambda _item, at: delays.append(at))
    count = 100_000
    for item in range(count):
        link.send_at(item, item)
    lost = np.array(delays) - np.arange(count) - 100
    assert (lost % 1_000_000 == 0).all()
    assert int(lost.sum()) // 1_000_000 == link.retransmits == link.stats()["retransmits"]
    attempts = 1 + link.retransmits / count
    std = math.sqrt(0.2) / 0.8  # of one message's attempts
    assert abs(attempts - 1.25) < 4 * std / math.sqrt(count)
    assert link.messages == count  # nothing lost for good


def test_fifo_is_kept_under_loss_and_nothing_is_dropped() -> None:
    env = SimulationEnvironment(0)
    link = link_for(
        env,
        latency=ExponentialDist(mean=50_000),
        loss=0.3,
        retransmit_delay="200us",
        bandwidth_bps=10**9,
    )
    arrivals: list[tuple[int, int]] = []
    link.connect(lambda item: arrivals.append((item, env.now)))
    for item in range(5_000):
        link.send_at(item * 1_000, item)
    env.run()
    assert [item for item, _ in arrivals] == list(range(5_000))
    times = [at for _, at in arrivals]
    assert times == sorted(times)
    assert link.retransmits > 0


def test_same_seed_same_losses() -> None:
    def deliveries(seed: int) -> list[int]:
        env = SimulationEnvironment(0)
        link = link_for(
            env, seed, latency=ExponentialDist(mean=1_000), loss=0.1, retransmit_delay="10us"
        )
        got: list[int] = []
        link.connect_endpoint(lambda _item, at: got.append(at))
        for item in range(10_000):
            link.send_at(item, item)
        return got

    assert deliveries(5) == deliveries(5)
    assert deliveries(5) != deliveries(6)


def test_unshaped_link_draws_exactly_the_plain_latency_stream() -> None:
    """Zero cost when unset: same delays as a bare sampler, only the four base counters."""
    latency = ExponentialDist(mean=5_000)
    env = SimulationEnvironment(0)
    link = link_for(env, 7, latency=latency)
    got: list[int] = []
    link.connect_endpoint(lambda _item, at: got.append(at))
    sampler = make_sampler(latency, np.random.default_rng(7))
    expected, floor = [], -1
    for item in range(3 * 4096):
        link.send_at(item, item)
        floor = max(item + sampler.sample(), floor)
        expected.append(floor)
    assert got == expected
    assert set(link.stats()) == {"messages", "scheduled", "delay_ns_total", "max_delay_ns"}


def test_lossy_link_without_a_lost_attempts_sampler_is_refused() -> None:
    env = SimulationEnvironment(0)
    config = LinkConfig(loss=0.1, retransmit_delay="1ms")
    sampler = make_sampler(config.latency, np.random.default_rng(0))
    with pytest.raises(ValueError, match="lost_attempts"):
        NetworkLink(env, "link.test", config, sampler)
