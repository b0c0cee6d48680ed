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
from sim.fast.links import LinkTimes, send
from sim.fast.matching import FastMatching
from sim.fast.queues import AmbiguousOrderError, StageTimes, fifo_stage, session_stage
from sim.fast.refusal import fast_engine_refusal
from sim.fast.risk import risk_reasons
from sim.model.platform import RunResult
from sim.model.recorder import RISK, OrderRecorder
from sim.model.sessions import OrderSessions
from sim.model.sources import BatchSource, batches_per_source
from sim.rng import RandomStreams
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
             progress: Callable[[int], None] | None = None) -> RunResult:
    """Run ``scenario`` on the fast engine (as :func:`sim.model.platform.run_platform`).

    Raises:
        ScenarioError: The scenario or its data needs the SimPy engine (the reason, one line).
    """
    refusal = fast_engine_refusal(scenario)
    if refusal is not None:
        raise ScenarioError(f"{scenario.source}: engine = \"fast\": {refusal}")
    source = scenario.data.sources[0]
    recorder = OrderRecorder(capacity, [source.name])
    feed = read_feed(source, batches_per_source(batches, [source])[0], recorder, progress)
    try:
        return _Run(scenario, recorder).result(feed)
    except AmbiguousOrderError as error:
        raise ScenarioError(f"{scenario.source}: engine = \"fast\": {error}") from None


