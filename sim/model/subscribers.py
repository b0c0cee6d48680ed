"""Market-data subscribers: the publisher's fan-out links and slow consumers.

Built from ``[topology.market_data]`` (:mod:`sim.scenario.market_data`). Each
destination gets a link built with :func:`~sim.model.link.build_link` on its
own named stream: ``link.market_data.<name>`` per subscriber in unicast,
``link.market_data.<tier>`` per tier in multicast (one send and one latency
draw per tier, delivered to every subscriber of the tier at the same time).
A subscriber's consume times draw from ``subscriber.<name>``, so adding a
subscriber changes no other component's draws.

A subscriber reads its messages one at a time from a bounded buffer. It never
reacts in simulated time, so it is a link *endpoint* computed in closed form,
like the publisher: Lindley's recursion on a single consumer (a message starts
being consumed at ``max(delivery, previous consume end)``), and the buffer
depth at a delivery is the number of accepted messages whose consume start is
still after it. A message that finds ``buffer`` messages waiting is dropped
(``on_full = "drop"``: a sequence gap) or cuts the subscriber off
(``"disconnect"``): that message and every later one are *undelivered*, while
messages already in the buffer are still consumed. The publisher does not
learn of a disconnect and keeps sending (and paying for) its copies. Every
copy sent is counted exactly once: ``sent == delivered + dropped + undelivered``.
Latency runs from the order's ``ts_matching_out_ns`` to the end of consuming
the message (its delivery, when ``consume`` is absent).
"""

from __future__ import annotations

from sim.core.vocabulary import NEVER
from sim.core.waiting_line import WaitingLine
from sim.model.component import Sink
from sim.model.environment import SimulationEnvironment
from sim.model.link import Endpoint, LinkId, NetworkLink, build_link
from sim.model.publisher import MarketDataPublisher
from sim.model.recorder import OrderRecorder
from sim.model.sampling import DurationSampler, make_sampler
from sim.rng import RandomStreams
from sim.scenario.market_data import MarketDataConfig, OnFull, SubscriberConfig

_NEVER = NEVER


class MarketDataSubscriber(Sink):
    """One consumer of the feed: a bounded buffer drained one message at a time.

    Args:
        config: Buffer size, what a full buffer does, consume time.
        consume: Consume-time sampler; ``None`` consumes every message on delivery.
        recorder: Per-order columns (read for ``ts_matching_out_ns``).
    """

    inputs = ("receive",)

    def __init__(
        self, config: SubscriberConfig, consume: DurationSampler | None, recorder: OrderRecorder
    ) -> None:
        self.name = f"subscriber.{config.name}"
        self.config = config
        self.buffer = config.buffer
        self._disconnect_when_full = config.on_full is OnFull.DISCONNECT
        self._sample_block = consume.sample_block if consume is not None else None
        self._durations: list[int] = []
        self._free_at = _NEVER
        """When the consumer finishes the latest accepted message."""
        self._waiting = WaitingLine(config.buffer)
        """Accepted messages not consumed yet (the buffer)."""
        self._matching_out = recorder.view("ts_matching_out_ns")
        self.sent = 0
        self.delivered = 0
        self.dropped = 0
        self.undelivered = 0
        self.disconnected_at_ns: int | None = None
        self.first_drop_ns: int | None = None
        self.last_drop_ns: int | None = None
        self.wait_ns_total = 0
        self.latency_ns_total = 0
        self.max_latency_ns = 0

    def receive(self, seq: int, delivery_ns: int) -> None:
        """Link endpoint: accept the message into the buffer, drop it, or disconnect.

        Calls come in non-decreasing ``delivery_ns`` (subscriber links are FIFO).
        """
        self.sent += 1
        if self.disconnected_at_ns is not None:
            self.undelivered += 1
            return
        start = self._free_at
        if not self._waiting.admit(delivery_ns, start):
            self._overflow(delivery_ns)
            return
        if start < delivery_ns:
            start = delivery_ns
        end = start
        if self._sample_block is not None:
            durations = self._durations
            if not durations:
                durations = self._durations = self._sample_block()[::-1]
            end += durations.pop()
        self._free_at = end
        self.delivered += 1
        self.wait_ns_total += start - delivery_ns
        latency = end - self._matching_out[seq]
        self.latency_ns_total += latency
        if latency > self.max_latency_ns:
            self.max_latency_ns = latency

    @property
    def max_buffer_depth(self) -> int:
        """Most messages ever waiting in the buffer at once."""
        return self._waiting.max_depth

    def _overflow(self, delivery_ns: int) -> None:
        """A message found the buffer full at ``delivery_ns``."""
        if self._disconnect_when_full:
            self.disconnected_at_ns = delivery_ns
            self.undelivered += 1
            return
        self.dropped += 1
        if self.first_drop_ns is None:
            self.first_drop_ns = delivery_ns
        self.last_drop_ns = delivery_ns

    def stats(self) -> dict[str, int]:
        """Counters; drop times only when something dropped, the cut-off time only if any."""
        counters = {
            "sent": self.sent,
            "delivered": self.delivered,
            "dropped": self.dropped,
            "undelivered": self.undelivered,
            "disconnected": int(self.disconnected_at_ns is not None),
            "max_buffer_depth": self.max_buffer_depth,
            "wait_ns_total": self.wait_ns_total,
            "latency_ns_total": self.latency_ns_total,
            "max_latency_ns": self.max_latency_ns,
        }
        if self.first_drop_ns is not None and self.last_drop_ns is not None:
            counters["first_drop_ns"] = self.first_drop_ns
            counters["last_drop_ns"] = self.last_drop_ns
        if self.disconnected_at_ns is not None:
            counters["disconnected_at_ns"] = self.disconnected_at_ns
        return counters


