"""Failover controllers on a built platform, and the new connections resends take.

A lost order is resent over a new connection to the promoted standby: a copy of
the link it first took (``LinkId(hop, resend=True)``, same config, its own
stream), so a resend never queues behind messages the old connection still carries.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from sim.model.audit import AuditLog
from sim.model.environment import SimulationEnvironment
from sim.model.failover import StageFailover
from sim.model.link import LinkId, NetworkLink
from sim.model.recorder import OrderRecorder
from sim.model.server import Stage
from sim.scenario.faults import FailoverFault
from sim.scenario.inject import INJECT_SOURCE
from sim.scenario.schema import Scenario

INBOUND: dict[str, tuple[tuple[LinkId, ...], str]] = {
    "gateway": (
        (LinkId("client_to_gateway"), LinkId("client_to_gateway", injected=True)),
        "ts_sent_ns",
    ),
    "risk": ((LinkId("gateway_to_risk"),), "ts_gateway_out_ns"),
    "matching": ((LinkId("risk_to_matching"),), "ts_risk_out_ns"),
}
"""Per stage: the links into it and the recorder column with each order's send time on them."""

AddLink = Callable[[LinkId, NetworkLink], NetworkLink]
"""Builds and registers a link with the config of the given one."""


def build_failovers(
    env: SimulationEnvironment,
    scenario: Scenario,
    recorder: OrderRecorder,
    stages: Mapping[str, Stage],
    links: Mapping[LinkId, NetworkLink],
    copy_link: AddLink,
    audit: AuditLog | None,
) -> dict[str, StageFailover]:
    """A failover controller per ``failover`` fault, by target stage, with its resend links.

    The scenario's schema has made sure each target has a standby (and the matching
    engine an audit log), once per target.
    """
    failovers: dict[str, StageFailover] = {}
    for fault in scenario.faults:
        if not isinstance(fault, FailoverFault):
            continue
        inbound, sent_column = INBOUND[fault.target]
        resends = {
            link_id: copy_link(link_id._replace(resend=True), links[link_id])
            for link_id in inbound if link_id in links
        }
        failover = StageFailover(
            env, fault, getattr(scenario.topology.standbys, fault.target),
            stages[fault.target], _resend_route(inbound, resends, recorder), sent_column,
            recorder, audit if fault.target == "matching" else None,
        )
        for link in resends.values():
            link.connect(failover.arrive)
        failovers[fault.target] = failover
    return failovers


def _resend_route(
    inbound: tuple[LinkId, ...], resends: Mapping[LinkId, NetworkLink], recorder: OrderRecorder
) -> Callable[[int], NetworkLink]:
    """Which resend link each order takes: the copy of the link it first took.

    Injected orders take the copy of their own link (the second inbound, when built).
    """
    main = resends[inbound[0]]
    injected = resends.get(inbound[1]) if len(inbound) > 1 else None
    if injected is None or INJECT_SOURCE not in recorder.sources:
        return lambda _seq: main
    inject_source = recorder.sources.index(INJECT_SOURCE)
    source = recorder.view("source")
    return lambda seq: injected if source[seq] == inject_source else main
