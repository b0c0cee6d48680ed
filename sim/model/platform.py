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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pyarrow as pa
import simpy

from sim.model.audit import AuditLog
from sim.model.client import ClientSessions
from sim.model.component import Receiver, Registry, WiringError
from sim.model.environment import SimulationEnvironment
from sim.model.failover_wiring import build_failovers
from sim.model.fault_schedule import schedule_faults
from sim.model.feed import ExchangeFeed
from sim.model.gateway import OrderGateway
from sim.model.injector import OrderInjector
from sim.model.link import LinkId, NetworkLink, build_link
from sim.model.matching import MatchingEngine
from sim.model.publisher import MarketDataPublisher
from sim.model.recorder import OrderRecorder
from sim.model.risk import RiskEngine
from sim.model.sampling import DurationSampler, make_sampler
from sim.model.server import Stage
from sim.model.sources import BatchSource, batches_per_source
from sim.model.strategy_session import StrategySession
from sim.model.strategy_wiring import build_sessions, route_reports, strategy_sources
from sim.model.subscribers import MarketDataFanout
from sim.rng import RandomStreams
from sim.scenario.faults import FailoverFault
from sim.scenario.inject import INJECT_SOURCE, expand_injections
from sim.scenario.link import LINK_NAMES
from sim.scenario.schema import LinkConfig, Scenario, StageConfig
from sim.strategy.api import Strategy
from sim.strategy.loading import load_strategies

__all__ = ["BatchSource", "Platform", "RunResult", "WiringError", "run_platform"]


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
        strategies: ``strategy_<name>.parquet`` tables by strategy name.
    """

    orders: pa.Table
    fills: pa.Table
    components: dict[str, dict[str, int]]
    sim_start_ns: int
    sim_end_ns: int
    events_processed: int
    direct_events_applied: int
    scheduled_events: int
    strategies: dict[str, pa.Table] = field(default_factory=dict)
    """Each strategy's ledger by name: its fills with fees and P&L after each."""