class MarketDataFanout:
    """The subscribers of ``[topology.market_data]`` and the links that reach them.

    Args:
        env: The simulation environment.
        config: Mode and subscribers.
        streams: Named random streams (``link.market_data.<name>``, ``subscriber.<name>``).
        recorder: Per-order columns.

    Attributes:
        links: By id ``LinkId("market_data", destination=name)`` (scope
            ``link.market_data.<name>``), in the order the publisher sends copies (sorted).
        subscribers: By name, sorted.
    """

    def __init__(
        self,
        env: SimulationEnvironment,
        config: MarketDataConfig,
        streams: RandomStreams,
        recorder: OrderRecorder,
    ) -> None:
        self.config = config
        self.subscribers: dict[str, MarketDataSubscriber] = {}
        for subscriber in sorted(config.subscribers, key=lambda item: item.name):
            scope = f"subscriber.{subscriber.name}"
            consume = (
                make_sampler(subscriber.consume, streams.stream(scope))
                if subscriber.consume is not None
                else None
            )
            self.subscribers[subscriber.name] = MarketDataSubscriber(subscriber, consume, recorder)
        self.links: dict[LinkId, NetworkLink] = {}
        self._members: dict[LinkId, list[MarketDataSubscriber]] = {}
        for name, link, members in config.destinations():
            key = LinkId("market_data", destination=name)
            self.links[key] = build_link(env, key.scope, link, streams.stream(key.scope))
            self._members[key] = [self.subscribers[member.name] for member in members]

    def wire(self, publisher: MarketDataPublisher) -> None:
        """Publisher -> one copy per link -> the link's subscribers."""
        publisher.connect_outputs([link.send_at for link in self.links.values()])
        for key, link in self.links.items():
            link.connect_endpoint(_endpoint(self._members[key]))

    def stats(self) -> dict[str, dict[str, int]]:
        """Counters per subscriber scope (links report themselves as platform links)."""
        return {subscriber.name: subscriber.stats() for subscriber in self.subscribers.values()}


def _endpoint(members: list[MarketDataSubscriber]) -> Endpoint:
    """One subscriber's ``receive``, or a fan-out to a tier's subscribers in name order."""
    if len(members) == 1:
        return members[0].receive

    def deliver(seq: int, delivery_ns: int) -> None:
        for member in members:
            member.receive(seq, delivery_ns)

    return deliver
