"""Wiring of the baseline platform and the one call that runs it.

::

    feed -client_to_gateway-> gateway -gateway_to_risk-> risk -risk_to_matching-> matching
                                 |                        |                       |    |
                                 +------- rejects --------+-- matching_to_client -+    |
                                                               --> clients         publisher
                                                                                   -market_data->

:class:`Platform` builds every component from the scenario, each with its own
named random stream (``stage.<name>``, ``link.<name>``; built in sorted order),
and checks that every output is connected before simulated time starts.
:func:`run_platform` runs it to completion and returns a :class:`RunResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa
import simpy

from sim.data.events import EventColumns
from sim.errors import SimError
from sim.model.audit import AuditLog
from sim.model.client import ClientSessions
from sim.model.environment import SimulationEnvironment
from sim.model.failover import StageFailover
from sim.model.feed import ExchangeFeed
from sim.model.gateway import OrderGateway
from sim.model.injector import OrderInjector
from sim.model.link import NetworkLink, build_link
from sim.model.matching import MatchingEngine
from sim.model.publisher import MarketDataPublisher
from sim.model.recorder import OrderRecorder
from sim.model.risk import RiskEngine
from sim.model.sampling import make_sampler
from sim.model.server import Stage
from sim.model.subscribers import MarketDataFanout
from sim.rng import RandomStreams
from sim.scenario.faults import (
    FailoverFault,
    KillSwitchFault,
    LinkDegradeFault,
    PauseFault,
)
from sim.scenario.inject import INJECT_SOURCE, expand_injections
from sim.scenario.link import LINK_NAMES
from sim.scenario.schema import Scenario, SourceConfig

Batches = Iterable[EventColumns] | Callable[[], Iterable[EventColumns]]
"""One source's batches, or a zero-argument function returning them (called once, at build)."""
BatchSource = Mapping[str, Batches] | Sequence[Batches] | Callable[[], Iterable[EventColumns]]
"""Batches of every source: by source name, one entry per source in scenario order, or
(single-source scenarios only) one zero-argument function."""



class WiringError(SimError):
    """A component output is not connected; raised before simulated time starts."""


@dataclass(frozen=True)
class RunResult:
    """Everything a run produced.

    Attributes:
        orders: One row per order (see :meth:`OrderRecorder.to_arrow`).
        fills: One row per trade involving a model order.
        components: Counters per component scope name (``stage.gateway``, ``link.market_data``,
            ``feed.<source>``, ``clients``, ``subscriber.<name>``), each a flat
            ``name -> int`` mapping.
        sim_start_ns: Simulation time of the first event.
        sim_end_ns: Simulation time of the last thing that happened.
        events_processed: Input rows consumed by all feeds.
        direct_events_applied: History rows applied to the books (direct route and executes).
        scheduled_events: SimPy events scheduled (service ends, link deliveries, feed wakes).
    """

    orders: pa.Table
    fills: pa.Table
    components: dict[str, dict[str, int]]
    sim_start_ns: int
    sim_end_ns: int
    events_processed: int
    direct_events_applied: int
    scheduled_events: int