class Platform:
    """The baseline platform built from a scenario, ready to run once.

    Every component registers in :attr:`components` (:mod:`sim.model.component`);
    the wiring check, the counters and the scheduled-event count are loops over it.

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
        strategies: Sequence[Strategy] | None = None,
    ) -> None:
        self.scenario = scenario
        sources = scenario.data.sources
        names = [source.name for source in sources]
        if scenario.inject:
            names.append(INJECT_SOURCE)
        names += strategy_sources(scenario.strategies)
        room = sum(config.max_orders for config in scenario.strategies)
        self.recorder = recorder = OrderRecorder(
            capacity + len(expand_injections(scenario.inject)) + room, names
        )
        self.inject_origin_ns = inject_origin_ns
        self.env = env = SimulationEnvironment(0)
        """Starts at 0; the feeds' first wakes jump it to the first event's time."""
        self.components = Registry()
        """Every component by scope name."""
        add = self.components.add
        self._streams = streams = RandomStreams(scenario.seed)
        topology = scenario.topology
        self.links: dict[LinkId, NetworkLink] = {}
        """Every link by id (fan-out, injector and resend connections included)."""
        for hop in LINK_NAMES:
            if hop != "market_data" or topology.market_data is None:
                self._add_link(LinkId(hop), getattr(topology.links, hop))
        if scenario.inject:
            self._add_link(LinkId("client_to_gateway", injected=True),
                           topology.links.client_to_gateway)
        self.market_data = (
            MarketDataFanout(env, topology.market_data, streams, recorder)
            if topology.market_data is not None
            else None
        )
        """Subscribers and their links (``sim.model.subscribers``); ``None``: one link."""
        if self.market_data is not None:
            for link_id, link in self.market_data.links.items():
                self.links[link_id] = add(link)
            for subscriber in self.market_data.subscribers.values():
                add(subscriber)

        def sampler(name: str, config: StageConfig) -> DurationSampler:
            return make_sampler(config.service, streams.stream(f"stage.{name}"))

        self.gateway = add(OrderGateway(
            env, topology.gateway, sampler("gateway", topology.gateway), recorder))
        self.risk = add(RiskEngine(
            env, topology.risk, sampler("risk", topology.risk), recorder, scenario.risk,
            scenario.price_scale,
        ))
        self.matching = add(MatchingEngine(
            env, topology.matching, sampler("matching", topology.matching), recorder))
        self.publisher = add(MarketDataPublisher(
            env, topology.publisher, sampler("publisher", topology.publisher), recorder))
        self.stages: dict[str, Stage] = {
            "gateway": self.gateway, "risk": self.risk, "matching": self.matching,
        }
        """The stages a fault can target, by ``[topology]`` name."""
        audit = topology.audit
        self.audit = (
            add(AuditLog(env, audit, make_sampler(audit.write, streams.stream("audit"))))
            if audit is not None
            else None
        )
        self.failovers = build_failovers(
            env, scenario, recorder, self.stages, self.links,
            lambda link_id, like: self._add_link(link_id, like.config), self.audit,
        )
        for failover in self.failovers.values():
            add(failover)
        self.clients = add(ClientSessions(recorder))
        self.injector = (
            add(OrderInjector(env, scenario.inject, len(sources), recorder, self.matching))
            if scenario.inject
            else None
        )
        self.feeds = [
            add(ExchangeFeed(env, source, code, entry, recorder, self.matching, progress))
            for code, (source, entry) in enumerate(
                zip(sources, batches_per_source(batches, sources), strict=True)
            )
        ]
        self.sessions = self._build_sessions(strategies)
        """The strategies' sessions (:mod:`sim.model.strategy_session`), in scenario order."""
        self._wire()

    def _build_sessions(self, strategies: Sequence[Strategy] | None) -> list[StrategySession]:
        """Sessions of the scenario's strategies (loaded by import path unless given)."""
        configs = self.scenario.strategies
        if not configs:
            return []
        if strategies is None:
            strategies = load_strategies(self.scenario)
        sessions = build_sessions(
            configs, list(strategies), self.recorder, self.matching, self._add_scoped_link,
            lambda route: self._receiver("matching" if route == "direct" else "gateway"),
        )
        for session in sessions:
            self.components.add(session)
            session.data_end = self._data_end
        for feed in self.feeds:
            feed.reactive = True
        return sessions

    def _add_scoped_link(self, scope: str, config: LinkConfig) -> NetworkLink:
        """Build and register a link outside the platform's hops (a strategy's own)."""
        return self.components.add(
            build_link(self.env, scope, config, self._streams.stream(scope)))

    def _data_end(self) -> int | None:
        """The last data event's time once every feed is done, else None."""
        feeds = self.feeds
        if not all(feed.done for feed in feeds):
            return None
        return max((feed.last_ts_ns for feed in feeds if feed.events), default=self.env.now)

    def _add_link(self, link_id: LinkId, config: LinkConfig) -> NetworkLink:
        """Build the link ``link_id`` on its own named stream and register it."""
        scope = link_id.scope
        link = build_link(self.env, scope, config, self._streams.stream(scope))
        self.links[link_id] = self.components.add(link)
        return link

    def _wire(self) -> None:
        links = self.links
        reports: Receiver = links[LinkId("matching_to_client")].send
        routing = None
        if self.sessions:
            routing = self.components.add(
                route_reports(self.recorder, self.matching, self.sessions, reports))
            reports = routing.report
        client_link = links[LinkId("client_to_gateway")]
        for feed in self.feeds:
            if feed.full:
                feed.connect(client_link)
        client_link.connect(self._receiver("gateway"))
        self.gateway.connect_outputs(links[LinkId("gateway_to_risk")].send, reports)
        links[LinkId("gateway_to_risk")].connect(self._receiver("risk"))
        self.risk.connect_outputs(links[LinkId("risk_to_matching")].send, reports)
        if self.audit is not None:
            self.matching.use_audit_log(self.audit)
        links[LinkId("risk_to_matching")].connect(self._receiver("matching"))
        if self._orders_pass_risk():
            self.risk.watch(self.matching)  # its checks follow the books; else nobody asks
        if routing is not None:
            self.matching.add_listener(routing.book_changed)
        if self.injector is not None:
            inject_link = links[LinkId("client_to_gateway", injected=True)]
            self.injector.connect(inject_link)
            inject_link.connect(self._receiver("gateway"))
        self.matching.connect_outputs(self.publisher.arrive, reports)
        links[LinkId("matching_to_client")].connect_endpoint(self.clients.report_delivered)
        if self.market_data is not None:
            self.market_data.wire(self.publisher)
        else:
            market_data = links[LinkId("market_data")]
            self.publisher.connect_output(market_data.send_at)
            market_data.connect_endpoint(self.publisher.delivered)

    def _orders_pass_risk(self) -> bool:
        """Whether any order can reach risk: full-route data, injected or platform-routed."""
        return (any(feed.full for feed in self.feeds) or self.injector is not None
                or any(session.config.route == "platform" for session in self.sessions))

    def _receiver(self, stage: str) -> Receiver:
        """What the links into ``stage`` deliver to: its failover controller, or the stage."""
        failover = self.failovers.get(stage)
        return failover.arrive if failover is not None else self.stages[stage].arrive

    def _start_sessions(self, _event: simpy.Event) -> None:
        for session in self.sessions:
            session.start()

    def check_wiring(self) -> None:
        """Raise :class:`WiringError` naming every unconnected ``component.port``."""
        self.components.check_wiring()

    def run(self) -> RunResult:
        """Run until every event is replayed and every order has finished."""
        self.check_wiring()
        starts = [ts for ts in (feed.prime() for feed in self.feeds) if ts is not None]
        start_ns = min(starts) if starts else 0
        env = self.env
        if self.sessions:
            env.timeout(start_ns).callbacks.append(self._start_sessions)
        for feed in self.feeds:
            feed.start()
        origin_ns = start_ns if self.inject_origin_ns is None else self.inject_origin_ns
        if self.injector is not None:
            self.injector.start(origin_ns)
        if self.scenario.faults:
            schedule_faults(env, self.scenario.faults, origin_ns, self.stages, self.risk,
                            self.links)
        if self.audit is not None:
            failures = [origin_ns + fault.at for fault in self.scenario.faults
                        if isinstance(fault, FailoverFault)]
            self.matching.enable_journal(origin_ns, self.audit.config.snapshot_interval, failures)
        for failover in self.failovers.values():
            failover.start(origin_ns)
        env.run()
        for session in self.sessions:
            session.stop()
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
            strategies={session.config.name: session.ledger_table() for session in self.sessions},
        )

    def scheduled_events(self) -> int:
        """SimPy events scheduled so far: service ends, link deliveries, feed wakes, WAL writes."""
        return self.components.scheduled_events()

    def stats(self) -> dict[str, dict[str, int]]:
        """Counters of every component by scope name, in sorted order."""
        return self.components.stats()


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
