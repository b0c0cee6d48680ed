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
losses (nothing is lost for good), so the link must have one (with
``[topology.market_data]``, every subscriber link must). FIFO links stay
FIFO. Faults on ``client_to_gateway`` also apply to injected orders' copy of that link.

A kill switch turns the risk engine's switch on at ``at`` and off at ``at + duration``
(off only if no other window still holds it and ``[risk.kill_switch]`` did not set it
from the start). An order whose risk check (the end of its risk service) falls in the
window is rejected ``kill_switch``; cancels still pass, modifies are refused like new
orders. To keep it engaged for the rest of the run, give a duration past the data's end.
It needs ``risk.enabled = true``.

A failover's outage window is computed by the run (detection, snapshot load, WAL
replay, redirection; see :mod:`sim.model.failover`).

Every key is checked by the same pydantic pass as the rest of the scenario: targets and
links are ``Literal`` types, ranges ``Field`` constraints, and what a fault needs from the
other sections (a standby, the audit log, a link's ``retransmit_delay``, ``risk.enabled``,
one failover per stage) by :func:`check_fault_context`, which ``Scenario`` calls from its
model validator. Only ``at`` past the end of the data needs the data; the run checks it
once, when it has read the sources (:func:`check_fault_window`). Errors name
``faults[i].<key>``. A scenario without faults runs exactly as before.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Final, Literal, get_args

from pydantic import BeforeValidator, Field, ValidationError, field_validator
from pydantic_core import InitErrorDetails

from sim.errors import ScenarioError
from sim.scenario.link import LINK_NAMES, LinkName
from sim.scenario.types import Count, DurationNs, FrozenModel, PositiveDurationNs, default_omitted
from sim.units import format_ns

StageName = Literal["gateway", "risk", "matching"]
"""A stage a fault can act on (the publisher neither pauses nor fails over)."""

PAUSE_TARGETS: Final[tuple[StageName, ...]] = get_args(StageName)
"""Stages a ``pause`` fault can stall."""

FAILOVER_TARGETS: Final[tuple[StageName, ...]] = get_args(StageName)
"""Stages a ``failover`` fault can kill (the matching engine also needs its WAL)."""

FAULT_LINKS: Final[tuple[LinkName, ...]] = LINK_NAMES
"""Links a ``link_degrade`` or ``partition`` fault can name (the ``[topology.links]`` keys)."""


def _one_of(allowed: tuple[str, ...], what: str) -> BeforeValidator:
    """Refuse a value outside ``allowed`` saying what it is not and listing the choices.

    Runs before the ``Literal`` check, whose generic message would not say what the key names.
    """

    def check(value: Any) -> Any:
        if not isinstance(value, str) or value not in allowed:
            text = repr(value)
            text = text if len(text) <= 80 else text[:77] + "..."
            raise ValueError(f"{text} {what}; use one of {', '.join(allowed)}")
        return value

    return BeforeValidator(check)


PauseTarget = Annotated[StageName, _one_of(PAUSE_TARGETS, "is not a stage that can pause")]
FailoverTarget = Annotated[StageName, _one_of(FAILOVER_TARGETS, "cannot fail over")]
FaultLink = Annotated[LinkName, _one_of(FAULT_LINKS, "is not a link")]


class _FaultBase(FrozenModel):
    at: DurationNs
    """Start of the window, after the start of the data window (int ns, >= 0)."""
    duration: PositiveDurationNs
    """Length of the window (int ns, > 0)."""


class PauseFault(_FaultBase):
    """A stage starts no new service during the window."""

    kind: Literal["pause"]
    target: PauseTarget


class LinkDegradeFault(_FaultBase):
    """A link's latency draws are multiplied for messages sent during the window."""

    kind: Literal["link_degrade"]
    link: FaultLink
    latency_multiplier: Count = Field(default=10, ge=1)
    extra_loss: float = default_omitted(0.0, ge=0, lt=1)
    """Added loss probability per attempt, in [0, 1): every message must get through."""


class PartitionFault(_FaultBase):
    """A link holds messages sent during the window and delivers them when it ends."""

    kind: Literal["partition"]
    link: FaultLink


class FailoverFault(FrozenModel):
    """The target dies at ``at``; a standby is promoted once heartbeats detect it."""

    kind: Literal["failover"]
    target: FailoverTarget
    at: DurationNs