class Platform:
    """The baseline platform built from a scenario, ready to run once.

    Args:
        scenario: The resolved scenario.
        batches: Event batches for each of ``scenario.data.sources``.
        capacity: Most orders the feeds can create (the data's total row count); room for
            the scenario's injected orders is added.
        progress: Called with the number of rows each feed consumed, batch by batch.
        inject_origin_ns: Time injected orders' ``at`` counts from; None: the first event.
    """

    def __init__(
        self,
        scenario: Scenario,
        batches: BatchSource,
        capacity: int,
        progress: Callable[[int], None] | None = None,
        inject_origin_ns: int | None = None,
    ) -> None:
        self.scenario = scenario
        sources = scenario.data.sources
        names = [source.name for source in sources]
        if scenario.inject:
            names.append(INJECT_SOURCE)
        self.recorder = OrderRecorder(
            capacity + len(expand_injections(scenario.inject)), names
        )
        self.inject_origin_ns = inject_origin_ns
        self.env = env = SimulationEnvironment(0)
        """Starts at 0; the feeds' first wakes jump it to the first event's time."""
        streams = RandomStreams(scenario.seed)
        topology = scenario.topology
        stage_configs = {
            "stage.gateway": topology.gateway,
            "stage.matching": topology.matching,
            "stage.publisher": topology.publisher,
            "stage.risk": topology.risk,
        }
        samplers = {
            name: make_sampler(config.service, streams.stream(name))
            for name, config in sorted(stage_configs.items())
        }
        self.links: dict[str, NetworkLink] = {}
        for name in sorted(LINK_NAMES):
            if name == "market_data" and topology.market_data is not None:
                continue  # replaced by the subscribers' links
            config = getattr(topology.links, name)
            scope = f"link.{name}"
            self.links[name] = build_link(env, scope, config, streams.stream(scope))
        if scenario.inject:
            scope = "link.client_to_gateway.inject"
            config = topology.links.client_to_gateway
            self.links["client_to_gateway.inject"] = build_link(
                env, scope, config, streams.stream(scope)
            )
        self.market_data = (
            MarketDataFanout(env, topology.market_data, streams, self.recorder)
            if topology.market_data is not None
            else None
        )
        """Subscribers and their links (``sim.model.subscribers``); ``None``: one link."""
        if self.market_data is not None:
            self.links.update(self.market_data.links)
        recorder = self.recorder
        self.gateway = OrderGateway(env, topology.gateway, samplers["stage.gateway"], recorder)
        self.risk = RiskEngine(
            env,
            topology.risk,
            samplers["stage.risk"],
            recorder,
            scenario.risk,
            scenario.price_scale,
        )
        self.matching = MatchingEngine(env, topology.matching, samplers["stage.matching"], recorder)
        audit = topology.audit
        self.audit = (
            AuditLog(env, audit, make_sampler(audit.write, streams.stream("audit")))
            if audit is not None
            else None
        )
        self.failovers = self._build_failovers(streams)
        self.publisher = MarketDataPublisher(
            env, topology.publisher, samplers["stage.publisher"], recorder
        )
        self.clients = ClientSessions(recorder)
        self.injector = (
            OrderInjector(env, scenario.inject, len(sources), recorder, self.matching)
            if scenario.inject
            else None
        )
        self.feeds = [
            ExchangeFeed(env, source, code, _iterable(entry), recorder, self.matching, progress)
            for code, (source, entry) in enumerate(
                zip(sources, _batches_of(batches, sources), strict=True)
            )
        ]
        self._wire()

    def _wire(self) -> None:
        links = self.links
        reports = links["matching_to_client"].send
        for feed in self.feeds:
            if feed.full:
                feed.connect(links["client_to_gateway"])
        links["client_to_gateway"].connect(self._receiver("gateway"))
        self.gateway.connect_outputs(links["gateway_to_risk"].send, reports)
        links["gateway_to_risk"].connect(self._receiver("risk"))
        self.risk.connect_outputs(links["risk_to_matching"].send, reports)
        if self.audit is not None:
            self.matching.use_audit_log(self.audit)
        links["risk_to_matching"].connect(self._receiver("matching"))
        self.risk.watch(self.matching)
        if self.injector is not None:
            self.injector.connect(links["client_to_gateway.inject"])
            links["client_to_gateway.inject"].connect(self._receiver("gateway"))
        self.matching.connect_outputs(self.publisher.arrive, reports)
        links["matching_to_client"].connect_endpoint(self.clients.report_delivered)
        if self.market_data is not None:
            self.market_data.wire(self.publisher)
        else:
            self.publisher.connect_output(links["market_data"].send_at)
            links["market_data"].connect_endpoint(self.publisher.delivered)

    @property
    def stages(self) -> dict[str, Stage | MarketDataPublisher]:
        """The servers by scope name."""
        return {
            stage.name: stage for stage in (self.gateway, self.risk, self.matching, self.publisher)
        }

    def check_wiring(self) -> None:
        """Raise :class:`WiringError` naming every unconnected component."""
        loose = [name for name, stage in self.stages.items() if not stage.connected]
        loose += [link.name for link in self.links.values() if not link.connected]
        loose += [feed.name for feed in self.feeds if not feed.connected]
        if self.injector is not None and not self.injector.connected:
            loose.append(self.injector.name)
        if loose:
            raise WiringError(f"unconnected components: {', '.join(sorted(loose))}")

    def run(self) -> RunResult:
        """Run until every event is replayed and every order has finished."""
        self.check_wiring()
        starts = [ts for ts in (feed.prime() for feed in self.feeds) if ts is not None]
        start_ns = min(starts) if starts else 0
        env = self.env
        for feed in self.feeds:
            feed.start()
        origin_ns = start_ns if self.inject_origin_ns is None else self.inject_origin_ns
        if self.injector is not None:
            self.injector.start(origin_ns)
        if self.scenario.faults:
            self._schedule_faults(origin_ns)
        if self.audit is not None:
            failures = [origin_ns + fault.at for fault in self.scenario.faults
                        if isinstance(fault, FailoverFault)]
            self.matching.enable_journal(origin_ns, self.audit.config.snapshot_interval, failures)
        for failover in self.failovers.values():
            failover.start(origin_ns)
        env.run()
        self.matching.finish()
        end_ns = max(
            [
                env.now,
                *(feed.last_ts_ns for feed in self.feeds if feed.events),
                *(link.last_delivery_ns for link in self.links.values() if link.messages),
            ]
        )
        return RunResult(
            orders=self.recorder.to_arrow(),
            fills=self.recorder.fills_to_arrow(),
            components=self.stats(),
            sim_start_ns=start_ns,
            sim_end_ns=end_ns,
            events_processed=sum(feed.events for feed in self.feeds),
            direct_events_applied=sum(feed.history for feed in self.feeds),
            scheduled_events=self.scheduled_events(),
        )

    def _schedule_faults(self, origin_ns: int) -> None:
        """Open and close every fault window at ``origin_ns + at`` (one timeout per edge).

        Link windows are fixed by send time up front (feeds post sends ahead of time);
        a pause and a kill switch take one timeout at their start and one at their end.
        """
        stages = self._stage_by_name
        now = self.env.now
        for fault in self.scenario.faults:
            if isinstance(fault, FailoverFault):
                continue  # the failover controller schedules its own events
            start = origin_ns + fault.at
            end = start + fault.duration
            if isinstance(fault, PauseFault):
                stage = stages[fault.target]
                self.env.timeout(max(0, start - now), stage).callbacks.append(_pause)
                self.env.timeout(max(0, end - now), stage).callbacks.append(_resume)
                continue
            if isinstance(fault, KillSwitchFault):
                self.risk.schedule_kill_switch(start, end, fault.account)
                continue
            degrade = fault if isinstance(fault, LinkDegradeFault) else None
            for name, link in self.links.items():  # also `.inject` and `market_data.<name>`
                if name == fault.link or name.startswith(f"{fault.link}."):
                    link.add_fault_window(
                        start, end,
                        latency_multiplier=degrade.latency_multiplier if degrade else 1,
                        hold=degrade is None,
                        extra_loss=degrade.extra_loss if degrade else 0.0,
                    )

    def _receiver(self, stage: str) -> Callable[[int], None]:
        """What the links into ``stage`` deliver to: its failover controller, or the stage."""
        failover = self.failovers.get(stage)
        return failover.arrive if failover is not None else self._stage_by_name[stage].arrive

    @property
    def _stage_by_name(self) -> dict[str, Stage]:
        return {"gateway": self.gateway, "risk": self.risk, "matching": self.matching}

    def _build_failovers(self, streams: RandomStreams) -> dict[str, StageFailover]:
        """A failover controller per ``failover`` fault, by target stage.

        The scenario's schema has made sure each target has a standby (and the matching
        engine an audit log), once per target. A lost order is resent over a new
        connection to the promoted standby: a copy of the link it first took
        (``<link>.resend``, same config, its own stream), so a resend never queues
        behind messages the old connection still carries.
        """
        inject_source = (
            self.recorder.sources.index(INJECT_SOURCE)
            if INJECT_SOURCE in self.recorder.sources else -1
        )
        source = self.recorder.view("source")
        links = self.links
        failovers: dict[str, StageFailover] = {}
        for fault in self.scenario.faults:
            if not isinstance(fault, FailoverFault):
                continue
            inbound, sent_column = _INBOUND[fault.target]
            for name in inbound:
                if name in links:
                    scope = f"link.{name}.resend"
                    links[f"{name}.resend"] = build_link(
                        self.env, scope, links[name].config, streams.stream(scope)
                    )
            resend_link = _resend_route(inbound, links, source, inject_source)
            failover = StageFailover(
                self.env, fault, getattr(self.scenario.topology.standbys, fault.target),
                self._stage_by_name[fault.target], resend_link, sent_column, self.recorder,
                self.audit if fault.target == "matching" else None,
            )
            for name in inbound:
                if f"{name}.resend" in links:
                    links[f"{name}.resend"].connect(failover.arrive)
            failovers[fault.target] = failover
        return failovers

    def scheduled_events(self) -> int:
        """SimPy events scheduled so far: service ends, link deliveries, feed wakes, WAL writes."""
        return (
            sum(stage.served for stage in (self.gateway, self.risk, self.matching))
            + sum(link.scheduled for link in self.links.values())
            + sum(feed.wakes for feed in self.feeds)
            + (self.injector.sent if self.injector is not None else 0)
            + (self.audit.writes if self.audit is not None else 0)
            + sum(failover.scheduled for failover in self.failovers.values())
        )

    def stats(self) -> dict[str, dict[str, int]]:
        """Counters of every component by scope name, in sorted order."""
        stats: dict[str, dict[str, int]] = {"clients": self.clients.stats()}
        for name, stage in self.stages.items():
            stats[name] = stage.stats()
        for link in self.links.values():
            stats[link.name] = link.stats()
        for feed in self.feeds:
            stats[feed.name] = feed.stats()
        if self.audit is not None:
            stats[self.audit.name] = self.audit.stats()
        for failover in self.failovers.values():
            stats[failover.name] = failover.stats()
        if self.injector is not None:
            stats[self.injector.name] = self.injector.stats()
        if self.market_data is not None:
            stats.update(self.market_data.stats())
        return dict(sorted(stats.items()))


