"""Network links as whole arrays: FIFO clamping, bandwidth, loss, the link's counters.

Mirrors :class:`sim.model.link.NetworkLink.send_at` message by message in send order:
a latency draw per message (and, on a lossy link, a lost-attempts draw, the two
samplers refilling in turn on the link's stream), serialization as a one-worker
Lindley recursion with constant service, then the FIFO floor
``max(sent + delay, previous delivery)`` as a running maximum. Link fault windows
(``link_degrade`` without ``extra_loss``, ``partition``) apply by send time first, as in
``NetworkLink._shape``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.fast.draws import constant_of, interleaved, lost_attempts_draw, raw_draw
from sim.fast.queues import lindley
from sim.rng import RandomStreams
from sim.scenario.schema import LinkConfig

Ints = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class LinkTimes:
    """Deliveries of the messages sent on one link, in send order, and its counters.

    Attributes:
        delivery: Delivery time of each message.
        at_once: Messages handed to the receiver inside the sender's own event.
        stats: The link's counters, as ``NetworkLink.stats`` names them.
    """

    delivery: Ints
    at_once: npt.NDArray[np.bool_]
    stats: dict[str, int]


@dataclass(frozen=True, slots=True)
class Window:
    """A link fault by send time ``[start_ns, end_ns)`` (``NetworkLink.add_fault_window``)."""

    start_ns: int
    end_ns: int
    latency_multiplier: int = 1
    hold: bool = False


def send(config: LinkConfig, scope: str, streams: RandomStreams, sent: Ints, now: Ints,
         endpoint: bool = False, windows: Sequence[Window] = ()) -> LinkTimes:
    """Deliver messages sent at ``sent`` (non-decreasing), posted at ``now`` (``<= sent``).

    Args:
        config: The link's config.
        scope: Its scope name (``link.gateway_to_risk``): the stream it draws from.
        streams: The run's named streams.
        sent: Send time of each message, in send order.
        now: Simulation time at which each send was made (the feed posts ahead).
        endpoint: Whether the receiver is a recording-only endpoint (no events at all).
        windows: Fault windows: a degrade multiplies the latency draw of a message sent
            in it, a partition holds it until the window ends (its delay counts from there).
    """
    count = sent.size
    rng = streams.stream(scope)
    latency_constant = constant_of(config.latency)
    if latency_constant and not config.serialization_ns() and config.loss == 0 and not windows:
        # Sends are in time order, so a constant positive delay keeps them FIFO and
        # nothing is due at its send: one pass.
        stats = {"messages": int(count), "scheduled": 0 if endpoint else int(count),
                 "delay_ns_total": latency_constant * int(count),
                 "max_delay_ns": latency_constant if count else 0}
        return LinkTimes(sent + latency_constant, np.zeros(count, dtype=bool), stats)
    draws = [] if latency_constant is not None else [raw_draw(config.latency, rng)]
    if config.loss > 0:
        draws.append(lost_attempts_draw(config.loss, rng))
    values = interleaved(draws, count) if draws else []
    latency = (np.full(count, latency_constant, dtype=np.int64)
               if latency_constant is not None else values[0])
    delay = latency.copy()
    held = np.zeros(count, dtype=np.int64)
    for window in windows:
        inside = (sent >= window.start_ns) & (sent < window.end_ns)
        delay[inside] *= window.latency_multiplier
        if window.hold:
            held[inside] = np.maximum(held[inside], window.end_ns - sent[inside])
    released = sent + held  # non-decreasing still: a later send is held at least as long
    stats_extra: dict[str, int] = {}
    serialization = config.serialization_ns()
    if serialization:
        free_start, free_end = lindley(released, np.full(count, serialization, np.int64))
        delay += free_end - released
        stats_extra["serialization_wait_ns_total"] = int((free_start - released).sum())
    if config.loss > 0:
        attempts = values[-1]
        delay += attempts * (config.retransmit_delay or 0)
        stats_extra["retransmits"] = int(attempts.sum())
    delivery = released + delay
    if config.fifo and count:
        delivery = np.maximum.accumulate(delivery)
    taken = delivery - sent
    due_now = delivery == now
    if endpoint or not due_now.any():
        at_once = np.zeros(count, dtype=bool)
        scheduled = 0 if endpoint else count
    elif config.fifo:
        held = np.where(due_now, -(2**62), delivery)
        before = np.concatenate(([-(2**62)], np.maximum.accumulate(held)[:-1])) if count else held
        at_once = due_now & (before < now)
        scheduled = int(count - at_once.sum())
    else:
        at_once = due_now
        scheduled = int(count - at_once.sum())
    stats = {"messages": int(count), "scheduled": scheduled,
             "delay_ns_total": int(taken.sum()), "max_delay_ns": int(taken.max()) if count else 0}
    stats.update(stats_extra)
    return LinkTimes(delivery, at_once, stats)
