"""Scheduled faults (``[[faults]]`` in a scenario file): stalls, degraded links, kill switches.

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
    extra_loss = 0.2           # optional, 0 <= x < 1; needs the link's retransmit_delay

    [[faults]]
    kind = "partition"         # messages sent in the window are held until it ends
    link = "client_to_gateway"
    at = "3s"
    duration = "50ms"

    [[faults]]
    kind = "failover"          # the primary dies; heartbeats detect it, a standby takes over
    target = "matching"        # gateway | risk | matching: needs [topology.standbys.<target>]
                               # (matching also needs [topology.audit])
    at = "4s"                  # no duration: the outage lasts as long as recovery takes

    [[faults]]
    kind = "kill_switch"       # the risk engine refuses new orders during the window
    account = "acct_7"         # omit for the global switch (every account)
    at = "2s"
    duration = "500ms"         # required; engaged during [at, at + duration)

A paused stage starts no new service during the window: arrivals queue up (a full
queue still rejects with ``queue_full``), work already in service finishes, and
queued work starts when the window ends. A degraded link multiplies the latency
draw of every message *sent* in the window; a partitioned link holds every message
sent in the window and delivers it at the window's end plus its normal delay
(nothing is lost). ``extra_loss`` adds an independent loss probability to every
attempt of a message sent in the window, on top of the link's own ``loss``: lost
attempts are retransmitted after the link's ``retransmit_delay`` like its own
losses (nothing is lost for good), so the link must have one. FIFO links stay
FIFO. Faults on ``client_to_gateway`` also apply to injected orders' copy of that link.

A kill switch turns the risk engine's switch on at ``at`` and off at ``at + duration``
(off only if no other window still holds it and ``[risk.kill_switch]`` did not set it
from the start). An order whose risk check (the end of its risk service) falls in the
window is rejected ``kill_switch``; cancels still pass, modifies are refused like new
orders. To keep it engaged for the rest of the run, give a duration past the data's end.
It needs ``risk.enabled = true``.

A failover's outage window is computed by the run (detection, snapshot load, WAL
replay, redirection; see :mod:`sim.model.failover`).

Targets, links and times are checked when the run starts (:func:`check_faults`);
errors name ``faults[i].<key>``. A scenario without faults runs exactly as before.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import TYPE_CHECKING, Annotated, Final, Literal

from pydantic import BeforeValidator, Field

from sim.errors import ScenarioError
from sim.scenario.link import LINK_NAMES
from sim.scenario.types import Count, FrozenModel, _duration, default_omitted

if TYPE_CHECKING:
    from sim.scenario.risk import RiskConfig
    from sim.scenario.schema import LinksConfig

PAUSE_TARGETS: Final[tuple[str, ...]] = ("gateway", "risk", "matching")
"""Stages a ``pause`` fault can stall."""

FAULT_LINKS: Final[tuple[str, ...]] = LINK_NAMES
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
    latency_multiplier: Count = Field(default=10, ge=1)
    extra_loss: float = default_omitted(0.0)
    """Added loss probability per attempt, in [0, 1) (checked by :func:`check_faults`)."""



class PartitionFault(_FaultBase):
    """A link holds messages sent during the window and delivers them when it ends."""

    kind: Literal["partition"]
    link: str


class FailoverFault(FrozenModel):
    """The target dies at ``at``; a standby is promoted once heartbeats detect it."""

    kind: Literal["failover"]
    target: str
    at: SignedDurationNs


class KillSwitchFault(_FaultBase):
    """The risk engine's kill switch is engaged during the window (``account=None``: global)."""

    kind: Literal["kill_switch"]
    account: str | None = None


KILL_SWITCH_ALL: Final = "all accounts"
"""Subject of a global ``kill_switch`` fault in reports."""

FAILOVER_TARGETS: Final[tuple[str, ...]] = ("gateway", "risk", "matching")
"""Stages a ``failover`` fault can kill (the matching engine also needs its WAL)."""

Fault = Annotated[
    PauseFault | LinkDegradeFault | PartitionFault | FailoverFault | KillSwitchFault,
    Field(discriminator="kind"),
]
"""One ``[[faults]]`` entry, chosen by its ``kind``."""