_INBOUND: dict[str, tuple[tuple[str, ...], str]] = {
    "gateway": (("client_to_gateway", "client_to_gateway.inject"), "ts_sent_ns"),
    "risk": (("gateway_to_risk",), "ts_gateway_out_ns"),
    "matching": (("risk_to_matching",), "ts_risk_out_ns"),
}
"""Per stage: the links into it and the recorder column with each order's send time on them."""


def _resend_route(
    inbound: tuple[str, ...], links: Mapping[str, NetworkLink], source: memoryview,
    inject_source: int,
) -> Callable[[int], NetworkLink]:
    """Which resend link each order takes: the copy of the first inbound link.

    Injected orders take the copy of their own link (the second inbound, when built).
    """
    main = links[f"{inbound[0]}.resend"]
    injected = links.get(f"{inbound[1]}.resend") if len(inbound) > 1 else None
    if injected is None:
        return lambda _seq: main
    return lambda seq: injected if source[seq] == inject_source else main


def _pause(event: simpy.Event) -> None:
    stage: Stage = event.value  # type: ignore[assignment]
    stage.pause()


def _resume(event: simpy.Event) -> None:
    stage: Stage = event.value  # type: ignore[assignment]
    stage.resume()


def _batches_of(batches: BatchSource, sources: Sequence[SourceConfig]) -> list[Batches]:
    """One entry per source, in scenario order."""
    if isinstance(batches, Mapping):
        missing = [source.name for source in sources if source.name not in batches]
        if missing:
            raise WiringError(f"no event batches given for sources: {', '.join(missing)}")
        return [batches[source.name] for source in sources]
    if callable(batches):
        if len(sources) != 1:
            raise WiringError(
                f"one batch function given for {len(sources)} sources; pass one per source"
            )
        return [batches]
    listed = list(batches)
    if len(listed) != len(sources):
        raise WiringError(f"{len(listed)} batch sources given for {len(sources)} sources")
    return listed


def _iterable(entry: Batches) -> Iterable[EventColumns]:
    return entry() if callable(entry) else entry


def run_platform(
    scenario: Scenario,
    batches: BatchSource,
    capacity: int,
    *,
    progress: Callable[[int], None] | None = None,
    inject_origin_ns: int | None = None,
) -> RunResult:
    """Build the baseline platform for ``scenario``, replay ``batches`` through it, return results.

    Args:
        scenario: The resolved scenario (topology, risk limits, seed, sources).
        batches: Time-sorted event batches per source, by name or as a function of the
            source config.
        capacity: Upper bound on orders created (the data's total row count is safe).
        progress: Called with the number of input rows consumed, batch by batch.
        inject_origin_ns: Time injected orders' ``at`` counts from; None: the first event.
    """
    return Platform(scenario, batches, capacity, progress, inject_origin_ns).run()
