"""The fast engine: the order path of a run as arrays, equal to the SimPy engine's.

Stage by stage along the path, each step over every order at once:

1. the feed's orders and posting times (:mod:`sim.fast.feed`);
2. ``client_to_gateway``, gateway, ``gateway_to_risk``, risk, ``risk_to_matching`` and
   matching: each link's deliveries in send order (:mod:`sim.fast.links`), each
   stage's starts, ends and departure order (:mod:`sim.fast.queues`), with the draws
   of each component's named stream taken in the SimPy engine's order
   (:mod:`sim.fast.draws`): a link draws per message sent, a stage per service started;
3. the risk checks at each order's risk end, in risk departure order (:mod:`sim.fast.risk`);
4. the books, order by order in matching departure order (:mod:`sim.fast.matching`);
5. execution reports (risk rejects and matching reports merged in SimPy's event
   order) over ``matching_to_client``, and the sequenced publisher and
   ``market_data`` for every order that changed a book.

The result is a :class:`~sim.model.platform.RunResult` with the same tables and
counters, so the run folder, summary and digest come from the same code.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.core.vocabulary import RejectReason
from sim.core.waiting_line import WaitingLine
from sim.errors import ScenarioError
from sim.fast.draws import durations
from sim.fast.feed import FeedRead, read_feed
from sim.fast.links import LinkTimes, Window, send
from sim.fast.matching import FastMatching
from sim.fast.queues import AmbiguousOrderError, fifo_stage, publisher_line, session_stage
from sim.fast.refusal import fast_engine_refusal
from sim.fast.risk import risk_reasons
from sim.model.platform import RunResult
from sim.model.recorder import RISK, STAGE_NAMES, OrderRecorder
from sim.model.sessions import OrderSessions
from sim.model.sources import BatchSource, batches_per_source
from sim.rng import RandomStreams
from sim.scenario.faults import LinkDegradeFault, PartitionFault, PauseFault
from sim.scenario.schema import Scenario, StageConfig, StageOrdering

Ints = npt.NDArray[np.int64]
_REASONS = RejectReason.members()


@dataclass(frozen=True, slots=True)
class _Leg:
    """Orders leaving a stage, in departure order: who, when, and when their event was made."""

    seqs: Ints
    times: Ints
    scheduled: Ints


def run_fast(scenario: Scenario, batches: BatchSource, capacity: int,
             progress: Callable[[int], None] | None = None,
             phase: Callable[[str], None] | None = None,
             origin_ns: int | None = None) -> RunResult:
    """Run ``scenario`` on the fast engine (as :func:`sim.model.platform.run_platform`).

    Fault times count from ``origin_ns`` (None: the first event), as in the SimPy
    engine. ``phase`` is told when each step is done (``read``, ``path``, ``books``, ``reports``,
    ``output``): the benchmark times them; the engine itself never reads a clock.

    Raises:
        ScenarioError: The scenario or its data needs the SimPy engine (the reason, one line).
    """
    refusal = fast_engine_refusal(scenario)
    if refusal is not None:
        raise ScenarioError(f"{scenario.source}: engine = \"fast\": {refusal}")
    source = scenario.data.sources[0]
    recorder = OrderRecorder(capacity, [source.name])
    feed = read_feed(source, batches_per_source(batches, [source])[0], recorder, progress)
    tell = phase or _ignore
    tell("read")
    origin = origin_ns if origin_ns is not None else (feed.first_ts_ns or 0)
    try:
        return _Run(scenario, recorder, tell, origin).result(feed)
    except AmbiguousOrderError as error:
        raise AmbiguousOrderError(f"{scenario.source}: engine = \"fast\": {error}") from None


class _Run:
    """One fast run: the stages and links in path order, then books and reports."""

    def __init__(self, scenario: Scenario, recorder: OrderRecorder,
                 phase: Callable[[str], None], origin_ns: int) -> None:
        self.phase = phase
        self.origin_ns = origin_ns
        self.scenario = scenario
        self.recorder = recorder
        self.streams = RandomStreams(scenario.seed)
        self.columns = recorder.columns
        self.components: dict[str, dict[str, int]] = {}
        self.last_event = -(2**62)
        self.scheduled = 0

    def _link(self, name: str, sent: Ints, now: Ints, endpoint: bool = False) -> LinkTimes:
        link = getattr(self.scenario.topology.links, name)
        origin = self.origin_ns
        windows = [Window(origin + fault.at, origin + fault.at + fault.duration,
                          fault.latency_multiplier if isinstance(fault, LinkDegradeFault) else 1,
                          isinstance(fault, PartitionFault))
                   for fault in self.scenario.faults
                   if isinstance(fault, LinkDegradeFault | PartitionFault) and fault.link == name]
        times = send(link, f"link.{name}", self.streams, sent, now, endpoint, windows)
        self.components[f"link.{name}"] = times.stats
        self.scheduled += times.stats["scheduled"]
        if times.delivery.size:
            self.last_event = max(self.last_event, int(times.delivery[-1]))
        return times

    def _stage(self, name: str, leg: _Leg, arrivals: Ints, scheduled: Ints
               ) -> tuple[_Leg, _Leg]:
        """Serve ``leg``'s orders arriving at ``arrivals``; stamp them.

        Returns the departures (in SimPy's order; ``scheduled`` is each one's start) and
        the arrivals turned away ``queue_full`` (``scheduled``: their arrival event's).
        """
        seqs = leg.seqs
        config: StageConfig = getattr(self.scenario.topology, name)
        service = durations(config.service, self.streams.stream(f"stage.{name}"), seqs.size)
        ordered = config.ordering is StageOrdering.SESSION and config.workers > 1
        pauses = [(self.origin_ns + fault.at, self.origin_ns + fault.at + fault.duration)
                  for fault in self.scenario.faults
                  if isinstance(fault, PauseFault) and fault.target == name]
        if ordered:
            keys = _session_keys(self.recorder, config.sessions)[seqs]
            times = session_stage(arrivals, scheduled, keys, service, config.workers,
                                  config.queue_capacity, name, pauses)
        else:
            times = fifo_stage(arrivals, scheduled, service, config.workers,
                               config.queue_capacity, name, pauses)
        columns = self.columns
        rows: Ints | slice = slice(0, seqs.size) if _is_range(seqs) else seqs
        columns[f"ts_{name}_in_ns"][rows] = arrivals
        columns[f"ts_{name}_start_ns"][rows] = times.start
        columns[f"ts_{name}_out_ns"][rows] = times.end
        order, refused = times.departures, times.rejected
        served = int(order.size)
        in_order = served == seqs.size and _is_range(order)
        start, end = (times.start, times.end) if in_order else (times.start[order],
                                                                  times.end[order])
        stats = {"arrivals": int(seqs.size), "served": served, "rejected": int(refused.size),
                 "busy_ns": int((end - start).sum()),
                 "max_queue_depth": times.max_queue_depth, "workers": config.workers}
        if ordered:
            stats["session_waits"] = times.session_waits
        if refused.size:
            stats["rejected.queue_full"] = int(refused.size)
            self._reject(seqs[refused], STAGE_NAMES.index(name), RejectReason.QUEUE_FULL)
        self.components[f"stage.{name}"] = stats
        self.scheduled += served
        if served:
            self.last_event = max(self.last_event, int(end.max()))
        return (_Leg(seqs if in_order else seqs[order], end, start),
                _Leg(seqs[refused], arrivals[refused], scheduled[refused]))

    def _hop(self, link: str, stage: str, leg: _Leg) -> tuple[_Leg, _Leg]:
        """Send ``leg`` over ``link`` into ``stage``; return its departures and refusals."""
        delivered = self._link(link, leg.times, leg.times)
        # A message handed over at once arrives inside its sender's event: its order among
        # same-time events is that event's, made when the sender's service started.
        scheduled = np.where(delivered.at_once, leg.scheduled, leg.times)
        return self._stage(stage, leg, delivered.delivery, scheduled)

    def _reject(self, seqs: Ints, stage: int, reason: RejectReason) -> None:
        for seq in seqs.tolist():
            self.recorder.reject(seq, stage, reason)

    def result(self, feed: FeedRead) -> RunResult:
        """Run every step; return the tables and counters."""
        recorder = self.recorder
        count = recorder.count
        seqs = np.arange(count, dtype=np.int64)
        sent = self.columns["ts_sent_ns"][:count].copy()
        client = self._link("client_to_gateway", sent, feed.posted)
        scheduled = np.where(client.at_once, -1, feed.posted)
        gateway, gateway_full = self._stage("gateway", _Leg(seqs, sent, feed.posted),
                                            client.delivery, scheduled)
        risk_out, risk_full = self._hop("gateway_to_risk", "risk", gateway)
        reasons = risk_reasons(self.scenario, recorder, risk_out.seqs, risk_out.times,
                               self.origin_ns)
        refused = reasons >= 0
        self._risk_rejects(risk_out.seqs[refused], reasons[refused])
        passed = _Leg(risk_out.seqs[~refused], risk_out.times[~refused],
                      risk_out.scheduled[~refused])
        matched, matching_full = self._hop("risk_to_matching", "matching", passed)
        self.phase("path")
        matching = FastMatching(recorder, feed.tif)
        changed = np.array(matching.apply(matched.seqs.tolist(), matched.times.tolist()),
                           dtype=bool)
        matching.finish()
        self.phase("books")
        self._matching_counters(matching)
        rejected = _Leg(risk_out.seqs[refused], risk_out.times[refused],
                        risk_out.scheduled[refused])
        self._reports([gateway_full, risk_full, rejected, matching_full, matched])
        self._publish(matched.seqs[changed], matched.times[changed])
        self.components["feed." + recorder.sources[0]] = feed.stats
        self.components["clients"] = {"reports": int(count)}
        self.scheduled += feed.stats["wakes"]
        end_ns = max([self.last_event, feed.last_ts_ns] if count or feed.stats["events"]
                     else [0])
        self.phase("reports")
        orders, fills = recorder.to_arrow(), recorder.fills_to_arrow()
        self.phase("output")
        return RunResult(
            orders=orders, fills=fills,
            components=dict(sorted(self.components.items())),
            sim_start_ns=feed.first_ts_ns or 0, sim_end_ns=end_ns,
            events_processed=feed.stats["events"], direct_events_applied=0,
            scheduled_events=self.scheduled)

    def _risk_rejects(self, seqs: Ints, reasons: Ints) -> None:
        """Mark refused orders rejected at risk; count them by reason."""
        stats = self.components["stage.risk"]
        stats["rejected"] += int(seqs.size)
        labels: dict[str, int] = {}
        for seq, code in zip(seqs.tolist(), reasons.tolist(), strict=True):
            reason = _REASONS[code]
            self.recorder.reject(seq, RISK, reason)
            labels[reason.label] = labels.get(reason.label, 0) + 1
        for label, number in labels.items():
            stats[f"rejected.{label}"] = number
        _sort_reasons(stats)

    def _matching_counters(self, matching: FastMatching) -> None:
        stats = self.components["stage.matching"]
        stats["rejected"] += sum(matching.rejected_by_reason.values())
        for label, number in matching.rejected_by_reason.items():
            stats[f"rejected.{label}"] = number
        _sort_reasons(stats)
        stats["book_changes"] = matching.book_changes
        stats["history_applied"] = 0

    def _reports(self, legs: list[_Leg]) -> None:
        """Every order's report over ``matching_to_client``, in SimPy's send order.

        ``legs`` are the senders (each in its own order): a report goes out in the event
        of its refusal or its matching end. Events at one nanosecond run in the order
        they were made; two senders' events made at the same time (or a refusal inside
        its sender's event, ``scheduled`` -1) cannot be ordered and are refused.
        """
        times = np.concatenate([leg.times for leg in legs])
        scheduled = np.concatenate([leg.scheduled for leg in legs])
        seqs = np.concatenate([leg.seqs for leg in legs])
        origin = np.concatenate([np.full(leg.seqs.size, index, np.int8)
                                 for index, leg in enumerate(legs)])
        order = np.lexsort((scheduled, times))
        times, scheduled, origin = times[order], scheduled[order], origin[order]
        same_time = (times[1:] == times[:-1]) & (origin[1:] != origin[:-1])
        unknown = (scheduled[1:] == scheduled[:-1]) | (scheduled[1:] < 0) | (scheduled[:-1] < 0)
        if (same_time & unknown).any():
            raise AmbiguousOrderError(
                "two reports leave at the same nanosecond from events made at the same time; "
                "their order is not known; use engine = \"simpy\"")
        link = self._link("matching_to_client", times, times, endpoint=True)
        self.columns["ts_ack_ns"][seqs[order]] = link.delivery

    def _publish(self, seqs: Ints, arrivals: Ints) -> None:
        """The sequenced publisher (``MarketDataPublisher.arrive``) and ``market_data``."""
        config = self.scenario.topology.publisher
        service = durations(config.service, self.streams.stream("stage.publisher"), seqs.size)
        line = publisher_line(arrivals, service, config.workers, config.queue_capacity)
        if line is None:
            served, start, end, depth = _publisher_loop(arrivals, service, config)
        else:
            start, end, depth = line
            served = np.arange(seqs.size, dtype=np.int64)
        sent = np.maximum.accumulate(end) if end.size else end
        link = self._link("market_data", sent, sent, endpoint=True)
        latency = link.delivery - self.columns["ts_matching_out_ns"][seqs[served]]
        rejected = int(seqs.size - served.size)
        stats = {"arrivals": int(seqs.size), "served": int(served.size), "rejected": rejected,
                 "busy_ns": int((end - start).sum()), "max_queue_depth": depth,
                 "workers": config.workers}
        if rejected:
            stats["rejected.queue_full"] = rejected
        stats |= {"md_delivered": int(served.size), "md_latency_ns_total": int(latency.sum()),
                  "md_max_latency_ns": int(latency.max()) if latency.size else 0}
        self.components["stage.publisher"] = stats


def _publisher_loop(arrivals: Ints, service: Ints, config: StageConfig
                    ) -> tuple[Ints, Ints, Ints, int]:
    """The publisher message by message, when its bounded line turns some away.

    Returns the served positions, their starts and ends, and the deepest wait.
    """
    free = [-(2**62)] * config.workers
    waiting = WaitingLine(config.queue_capacity)
    kept: list[int] = []
    starts: list[int] = []
    draws = iter(service.tolist())
    for index, now in enumerate(arrivals.tolist()):
        start = free[0]
        if not waiting.admit(now, start):
            continue
        start = max(start, now)
        end = start + next(draws)
        kept.append(index)
        starts.append(start)
        heapq.heapreplace(free, end)
    start_array = np.array(starts, dtype=np.int64)
    used = service[: len(kept)]
    return np.array(kept, dtype=np.int64), start_array, start_array + used, waiting.max_depth


def _is_range(values: Ints) -> bool:
    """Whether ``values`` is ``0, 1, 2, ...`` (then whole-column slices replace gathers)."""
    return bool(values.size == 0 or (values[0] == 0 and values[-1] == values.size - 1
                                     and (np.diff(values) == 1).all()))


def _ignore(_name: str) -> None:
    """No one is timing the phases."""


def _sort_reasons(stats: dict[str, int]) -> None:
    """Put the ``rejected.<reason>`` counters after the others, sorted (``Stage.stats``)."""
    reasons = sorted((key, stats.pop(key)) for key in list(stats) if key.startswith("rejected."))
    stats.update(reasons)


def _session_keys(recorder: OrderRecorder, sessions: int) -> Ints:
    """Session key of every order (``sim.model.sessions``)."""
    keys = OrderSessions(recorder, sessions)
    if recorder.count:
        keys.of(recorder.count - 1)
    return np.asarray(keys.keys, dtype=np.int64)[: recorder.count]