def fault_subject(fault: Fault) -> str:
    """The stage, link or account (:data:`KILL_SWITCH_ALL` for the global switch) it acts on."""
    if isinstance(fault, KillSwitchFault):
        return KILL_SWITCH_ALL if fault.account is None else fault.account
    return fault.target if isinstance(fault, PauseFault | FailoverFault) else fault.link


def check_faults(
    faults: Sequence[Fault],
    window_ns: int | None,
    standbys: Collection[str] = (),
    audit_log: bool = False,
    *,
    links: LinksConfig | None = None,
    risk: RiskConfig | None = None,
) -> None:
    """Raise :class:`ScenarioError` naming ``faults[i].<key>`` on a bad fault.

    Args:
        faults: The scenario's faults.
        window_ns: Length of the data window (``None``: unknown, only ``at >= 0`` holds).
        standbys: Components that have a standby (``[topology.standbys.<name>]``).
        audit_log: Whether ``[topology.audit]`` is configured (a failover replays it).
        links: The scenario's ``[topology.links]``: ``extra_loss`` needs the link's
            ``retransmit_delay`` (``None``: not known here, that check is skipped).
        risk: The scenario's ``[risk]``: a ``kill_switch`` needs ``enabled = true``
            (``None``: not known here, that check is skipped).
    """
    failed: set[str] = set()
    for index, fault in enumerate(faults):
        if isinstance(fault, FailoverFault):
            _check_failover(index, fault, standbys, audit_log)
            if fault.target in failed:
                raise ScenarioError(
                    f"faults[{index}].target: {fault.target!r} already fails over in an earlier "
                    "fault; one failover per component and run"
                )
            failed.add(fault.target)
        elif isinstance(fault, PauseFault):
            if fault.target not in PAUSE_TARGETS:
                raise ScenarioError(
                    f"faults[{index}].target: {fault.target!r} is not a stage that can pause; "
                    f"use one of {', '.join(PAUSE_TARGETS)}"
                )
        elif isinstance(fault, KillSwitchFault):
            _check_kill_switch(index, fault, risk)
        else:
            _check_link_fault(index, fault, links)
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


def _check_link_fault(
    index: int, fault: LinkDegradeFault | PartitionFault, links: LinksConfig | None
) -> None:
    if fault.link not in FAULT_LINKS:
        raise ScenarioError(
            f"faults[{index}].link: {fault.link!r} is not a link; "
            f"use one of {', '.join(FAULT_LINKS)}"
        )
    if not isinstance(fault, LinkDegradeFault):
        return
    if not 0 <= fault.extra_loss < 1:
        raise ScenarioError(
            f"faults[{index}].extra_loss: {fault.extra_loss}; a loss probability is "
            "at least 0 and below 1 (every message must get through eventually)"
        )
    if (
        fault.extra_loss > 0
        and links is not None
        and getattr(links, fault.link).retransmit_delay is None
    ):
        raise ScenarioError(
            f"faults[{index}].extra_loss: lost attempts on {fault.link!r} are retransmitted "
            f"after its retransmit_delay; set [topology.links.{fault.link}].retransmit_delay "
            '(e.g. "200ms")'
        )


def _check_kill_switch(index: int, fault: KillSwitchFault, risk: RiskConfig | None) -> None:
    account = fault.account
    if account is not None and (not account.strip() or account != account.strip()):
        raise ScenarioError(
            f"faults[{index}].account: {account!r} is not an account name; write it without "
            "surrounding spaces, or leave the key out for the global switch"
        )
    if risk is not None and not risk.enabled:
        raise ScenarioError(
            f"faults[{index}].kind: a kill switch acts through the risk checks, which are off; "
            "set risk.enabled = true"
        )


def _check_failover(
    index: int, fault: FailoverFault, standbys: Collection[str], audit_log: bool
) -> None:
    if fault.target not in FAILOVER_TARGETS:
        raise ScenarioError(
            f"faults[{index}].target: {fault.target!r} cannot fail over; "
            f"use one of {', '.join(FAILOVER_TARGETS)}"
        )
    if fault.target not in standbys:
        raise ScenarioError(
            f"faults[{index}].target: failover of {fault.target!r} needs a standby; "
            f"add [topology.standbys.{fault.target}]"
        )
    if fault.target == "matching" and not audit_log:
        raise ScenarioError(
            f"faults[{index}].target: failover of {fault.target!r} replays the write-ahead log; "
            "add [topology.audit]"
        )
