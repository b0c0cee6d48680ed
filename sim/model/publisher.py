"""The market-data publisher: one message per matching output that changed a book.

It is a server like a :class:`~sim.model.server.Stage` (same config: workers,
service distribution, bounded queue; same counters), with one difference that
market data needs: messages leave *in sequence*, each at
``max(its service end, previous message's departure)``, as a sequenced feed
must. Then they cross the ``market_data`` link.

With ``[topology.market_data]`` the publisher has several outputs instead
(:mod:`sim.model.subscribers`): one per subscriber in unicast, one per tier in
multicast. Each message is then one job of one copy per output, sent in output
order; each copy takes its own service draw, so a message occupies its worker
for the sum of its copies and the k-th copy leaves at the k-th partial sum
(sequenced per output). Unicast publisher work thus grows with the subscriber
count, multicast with the tier count. With the single link there is one copy
and exactly one draw per message, as before.

Nothing in the model reacts to market data in simulated time (subscribers only
record), so the publisher is computed in closed form at arrival instead of
with events: FIFO multi-worker start times (a heap of worker free times; the
Kiefer-Wolfowitz form of Lindley's recursion), the waiting count from the
start times still in the future, and the departure straight onto the link.
Exact, and one SimPy event per order cheaper. When strategies subscribe to
market data, this becomes an event-driven stage.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from typing import ClassVar

from sim.core.waiting_line import WaitingLine
from sim.model.environment import SimulationEnvironment
from sim.model.recorder import OrderRecorder
from sim.model.sampling import DurationSampler
from sim.model.server import QUEUE_FULL, server_counters
from sim.scenario.schema import StageConfig


class MarketDataPublisher:
    """Sequenced publisher; items are the sequence numbers of the orders that changed a book.

    Args:
        env: The simulation environment.
        config: Workers, service distribution and queue capacity.
        service: Service-time sampler.
        recorder: Per-order columns (read for ``ts_matching_out_ns``).
    """

    inputs: ClassVar[tuple[str, ...]] = ("arrive", "delivered")
    outputs: ClassVar[tuple[str, ...]] = ("publish",)
    """One link's ``send_at`` (:meth:`connect_output`) or one per destination (fan-out)."""

    def __init__(
        self,
        env: SimulationEnvironment,
        config: StageConfig,
        service: DurationSampler,
        recorder: OrderRecorder,
    ) -> None:
        self.env = env
        self.name = "stage.publisher"
        self.config = config
        self.workers = config.workers
        self.queue_capacity = config.queue_capacity
        self._sample_block = service.sample_block
        self._durations: list[int] = []
        self._free_at = [-(2**62)] * config.workers
        """Heap of the times each worker is next free."""
        self._waiting = WaitingLine(config.queue_capacity)
        """Accepted messages whose service has not started yet."""
        self._publish: Callable[[int, int], None] | None = None
        """The one output (the common case, kept inline in :meth:`arrive`)."""
        self._last_departure_ns = -(2**62)
        self._outputs: list[Callable[[int, int], None]] = []
        self._last_departures: list[int] = []
        """Fanned out: departure of the latest copy per output (each output is sequenced)."""
        self._reports_delivery = False
        """Whether this publisher is the endpoint of its one link (the ``md_*`` counters)."""
        self._matching_out = recorder.view("ts_matching_out_ns")
        self.arrivals = 0
        self.served = 0
        self.rejected = 0
        self.busy_ns = 0
        self.copies = 0
        self.delivered_count = 0
        self.latency_ns_total = 0
        self.max_latency_ns = 0

    def connect_output(self, publish_at: Callable[[int, int], None]) -> None:
        """Send each message with ``publish_at(departure_ns, seq)`` (the link's ``send_at``).

        The link's endpoint is then :meth:`delivered`, reported as the ``md_*`` counters.
        """
        self._publish = publish_at
        self._outputs = []
        self._reports_delivery = True

    def connect_outputs(self, outputs: list[Callable[[int, int], None]]) -> None:
        """Send one copy of each message to every output, in list order (fan-out)."""
        self._publish = None
        self._outputs = list(outputs)
        self._last_departures = [-(2**62)] * len(outputs)
        self._reports_delivery = False

    def unwired(self) -> list[str]:
        """``["publish"]`` until one output or a fan-out is connected."""
        return [] if self._publish is not None or self._outputs else ["publish"]

    @property
    def scheduled_events(self) -> int:
        """None: computed in closed form at arrival (see the module note)."""
        return 0

    @property
    def max_queue_depth(self) -> int:
        """Most messages ever waiting for a worker at once."""
        return self._waiting.max_depth

    def arrive(self, seq: int) -> None:
        """Accept a message now: schedule its service and departure, or reject ``queue_full``."""
        now = self.env.now
        self.arrivals += 1
        free_at = self._free_at
        start = free_at[0]
        if not self._waiting.admit(now, start):
            self.rejected += 1
            return
        if start < now:
            start = now
        durations = self._durations
        if not durations:
            durations = self._durations = self._sample_block()[::-1]
        end = start + durations.pop()
        publish = self._publish
        if publish is not None:
            departure = end if end > self._last_departure_ns else self._last_departure_ns
            self._last_departure_ns = departure
            publish(departure, seq)
        else:
            end = self._fan_out(end, seq)
        self.busy_ns += end - start
        heapq.heapreplace(free_at, end)
        self.served += 1

    def _fan_out(self, first_end_ns: int, seq: int) -> int:
        """Send one copy per output, each after its own service draw; return the last end.

        The first copy's draw is already taken (it ends at ``first_end_ns``).
        """
        last_departures = self._last_departures
        end = first_end_ns
        for index, publish_at in enumerate(self._outputs):
            if index:
                durations = self._durations
                if not durations:
                    durations = self._durations = self._sample_block()[::-1]
                end += durations.pop()
            last = last_departures[index]
            departure = end if end > last else last
            last_departures[index] = departure
            publish_at(departure, seq)
        self.copies += len(last_departures)
        return end

    def delivered(self, seq: int, delivery_ns: int) -> None:
        """Endpoint of the market-data link: record the matching-out to delivery latency."""
        latency = delivery_ns - self._matching_out[seq]
        self.delivered_count += 1
        self.latency_ns_total += latency
        if latency > self.max_latency_ns:
            self.max_latency_ns = latency

    def stats(self) -> dict[str, int]:
        """Stage counters plus delivered messages and their latency (total and max).

        Fanned out, ``copies`` (sends over all outputs) replaces the ``md_*`` counters;
        each subscriber reports its own deliveries.
        """
        counters = server_counters(self)
        if self.rejected:
            counters[f"rejected.{QUEUE_FULL}"] = self.rejected
        if self._reports_delivery:
            counters["md_delivered"] = self.delivered_count
            counters["md_latency_ns_total"] = self.latency_ns_total
            counters["md_max_latency_ns"] = self.max_latency_ns
        else:
            counters["copies"] = self.copies
        return counters
