"""A network hop: a latency sampler, FIFO delivery, one scheduled callback per message.

``send`` draws a latency and delivers at ``sent + latency``, or, on a FIFO link,
at ``max(sent + latency, previous delivery)`` so messages never overtake each
other. Each message costs one ``env.timeout`` whose callback hands the item to
the receiver; no process per message.

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

import simpy

from sim.model.environment import SimulationEnvironment
from sim.model.sampling import DurationSampler
from sim.scenario.schema import LinkConfig

Receiver = Callable[[int], None]
"""Gets an item when it arrives."""
Endpoint = Callable[[int, int], None]
"""Gets ``(item, delivery_ns)`` at send time; for sinks that only record arrivals."""


class NetworkLink:
    """A one-way network hop between two components.

    Args:
        env: The simulation environment.
        name: Scope name, e.g. ``"link.client_to_gateway"``.
        config: Latency distribution and FIFO flag.
        latency: Sampler built from ``config.latency``.
    """

    def __init__(
        self, env: SimulationEnvironment, name: str, config: LinkConfig, latency: DurationSampler
    ) -> None:
        self.env = env
        self.name = name
        self.config = config
        self.fifo = config.fifo
        self._sample_block = latency.sample_block
        self._delays: list[int] = []
        """Latencies drawn ahead, next one last."""
        self._timeout = env.timeout
        self._receiver: Receiver | None = None
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

    def connect(self, receiver: Receiver) -> None:
        """Deliver each message to ``receiver`` at its delivery time."""
        self._receiver = receiver
        self._endpoint = None

    def connect_endpoint(self, endpoint: Endpoint) -> None:
        """Hand each message and its delivery time to a recording-only sink at send time."""
        self._endpoint = endpoint
        self._receiver = None

    @property
    def connected(self) -> bool:
        """Whether a receiver or an endpoint is wired."""
        return self._receiver is not None or self._endpoint is not None

    def send(self, item: int) -> None:
        """Send ``item`` now (the body of :meth:`send_at`, inlined for speed)."""
        now = self.env.now
        delays = self._delays
        if not delays:
            delays = self._delays = self._sample_block()[::-1]
        delivery = now + delays.pop()
        if self.fifo and delivery < self.last_delivery_ns:
            delivery = self.last_delivery_ns
        self.last_delivery_ns = delivery
        delay = delivery - now
        self.messages += 1
        self.delay_ns_total += delay
        if delay > self.max_delay_ns:
            self.max_delay_ns = delay
        endpoint = self._endpoint
        if endpoint is not None:
            endpoint(item, delivery)
        elif delay == 0 and (self._in_flight == 0 or not self.fifo):
            self._receiver(item)  # type: ignore[misc]
        else:
            self._in_flight += 1
            self.scheduled += 1
            self._timeout(delay, item).callbacks.append(self._deliver_callback)

    def send_at(self, sent_ns: int, item: int) -> None:
        """Send ``item`` at ``sent_ns`` (``>= now``; the feed posts known future sends early).

        Sends must come in non-decreasing ``sent_ns`` order.
        """
        delays = self._delays
        if not delays:
            delays = self._delays = self._sample_block()[::-1]
        delivery = sent_ns + delays.pop()
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
            self._receiver(item)  # type: ignore[misc]
            return
        self._in_flight += 1
        self.scheduled += 1
        self._timeout(delivery - now, item).callbacks.append(self._deliver_callback)

    def _deliver(self, event: simpy.Event) -> None:
        self._in_flight -= 1
        self._receiver(event.value)  # type: ignore[misc, arg-type]

    def stats(self) -> dict[str, int]:
        """Counters: messages, scheduled deliveries, total and maximum delay in ns."""
        return {
            "messages": self.messages,
            "scheduled": self.scheduled,
            "delay_ns_total": self.delay_ns_total,
            "max_delay_ns": self.max_delay_ns,
        }
