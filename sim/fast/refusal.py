"""Whether a scenario can run on the fast engine, and if not, why (one line).

The fast engine computes the order path as arrays (``sim.fast.engine``); it takes a
scenario only where that is exactly what the SimPy engine does. Everything with a
feedback loop or event-order dependence it cannot reproduce is refused here, before
any data is read. Conditions that depend on the data (history rows, a market order
whose notional check depends on the book, a queue that could fill) are refused when
the run finds them, with the same one-line form.
"""

from __future__ import annotations

from collections.abc import Sequence

from sim.data.reader import SourceInfo
from sim.data.schema import BOOK_L3
from sim.fast.draws import constant_of
from sim.scenario.link import LINK_NAMES
from sim.scenario.schema import Route, Scenario

_FAULTS = ("pause", "partition", "link_degrade", "kill_switch")
"""Fault kinds the fast engine computes exactly."""
_BOOK_RISK = ("collar", "max_position", "max_credit", "circuit_breaker")
"""Risk limits whose checks read the books' state at the moment of the check."""


def fast_engine_refusal(scenario: Scenario, infos: Sequence[SourceInfo] = ()) -> str | None:
    """None when ``scenario`` can run on the fast engine, else one line saying why.

    Args:
        scenario: The resolved scenario.
        infos: Its validated sources (only their shape is looked at).
    """
    if scenario.strategies:
        return "strategies need the SimPy engine (feedback loop)"
    if scenario.inject:
        return "[[inject]] orders are not supported by the fast engine"
    unsupported = [fault.kind for fault in scenario.faults
                   if fault.kind not in _FAULTS or getattr(fault, "extra_loss", 0) > 0]
    if unsupported:
        return (f"faults: {unsupported[0]} is not supported by the fast engine (it takes "
                "pause, partition, kill_switch and link_degrade without extra_loss)")
    return _data_refusal(scenario, infos) or _topology_refusal(scenario) or _risk_refusal(
        scenario)


def _data_refusal(scenario: Scenario, infos: Sequence[SourceInfo]) -> str | None:
    sources = scenario.data.sources
    if len(sources) != 1:
        return ("several sources: their orders interleave in SimPy's event order; "
                "the fast engine takes one source")
    if sources[0].route is not Route.FULL:
        return "route = direct sources (history rows) need the SimPy engine"
    if any(info.book != BOOK_L3 for info in infos):
        return "level-2 data is not supported by the fast engine"
    return None


def _topology_refusal(scenario: Scenario) -> str | None:
    topology = scenario.topology
    if topology.audit is not None:
        return "topology.audit (write-ahead log) is not supported by the fast engine"
    standbys = [name for name in type(topology.standbys).model_fields
                if getattr(topology.standbys, name) is not None]
    if standbys:
        return f"topology.standbys.{standbys[0]}: failover is not supported by the fast engine"
    if topology.market_data is not None:
        return "topology.market_data (fan-out) is not supported by the fast engine"
    if topology.gateway.rate_limit is not None:
        return "topology.gateway.rate_limit is not supported by the fast engine"
    for name in LINK_NAMES:
        link = getattr(topology.links, name)
        if not link.fifo and constant_of(link.latency) is None:
            return (f"topology.links.{name}: fifo = false with a random latency reorders "
                    "messages in SimPy's event order; the fast engine needs fifo = true")
    return None


def _risk_refusal(scenario: Scenario) -> str | None:
    risk = scenario.risk
    if not risk.enabled:
        return None
    for key in _BOOK_RISK:
        if getattr(risk, key) is not None:
            return (f"risk.{key} reads the books at each check; the fast engine supports "
                    "max_order_qty, max_notional, max_orders_per_window and kill_switch")
    return None