class KillSwitchFault(_FaultBase):
    """The risk engine's kill switch is engaged during the window (``account=None``: global)."""

    kind: Literal["kill_switch"]
    account: str | None = None

    @field_validator("account")
    @classmethod
    def _account_name(cls, account: str | None) -> str | None:
        if account is not None and (not account.strip() or account != account.strip()):
            raise ValueError(
                f"{account[:77]!r} is not an account name; write it without surrounding "
                "spaces, or leave the key out for the global switch"
            )
        return account


KILL_SWITCH_ALL: Final = "all accounts"
"""Subject of a global ``kill_switch`` fault in reports."""

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


@dataclass(frozen=True, slots=True)
class FaultContext:
    """What the rest of a scenario says that its faults depend on."""

    standbys: Collection[str] = ()
    """Stages with a standby (``[topology.standbys.<name>]``)."""
    audit_log: bool = False
    """Whether ``[topology.audit]`` is configured (a matching failover replays it)."""
    risk_enabled: bool = True
    """``risk.enabled``: a kill switch acts through the risk checks."""
    missing_retransmit: Mapping[str, str] = field(default_factory=dict)
    """Links without a ``retransmit_delay``, each with the key that would set it."""


def check_fault_context(faults: Sequence[Fault], context: FaultContext) -> None:
    """Raise a ``ValidationError`` at ``faults[i].<key>`` per fault the scenario cannot run.

    Called by ``Scenario``'s model validator, so these errors read like any other key's.
    """
    problems: list[InitErrorDetails] = []
    failed: dict[str, int] = {}
    for index, fault in enumerate(faults):
        for key, message in _context_problems(fault, context, failed):
            problems.append(InitErrorDetails(  # the whole entry as input: no "(got ...)"
                type="value_error", loc=("faults", index, key),
                input=fault.model_dump(mode="json"), ctx={"error": message},
            ))
        if isinstance(fault, FailoverFault):
            failed.setdefault(fault.target, index)
    if problems:
        raise ValidationError.from_exception_data("Scenario", problems)


def _context_problems(
    fault: Fault, context: FaultContext, failed: Mapping[str, int]
) -> list[tuple[str, str]]:
    """``(key, message)`` for what ``fault`` needs and the scenario does not give."""
    if isinstance(fault, FailoverFault):
        return _failover_problems(fault, context, failed)
    if isinstance(fault, KillSwitchFault) and not context.risk_enabled:
        return [("kind", "a kill switch acts through the risk checks, which are off; "
                         "set risk.enabled = true")]
    if isinstance(fault, LinkDegradeFault) and fault.extra_loss > 0:
        where = context.missing_retransmit.get(fault.link)
        if where is not None:
            return [("extra_loss", f"lost attempts on {fault.link!r} are retransmitted after "
                                   f'its retransmit_delay; set {where} (e.g. "200ms")')]
    return []


def _failover_problems(
    fault: FailoverFault, context: FaultContext, failed: Mapping[str, int]
) -> list[tuple[str, str]]:
    target = fault.target
    if target in failed:
        return [("target", f"{target!r} already fails over in faults[{failed[target]}]; "
                           "one failover per component and run")]
    if target not in context.standbys:
        return [("target", f"failover of {target!r} needs a standby; "
                           f"add [topology.standbys.{target}]")]
    if target == "matching" and not context.audit_log:
        return [("target", f"failover of {target!r} replays the write-ahead log; "
                           "add [topology.audit]")]
    return []


def check_fault_window(faults: Sequence[Fault], window_ns: int) -> None:
    """Raise :class:`ScenarioError` naming ``faults[i].at`` for a fault after the data's end.

    The one fault check that needs the data; every other is made by the schema.

    Args:
        faults: The scenario's faults.
        window_ns: Length of the replayed data window (int ns, after volume compression).
    """
    for index, fault in enumerate(faults):
        if fault.at > window_ns:
            raise ScenarioError(
                f"faults[{index}].at: {format_ns(fault.at)} ({fault.at} ns) is after the end "
                f"of the data window, {format_ns(window_ns)} ({window_ns} ns) after its start; "
                "schedule the fault inside the window"
            )
