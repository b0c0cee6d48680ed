"""A network hop: a latency sampler, FIFO delivery, one scheduled callback per message.

``send`` draws a latency and delivers at ``sent + latency``, or, on a FIFO link,
at ``max(sent + latency, previous delivery)`` so messages never overtake each
other.

Two optional costs come before the FIFO floor (both off by default, and then
not a single extra draw, so unshaped scenarios keep their results):

- *Bandwidth*: the sender serializes one message at a time, each taking
  ``LinkConfig.serialization_ns()``; a message starts serializing at
  ``max(sent, end of the previous serialization)`` and its latency counts from
  the end of its own serialization.
- *Loss*: each transmission is lost with probability ``loss``; every lost
  attempt adds ``retransmit_delay`` (a timeout plus the resend), and attempts
  repeat until one gets through, so nothing is lost for good. The number of
  lost attempts is geometric, drawn from the link's own stream.
  Retransmissions do not occupy the serializer again.

Scheduled faults (``[[faults]]``) add *windows* by send time (off by default,
then never looked at): a ``link_degrade`` window multiplies the latency draw of
each message sent in it; a ``partition`` window holds each message sent in it
until the window ends, then it takes its normal delay (nothing is lost). A
window's ``extra_loss`` loses each attempt of a message sent in it with that added,
independent probability: after the link's own draw of ``k`` lost attempts, the
``k + 1`` attempts that got past the fault's loss are each preceded by a geometric
number of attempts the fault lost (drawn in blocks from a child of the link's stream,
only for messages sent in such a window, so every other draw of the link stays as in a
run without the fault), and every lost attempt costs
``retransmit_delay``. All apply before the FIFO floor, so FIFO links stay FIFO.

Each message costs one plain scheduled call (``env.call_at``) that hands the item to the
receiver; no process per message.

Two shortcuts keep the event count down without changing any result:

- A message due *now* on a link with nothing in flight is handed over at once
  (a zero-latency link schedules nothing). Messages still in flight are never
  overtaken, so same-time order stays FIFO and deterministic.
- An *endpoint* receiver (:meth:`NetworkLink.connect_endpoint`) is a sink that
  only records when a message arrives and never reacts in simulated time (an
  execution report reaching a client, market data reaching a subscriber).
  Its delivery time is fixed at send time, so the link calls it immediately
  with that time instead of scheduling an event.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, NamedTuple

import numpy as np
import numpy.typing as npt

from sim.model.component import Receiver, Unwired
from sim.model.environment import SimulationEnvironment
from sim.model.sampling import (
    BlockSampler,
    ConstantSampler,
    DurationSampler,
    make_lost_attempts_sampler,
    make_recorded_sampler,
    make_sampler,
)
from sim.scenario.link import LinkName
from sim.scenario.schema import LinkConfig

Endpoint = Callable[[int, int], None]
"""Gets ``(item, delivery_ns)`` at send time; for sinks that only record arrivals."""


class LinkId(NamedTuple):
    """Which link of the platform: a ``[topology.links]`` hop and which connection over it.

    The hop's own link is ``LinkId(hop)``; the injector has its own connection to the
    gateway (``injected``); a failover opens a new connection to the promoted standby
    (``resend``); a market-data fan-out has one link per subscriber or tier
    (``destination``). Faults on a hop apply to every connection over it.
    """

    hop: LinkName
    injected: bool = False
    resend: bool = False
    destination: str | None = None

    @property
    def scope(self) -> str:
        """The link's scope name: stream name and ``RunResult.components`` key."""
        parts = ["link", self.hop]
        if self.destination is not None:
            parts.append(self.destination)
        if self.injected:
            parts.append("inject")
        if self.resend:
            parts.append("resend")
        return ".".join(parts)


