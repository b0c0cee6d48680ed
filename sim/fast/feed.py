"""A full-route source read into the recorder at once, with the SimPy feed's posting times.

:class:`sim.model.feed.ExchangeFeed` posts up to ``CHUNK`` orders per wake onto the
``client_to_gateway`` link (each ``send_at`` its own time) and sleeps until the next
unposted order's time; a new batch starts with a fresh budget in the same wake. When
a send was posted only matters for same-nanosecond ties at the gateway, and the wake
count is one of the feed's counters, so both are computed here the same way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from sim.core.vocabulary import CLIENT_ACTIONS, NEVER, OrderAction
from sim.data.events import NO_ACCOUNT, EventColumns
from sim.errors import DataError, ScenarioError
from sim.model.feed import CHUNK
from sim.model.recorder import OrderRecorder
from sim.scenario.schema import SourceConfig

Ints = npt.NDArray[np.int64]
_ROUTED = np.array([action in CLIENT_ACTIONS for action in OrderAction])
_TRADE = OrderAction.TRADE


@dataclass(frozen=True, slots=True)
class FeedRead:
    """What the feed did: orders written to the recorder and when each was posted.

    Attributes:
        posted: Simulation time at which each order (by seq) was sent onto the link.
        tif: Time-in-force code of each order (0: GTC).
        stats: The feed's counters (``ExchangeFeed.stats``).
        first_ts_ns: Time of the first event (the run's start), None without events.
        last_ts_ns: Time of the last event.
    """

    posted: Ints
    tif: npt.NDArray[np.int8]
    stats: dict[str, int]
    first_ts_ns: int | None
    last_ts_ns: int


def read_feed(config: SourceConfig, batches: Iterable[EventColumns], recorder: OrderRecorder,
              progress: Callable[[int], None] | None = None) -> FeedRead:
    """Write every order of ``batches`` into ``recorder`` (source code 0), as the feed does."""
    posted: list[Ints] = []
    tifs: list[npt.NDArray[np.int8]] = []
    events = prints = wakes = 0
    now: int | None = None
    first_ts: int | None = None
    last_ts = NEVER
    for batch in batches:
        if not len(batch):
            continue
        ts = batch.ts_ns
        backwards = np.flatnonzero(np.diff(ts) < 0)
        if backwards.size or ts[0] < last_ts:
            row = int(backwards[0]) + 1 if backwards.size else 0
            raise DataError(f"source {config.name!r}: event times go backwards at row "
                            f"{events + row} of the stream; sort the input by ts")
        last_ts = int(ts[-1])
        if now is None:
            now = first_ts = int(ts[0])
            wakes = 1
        routed = _ROUTED[batch.action]
        trade = batch.action == _TRADE
        if not (routed | trade).all():
            raise ScenarioError(
                f"source {config.name!r}: history rows (execute) reach the books outside "
                "the order path in SimPy's event order; the fast engine refuses them; "
                "use engine = \"simpy\"")
        codes = np.array([recorder.symbol_code(s) for s in batch.symbols], dtype=np.int32)
        symbol = codes[batch.symbol] if codes.size else batch.symbol
        first = recorder.append_orders(
            0, ts[routed], symbol[routed], batch.action[routed], batch.order_id[routed],
            batch.side[routed], batch.price[routed], batch.qty[routed])
        _accounts(recorder, batch, routed, first)
        order_ts = ts[routed]
        tifs.append(batch.tif[routed].astype(np.int8) if batch.tif is not None
                    else np.zeros(order_ts.size, dtype=np.int8))
        times = np.full(order_ts.size, now, dtype=np.int64)
        if order_ts.size > CHUNK:
            group_first = order_ts[CHUNK::CHUNK]
            groups = np.arange(order_ts.size) // CHUNK
            times[CHUNK:] = group_first[groups[CHUNK:] - 1]
            wakes += group_first.size
            now = int(group_first[-1])
        posted.append(times)
        events += len(batch)
        prints += int(trade.sum())
        if progress is not None:
            progress(len(batch))
    orders = recorder.count
    stats = {"events": events, "orders": orders, "history": 0, "prints": prints,
             "wakes": wakes}
    return FeedRead(
        np.concatenate(posted) if posted else np.zeros(0, np.int64),
        np.concatenate(tifs) if tifs else np.zeros(0, np.int8),
        stats, first_ts, last_ts)


def _accounts(recorder: OrderRecorder, batch: EventColumns, routed: npt.NDArray[np.bool_],
              first: int) -> None:
    """Write the batch's accounts into the recorder (``ExchangeFeed._route_extras``)."""
    if batch.account is None or not batch.accounts:
        return
    recorder.source_accounts[0] = len(batch.accounts)
    accounts = recorder.accounts
    known = {name: code for code, name in enumerate(accounts)}
    for name in batch.accounts:
        if name not in known:
            known[name] = len(accounts)
            accounts.append(name)
    codes = np.array([known[name] for name in batch.accounts], dtype=np.int32)
    batch_codes = batch.account[routed]
    column = recorder.columns["account"][first : first + len(batch_codes)]
    column[:] = np.where(batch_codes == NO_ACCOUNT, NO_ACCOUNT, codes[batch_codes])
