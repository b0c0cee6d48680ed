"""Scheduled faults on a built platform: pauses, kill switches and link windows.

Failovers are not here: each has a controller of its own
(:mod:`sim.model.failover`, wired by :mod:`sim.model.failover_wiring`) that
schedules its own events.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from sim.model.environment import SimulationEnvironment
from sim.model.link import LinkId, NetworkLink
from sim.model.risk import RiskEngine
from sim.model.server import Stage
from sim.scenario.faults import (
    FailoverFault,
    Fault,
    KillSwitchFault,
    LinkDegradeFault,
    PauseFault,
)


def schedule_faults(
    env: SimulationEnvironment,
    faults: Sequence[Fault],
    origin_ns: int,
    stages: Mapping[str, Stage],
    risk: RiskEngine,
    links: Mapping[LinkId, NetworkLink],
) -> None:
    """Open and close every fault window at ``origin_ns + at`` (one timeout per edge).

    Link windows are fixed by send time up front (feeds post sends ahead of time) on
    every connection over the named hop (the injector's, the resend and fan-out links
    too); a pause and a kill switch take one timeout at their start and one at their end.
    """
    now = env.now
    for fault in faults:
        if isinstance(fault, FailoverFault):
            continue
        start = origin_ns + fault.at
        end = start + fault.duration
        if isinstance(fault, PauseFault):
            stage = stages[fault.target]
            _at(env, max(0, start - now), stage.pause)
            _at(env, max(0, end - now), stage.resume)
        elif isinstance(fault, KillSwitchFault):
            risk.schedule_kill_switch(start, end, fault.account)
        else:
            degrade = fault if isinstance(fault, LinkDegradeFault) else None
            for link_id, link in links.items():
                if link_id.hop == fault.link:
                    link.add_fault_window(
                        start, end,
                        latency_multiplier=degrade.latency_multiplier if degrade else 1,
                        hold=degrade is None,
                        extra_loss=degrade.extra_loss if degrade else 0.0,
                    )


def _at(env: SimulationEnvironment, delay_ns: int, action: Callable[[], None]) -> None:
    """Call ``action`` after ``delay_ns`` (one timeout)."""
    env.timeout(delay_ns).callbacks.append(lambda _event: action())
