"""Scheduled faults (``[[faults]]`` in a scenario file): stalls, degraded and partitioned links.

Each entry is one fault active during ``[at, at + duration)``, ``at`` counted from
the start of the replayed data window (like ``[[inject]]``). Kinds::

    [[faults]]
    kind = "pause"             # a GC-like stall of one stage
    target = "matching"        # gateway | risk | matching
    at = "2s"
    duration = "5ms"

    [[faults]]
    kind = "link_degrade"      # the link's latency draws are multiplied
    link = "risk_to_matching"  # a [topology.links] name
    at = "1s"
    duration = "100ms"
    latency_multiplier = 10    # int >= 1

    [[faults]]
    kind = "partition"         # messages sent in the window are held until it ends
    link = "client_to_gateway"
    at = "3s"
    duration = "50ms"

    [[faults]]
    kind = "failover"          # the primary dies; heartbeats detect it, a standby takes over
    target = "matching"        # needs [topology.standbys.matching] and [topology.audit]
    at = "4s"                  # no duration: the outage lasts as long as recovery takes

A paused stage starts no new service during the window: arrivals queue up (a full
queue still rejects with ``queue_full``), work already in service finishes, and
queued work starts when the window ends. A degraded link multiplies the latency
draw of every message *sent* in the window; a partitioned link holds every message
sent in the window and delivers it at the window's end plus its normal delay
(nothing is lost). FIFO links stay FIFO. Faults on ``client_to_gateway`` also apply
to injected orders' copy of that link.

A failover's outage window is computed by the run (detection, snapshot load, WAL
replay, redirection; see :mod:`sim.model.failover`).

Targets, links and times are checked when the run starts (:func:`check_faults`);
errors name ``faults[i].<key>``. A scenario without faults runs exactly as before.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Annotated, Final, Literal

from pydantic import BeforeValidator, Field

from sim.errors import ScenarioError
from sim.scenario.types import FrozenModel, _duration

PAUSE_TARGETS: Final[tuple[str, ...]] = ("gateway", "risk", "matching")
"""Stages a ``pause`` fault can stall."""

FAULT_LINKS: Final[tuple[str, ...]] = (
    "client_to_gateway",
    "gateway_to_risk",
    "risk_to_matching",
    "matching_to_client",
    "market_data",
)
"""Links a ``link_degrade`` or ``partition`` fault can name (the ``[topology.links]`` keys)."""

SignedDurationNs = Annotated[int, BeforeValidator(_duration)]
"""A duration in int ns, sign unchecked here (:func:`check_faults` names bad values)."""


class _FaultBase(FrozenModel):
    at: SignedDurationNs
    """Start of the window, after the start of the data window (int ns)."""
    duration: SignedDurationNs
    """Length of the window (int ns, > 0; checked by :func:`check_faults`)."""


class PauseFault(_FaultBase):
    """A stage starts no new service during the window."""

    kind: Literal["pause"]
    target: str


class LinkDegradeFault(_FaultBase):
    """A link's latency draws are multiplied for messages sent during the window."""

    kind: Literal["link_degrade"]
    link: str
    latency_multiplier: int = Field(default=10, ge=1)


class PartitionFault(_FaultBase):
    """A link holds messages sent during the window and delivers them when it ends."""

    kind: Literal["partition"]
    link: str


class FailoverFault(FrozenModel):
    """The target dies at ``at``; a standby is promoted once heartbeats detect it."""

    kind: Literal["failover"]
    target: str
    at: SignedDurationNs


FAILOVER_TARGETS: Final[tuple[str, ...]] = ("matching",)
"""Components a ``failover`` fault can kill (those with a standby and a WAL to replay)."""

Fault = Annotated[
    PauseFault | LinkDegradeFault | PartitionFault | FailoverFault, Field(discriminator="kind")
]
"""One ``[[faults]]`` entry, chosen by its ``kind``."""


def fault_subject(fault: Fault) -> str:
    """The stage or link a fault acts on."""
    return fault.target if isinstance(fault, PauseFault | FailoverFault) else fault.link


def check_faults(
    faults: Sequence[Fault],
    window_ns: int | None,
    standbys: Collection[str] = (),
    audit_log: bool = False,
) -> None:
    """Raise :class:`ScenarioError` naming ``faults[i].<key>`` on a bad fault.

    Args:
        faults: The scenario's faults.
        window_ns: Length of the data window (``None``: unknown, only ``at >= 0`` holds).
        standbys: Components that have a standby (``[topology.standbys.<name>]``).
        audit_log: Whether ``[topology.audit]`` is configured (a failover replays it).
    """
    for index, fault in enumerate(faults):
        if isinstance(fault, FailoverFault):
            _check_failover(index, fault, standbys, audit_log)
        elif isinstance(fault, PauseFault):
            if fault.target not in PAUSE_TARGETS:
                raise ScenarioError(
                    f"faults[{index}].target: {fault.target!r} is not a stage that can pause; "
                    f"use one of {', '.join(PAUSE_TARGETS)}"
                )
        elif fault.link not in FAULT_LINKS:
            raise ScenarioError(
                f"faults[{index}].link: {fault.link!r} is not a link; "
                f"use one of {', '.join(FAULT_LINKS)}"
            )
        if not isinstance(fault, FailoverFault) and fault.duration <= 0:
            raise ScenarioError(
                f"faults[{index}].duration: {fault.duration} ns; a fault needs a positive duration"
            )
        if fault.at < 0 or (window_ns is not None and fault.at > window_ns):
            raise ScenarioError(
                f"faults[{index}].at: {fault.at} ns is outside the data window "
                f"(0 to {window_ns if window_ns is not None else '...'} ns after its start); "
                "schedule the fault inside the window"
            )


def _check_failover(
    index: int, fault: FailoverFault, standbys: Collection[str], audit_log: bool
) -> None:
    if fault.target not in FAILOVER_TARGETS:
        raise ScenarioError(
            f"faults[{index}].target: {fault.target!r} cannot fail over; "
            f"use one of {', '.join(FAILOVER_TARGETS)} (stall other stages with kind = \"pause\")"
        )
    if fault.target not in standbys:
        raise ScenarioError(
            f"faults[{index}].target: failover of {fault.target!r} needs a standby; "
            f"add [topology.standbys.{fault.target}]"
        )
    if not audit_log:
        raise ScenarioError(
            f"faults[{index}].target: failover of {fault.target!r} replays the write-ahead log; "
            "add [topology.audit]"
        )