class NetworkLink:
    """A one-way network hop between two components.

    Args:
        env: The simulation environment.
        name: Scope name, e.g. ``"link.client_to_gateway"``.
        config: Latency distribution, FIFO flag, bandwidth and loss.
        latency: Sampler built from ``config.latency``.
        lost_attempts: Lost attempts per message (``make_lost_attempts_sampler``); required
            when ``config.loss > 0``, ideally drawing from the same named stream as ``latency``.
        rng: The link's named stream; fault windows with ``extra_loss`` draw from a child
            of it (``Generator.spawn``), so the link's own draws stay those of a run without
            the window.
    """

    inputs: ClassVar[tuple[str, ...]] = ("send", "send_at")
    outputs: ClassVar[tuple[str, ...]] = ("receiver",)
    """Delivered to a receiver (:meth:`connect`) or, at send time, an endpoint."""

    def __init__(
        self,
        env: SimulationEnvironment,
        name: str,
        config: LinkConfig,
        latency: DurationSampler,
        lost_attempts: DurationSampler | None = None,
        rng: np.random.Generator | None = None,
    ) -> None:
        if config.loss > 0 and lost_attempts is None:
            raise ValueError(f"{name}: loss = {config.loss} needs a lost_attempts sampler")
        self.env = env
        self.name = name
        self.config = config
        self.fifo = config.fifo
        self._sample_block = latency.sample_block
        self._delays: list[int] = []
        """Latencies drawn ahead, next one last."""
        self._call_at = env.call_at
        self._receiver: Receiver = Unwired(name, "receiver")
        self._deliver_callback = self._deliver  # bound once, not per message
        self._endpoint: Endpoint | None = None
        self.last_delivery_ns = -(2**62)
        """Delivery time of the latest message sent (the FIFO floor)."""
        self._in_flight = 0
        self.messages = 0
        self.scheduled = 0
        """Messages delivered through a scheduled event (not at once, not to an endpoint)."""
        self.delay_ns_total = 0
        self.max_delay_ns = 0
        self._serialization_ns = config.serialization_ns()
        self._retransmit_ns = config.retransmit_delay or 0
        self._lost_block = lost_attempts.sample_block if config.loss > 0 and lost_attempts else None
        self._lost: list[int] = []
        """Lost-attempt counts drawn ahead, next one last."""
        self._rng = rng
        self._fault_rng: np.random.Generator | None = None
        """Child stream of ``rng`` for ``extra_loss`` draws (spawned at the first such window)."""
        self._windows: list[tuple[int, int, int, bool, ConstantSampler | BlockSampler | None]] = []
        """Fault windows ``(start, end, latency multiplier, hold, extra lost attempts)`` by send
        time, [start, end)."""
        self._extra_loss = False
        """Whether any window adds loss (then ``retransmits`` is reported)."""
        self._shaped = self._serialization_ns > 0 or self._lost_block is not None
        self.sender_free_ns = -(2**62)
        """When the sender finishes serializing the latest message (bandwidth only)."""
        self.serialization_wait_ns_total = 0
        """Time messages waited for the sender to finish earlier messages."""
        self.retransmits = 0
        """Lost attempts, each of which cost ``retransmit_delay``."""

    def connect(self, receiver: Receiver) -> None:
        """Deliver each message to ``receiver`` at its delivery time."""
        self._receiver = receiver
        self._endpoint = None

    def connect_endpoint(self, endpoint: Endpoint) -> None:
        """Hand each message and its delivery time to a recording-only sink at send time."""
        self._endpoint = endpoint
        self._receiver = Unwired(self.name, "receiver")

    def unwired(self) -> list[str]:
        """``["receiver"]`` until a receiver or an endpoint is connected."""
        wired = self._endpoint is not None or not isinstance(self._receiver, Unwired)
        return [] if wired else ["receiver"]

    @property
    def scheduled_events(self) -> int:
        """Deliveries through a scheduled event (at-once and endpoint deliveries cost none)."""
        return self.scheduled

    def send(self, item: int) -> None:
        """Send ``item`` now."""
        self.send_at(self.env.now, item)

    def send_at(self, sent_ns: int, item: int) -> None:
        """Send ``item`` at ``sent_ns`` (``>= now``; the feed posts known future sends early).

        Sends must come in non-decreasing ``sent_ns`` order.
        """
        delays = self._delays
        if not delays:
            delays = self._delays = self._sample_block()[::-1]
        latency = delays.pop()
        if self._shaped:
            latency = self._shape(sent_ns, latency)
        delivery = sent_ns + latency
        if self.fifo and delivery < self.last_delivery_ns:
            delivery = self.last_delivery_ns
        self.last_delivery_ns = delivery
        delay = delivery - sent_ns
        self.messages += 1
        self.delay_ns_total += delay
        if delay > self.max_delay_ns:
            self.max_delay_ns = delay
        endpoint = self._endpoint
        if endpoint is not None:
            endpoint(item, delivery)
            return
        now = self.env.now
        if delivery == now and (self._in_flight == 0 or not self.fifo):
            self._receiver(item)
            return
        self._in_flight += 1
        self.scheduled += 1
        self._call_at(delivery, self._deliver_callback, item)

    def replay_recorded(self, delay_of: Callable[[], int]) -> None:
        """``latency = "from_data"`` per message: a message's latency is ``delay_of()`` when sent.

        ``delay_of`` reads the recorded delay of the data row being applied (bandwidth,
        loss and the FIFO floor still apply after it).
        """
        self._sample_block = lambda: [delay_of()]
        self._delays = []

    def draw_recorded(self, delays: npt.NDArray[np.int64]) -> None:
        """``latency = "from_data"``, ``sample = "empirical"``: draw from ``delays``."""
        if self._rng is None:
            raise ValueError(f"{self.name}: drawing recorded delays needs the link's stream")
        self._sample_block = make_recorded_sampler(delays, self._rng).sample_block
        self._delays = []

    def add_fault_window(
        self,
        start_ns: int,
        end_ns: int,
        *,
        latency_multiplier: int = 1,
        hold: bool = False,
        extra_loss: float = 0.0,
    ) -> None:
        """Degrade (``latency_multiplier``, ``extra_loss``) or partition (``hold``) a window.

        Applies to messages sent in [start, end). A held message is sent again at ``end_ns``
        and takes its normal delay from there. ``extra_loss > 0`` needs the link's
        ``retransmit_delay`` and the ``rng`` it was built with.
        """
        extra = None
        if extra_loss > 0:
            if self.config.retransmit_delay is None or self._rng is None:
                raise ValueError(
                    f"{self.name}: extra_loss = {extra_loss} needs retransmit_delay and an rng"
                )
            if self._fault_rng is None:
                self._fault_rng = self._rng.spawn(1)[0]
            extra = make_lost_attempts_sampler(extra_loss, self._fault_rng)
            self._extra_loss = True
        self._windows.append((start_ns, end_ns, latency_multiplier, hold, extra))
        self._shaped = True

    def _shape(self, sent_ns: int, latency_ns: int) -> int:
        """Delay from ``sent_ns`` before the FIFO floor: faults, serialization, retransmits."""
        held = 0
        extra: list[ConstantSampler | BlockSampler] | None = None
        for start, end, multiplier, hold, lost_to_fault in self._windows:
            if start <= sent_ns < end:
                latency_ns *= multiplier
                if hold:
                    held = max(held, end - sent_ns)
                if lost_to_fault is not None:
                    extra = [lost_to_fault] if extra is None else [*extra, lost_to_fault]
        sent_ns += held
        delay = latency_ns
        if self._serialization_ns:
            start = max(sent_ns, self.sender_free_ns)
            self.sender_free_ns = start + self._serialization_ns
            self.serialization_wait_ns_total += start - sent_ns
            delay += self.sender_free_ns - sent_ns
        attempts = 0
        if self._lost_block is not None:
            lost = self._lost
            if not lost:
                lost = self._lost = self._lost_block()[::-1]
            attempts = lost.pop()
        if extra is not None:
            attempts = _add_fault_losses(attempts, extra)
        if attempts:
            self.retransmits += attempts
            delay += attempts * self._retransmit_ns
        return held + delay

    def _deliver(self, item: Any) -> None:
        self._in_flight -= 1
        self._receiver(item)

    def stats(self) -> dict[str, int]:
        """Counters: messages, scheduled deliveries, total and maximum delay in ns.

        A link with bandwidth adds ``serialization_wait_ns_total``; a lossy one adds
        ``retransmits`` (unshaped links keep exactly the four base counters).
        """
        stats = {
            "messages": self.messages,
            "scheduled": self.scheduled,
            "delay_ns_total": self.delay_ns_total,
            "max_delay_ns": self.max_delay_ns,
        }
        if self._serialization_ns:
            stats["serialization_wait_ns_total"] = self.serialization_wait_ns_total
        if self._lost_block is not None or self._extra_loss:
            stats["retransmits"] = self.retransmits
        return stats


def _add_fault_losses(attempts: int, samplers: list[ConstantSampler | BlockSampler]) -> int:
    """Lost attempts once each fault's loss is added to ``attempts`` lost by the link.

    Every attempt that got past one fault's loss (``attempts + 1`` of them) was preceded
    by a geometric number of attempts that fault lost, so with independent losses the
    total is geometric with the combined probability and the link's own draw is kept.
    """
    for sampler in samplers:
        sample = sampler.sample
        attempts += sum(sample() for _ in range(attempts + 1))
    return attempts


def build_link(
    env: SimulationEnvironment, name: str, config: LinkConfig, rng: np.random.Generator
) -> NetworkLink:
    """A link whose latency and lost attempts both draw from ``rng``, its named stream.

    A lossless link never builds the loss sampler, so its latency draws are exactly
    those of a link without loss support.
    """
    lost_attempts = make_lost_attempts_sampler(config.loss, rng) if config.loss > 0 else None
    return NetworkLink(env, name, config, make_sampler(config.latency, rng), lost_attempts, rng)