class _Run:
    """One fast run: the stages and links in path order, then books and reports."""

    def __init__(self, scenario: Scenario, recorder: OrderRecorder) -> None:
        self.scenario = scenario
        self.recorder = recorder
        self.streams = RandomStreams(scenario.seed)
        self.columns = recorder.columns
        self.components: dict[str, dict[str, int]] = {}
        self.last_event = -(2**62)
        self.scheduled = 0

    def _link(self, name: str, sent: Ints, now: Ints, endpoint: bool = False) -> LinkTimes:
        link = getattr(self.scenario.topology.links, name)
        times = send(link, f"link.{name}", self.streams, sent, now, endpoint)
        self.components[f"link.{name}"] = times.stats
        self.scheduled += times.stats["scheduled"]
        if times.delivery.size:
            self.last_event = max(self.last_event, int(times.delivery[-1]))
        return times

    def _stage(self, name: str, seqs: Ints, arrivals: Ints, scheduled: Ints) -> StageTimes:
        """Serve ``seqs`` arriving at ``arrivals``; stamp them; return the stage's times."""
        config: StageConfig = getattr(self.scenario.topology, name)
        service = durations(config.service, self.streams.stream(f"stage.{name}"), seqs.size)
        ordered = config.ordering is StageOrdering.SESSION and config.workers > 1
        if ordered:
            keys = _session_keys(self.recorder, config.sessions)[seqs]
            times = session_stage(arrivals, scheduled, keys, service, config.workers,
                                  config.queue_capacity, name)
        else:
            times = fifo_stage(arrivals, service, config.workers, config.queue_capacity, name)
        columns = self.columns
        columns[f"ts_{name}_in_ns"][seqs] = arrivals
        columns[f"ts_{name}_start_ns"][seqs] = times.start
        columns[f"ts_{name}_out_ns"][seqs] = times.end
        stats = {"arrivals": int(seqs.size), "served": int(seqs.size), "rejected": 0,
                 "busy_ns": int((times.end - times.start).sum()),
                 "max_queue_depth": times.max_queue_depth, "workers": config.workers}
        if ordered:
            stats["session_waits"] = times.session_waits
        self.components[f"stage.{name}"] = stats
        self.scheduled += int(seqs.size)
        if seqs.size:
            self.last_event = max(self.last_event, int(times.end.max()))
        return times

    def _hop(self, link: str, stage: str, leg: _Leg) -> tuple[StageTimes, _Leg]:
        """Send ``leg`` over ``link`` into ``stage``; return the stage and its departures."""
        delivered = self._link(link, leg.times, leg.times)
        scheduled = np.where(delivered.at_once, -1, leg.times)
        times = self._stage(stage, leg.seqs, delivered.delivery, scheduled)
        order = times.departures
        return times, _Leg(leg.seqs[order], times.end[order], times.start[order])

    def result(self, feed: FeedRead) -> RunResult:
        """Run every step; return the tables and counters."""
        recorder = self.recorder
        count = recorder.count
        seqs = np.arange(count, dtype=np.int64)
        sent = self.columns["ts_sent_ns"][:count].copy()
        client = self._link("client_to_gateway", sent, feed.posted)
        scheduled = np.where(client.at_once, -1, feed.posted)
        gateway = self._stage("gateway", seqs, client.delivery, scheduled)
        order = gateway.departures
        _, risk_out = self._hop("gateway_to_risk", "risk",
                                _Leg(seqs[order], gateway.end[order], gateway.start[order]))
        reasons = risk_reasons(self.scenario, recorder, risk_out.seqs, risk_out.times)
        refused = reasons >= 0
        self._risk_rejects(risk_out.seqs[refused], reasons[refused])
        passed = _Leg(risk_out.seqs[~refused], risk_out.times[~refused],
                      risk_out.scheduled[~refused])
        _, matched = self._hop("risk_to_matching", "matching", passed)
        matching = FastMatching(recorder, feed.tif)
        changed = np.array(matching.apply(matched.seqs.tolist(), matched.times.tolist()),
                           dtype=bool)
        matching.finish()
        self._matching_counters(matching)
        rejected = _Leg(risk_out.seqs[refused], risk_out.times[refused],
                        risk_out.scheduled[refused])
        self._reports(rejected, matched)
        self._publish(matched.seqs[changed], matched.times[changed])
        self.components["feed." + recorder.sources[0]] = feed.stats
        self.components["clients"] = {"reports": int(count)}
        self.scheduled += feed.stats["wakes"]
        end_ns = max([self.last_event, feed.last_ts_ns] if count or feed.stats["events"]
                     else [0])
        return RunResult(
            orders=recorder.to_arrow(), fills=recorder.fills_to_arrow(),
            components=dict(sorted(self.components.items())),
            sim_start_ns=feed.first_ts_ns or 0, sim_end_ns=end_ns,
            events_processed=feed.stats["events"], direct_events_applied=0,
            scheduled_events=self.scheduled)

    def _risk_rejects(self, seqs: Ints, reasons: Ints) -> None:
        """Mark refused orders rejected at risk; count them by reason."""
        stats = self.components["stage.risk"]
        stats["rejected"] = int(seqs.size)
        labels: dict[str, int] = {}
        for seq, code in zip(seqs.tolist(), reasons.tolist(), strict=True):
            reason = _REASONS[code]
            self.recorder.reject(seq, RISK, reason)
            labels[reason.label] = labels.get(reason.label, 0) + 1
        for label, number in sorted(labels.items()):
            stats[f"rejected.{label}"] = number

    def _matching_counters(self, matching: FastMatching) -> None:
        stats = self.components["stage.matching"]
        stats["rejected"] = sum(matching.rejected_by_reason.values())
        for label, number in sorted(matching.rejected_by_reason.items()):
            stats[f"rejected.{label}"] = number
        stats["book_changes"] = matching.book_changes
        stats["history_applied"] = 0

    def _reports(self, rejected: _Leg, matched: _Leg) -> None:
        """Every order's report over ``matching_to_client``, in SimPy's send order."""
        times = np.concatenate((rejected.times, matched.times))
        scheduled = np.concatenate((rejected.scheduled, matched.scheduled))
        seqs = np.concatenate((rejected.seqs, matched.seqs))
        origin = np.concatenate((np.zeros(rejected.seqs.size, np.int8),
                                 np.ones(matched.seqs.size, np.int8)))
        order = np.lexsort((scheduled, times))
        times, scheduled, origin = times[order], scheduled[order], origin[order]
        same = (times[1:] == times[:-1]) & (scheduled[1:] == scheduled[:-1])
        if (same & (origin[1:] != origin[:-1])).any():
            raise AmbiguousOrderError(
                "a risk reject and a matching report leave at the same nanosecond from "
                "events made at the same time; their order is not known; use engine = \"simpy\"")
        link = self._link("matching_to_client", times, times, endpoint=True)
        self.columns["ts_ack_ns"][seqs[order]] = link.delivery

    def _publish(self, seqs: Ints, arrivals: Ints) -> None:
        """The sequenced publisher (``MarketDataPublisher.arrive``) and ``market_data``."""
        config = self.scenario.topology.publisher
        service = durations(config.service, self.streams.stream("stage.publisher"), seqs.size)
        free = [-(2**62)] * config.workers
        waiting = WaitingLine(config.queue_capacity)
        departures: list[int] = []
        kept: list[int] = []
        busy = 0
        last = -(2**62)
        draws = iter(service.tolist())
        for index, now in enumerate(arrivals.tolist()):
            start = free[0]
            if not waiting.admit(now, start):
                continue
            start = max(start, now)
            end = start + next(draws)
            last = max(last, end)
            departures.append(last)
            kept.append(index)
            busy += end - start
            heapq.heapreplace(free, end)
        served = np.array(kept, dtype=np.int64)
        sent = np.array(departures, dtype=np.int64)
        link = self._link("market_data", sent, sent, endpoint=True)
        latency = link.delivery - self.columns["ts_matching_out_ns"][seqs[served]]
        rejected = int(seqs.size - served.size)
        stats = {"arrivals": int(seqs.size), "served": int(served.size), "rejected": rejected,
                 "busy_ns": busy, "max_queue_depth": waiting.max_depth,
                 "workers": config.workers}
        if rejected:
            stats["rejected.queue_full"] = rejected
        stats |= {"md_delivered": int(served.size), "md_latency_ns_total": int(latency.sum()),
                  "md_max_latency_ns": int(latency.max()) if latency.size else 0}
        self.components["stage.publisher"] = stats


def _session_keys(recorder: OrderRecorder, sessions: int) -> Ints:
    """Session key of every order (``sim.model.sessions``)."""
    keys = OrderSessions(recorder, sessions)
    if recorder.count:
        keys.of(recorder.count - 1)
    return np.asarray(keys.keys, dtype=np.int64)[: recorder.count]
