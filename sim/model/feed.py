"""The exchange feed: replays one source's events at their recorded times.

One feed per source, one callback chain per feed (no process per event):

- route ``full``: every ``add``/``market``/``cancel``/``modify`` row becomes a
  client order, a recorder row written for the whole batch at once, and is sent
  over ``client_to_gateway`` with ``ts_sent_ns`` = the row's time. Send times
  are known in advance, so each wake posts up to ``CHUNK`` orders ahead
  (:meth:`~sim.model.link.NetworkLink.send_at`) and sleeps until the next
  unsent row's time. A ``tif`` (IOC/FOK) goes to the matching engine with the
  order; an ``account`` is written into the recorder's ``account`` column.
- route ``direct`` (and ``execute`` rows of a full source, which report a
  hidden aggressor hitting a book order): history goes to the matching engine's
  books at its historical time, outside gateway and risk, and is not recorded as
  orders. Nothing in the model can observe history between two scheduled
  events, so a wake applies every history row up to the next scheduled event
  inline; history at time T comes before model events at T. Its ``tif`` is
  honoured as :func:`sim.core.replay.apply_event` defines it (an IOC leftover
  never rests).
- ``trade`` rows are prints: counted, nothing else.
- an L2 source (:class:`~sim.model.l2_reader.L2Columns` batches, route ``direct``):
  ``level`` and ``trade`` rows go to the engine's L2 part (:mod:`sim.model.l2_replay`)
  like history, with each row's ``ts_recv - ts`` (0 without ``ts_recv``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

import numpy as np
import simpy

from sim.core.vocabulary import CLIENT_ACTIONS, NEVER, OrderAction
from sim.data.events import NO_ACCOUNT, NO_PRICE, NO_QTY, TIF_BY_CODE, EventColumns
from sim.errors import DataError
from sim.model.component import Unwired
from sim.model.environment import SimulationEnvironment
from sim.model.l2_reader import L2Columns
from sim.model.link import NetworkLink
from sim.model.matching import MatchingEngine
from sim.model.recorder import OrderRecorder
from sim.scenario.schema import Route, SourceConfig

CHUNK = 32
"""Orders a full-route feed posts ahead per wake (bounds the event heap)."""

_ORDER, _HISTORY, _PRINT, _L2 = 0, 1, 2, 3
_ROUTED = np.array([action in CLIENT_ACTIONS for action in OrderAction])
"""``_ROUTED[code]``: whether a full-route source sends that action as a client order."""
_TRADE_CODE = OrderAction.TRADE
_TIF_NAMES = np.array(TIF_BY_CODE, dtype=object)


class ExchangeFeed:
    """Replays one source; see the module docstring for the two routes.

    Args:
        env: The simulation environment.
        config: The source (name, route).
        source_code: Index of this source in the recorder's ``sources``.
        batches: Time-sorted ``EventColumns`` batches of this source.
        recorder: Per-order columns (full route writes its orders here).
        engine: Where history rows are applied.
        progress: Called with the number of rows consumed after each batch.
    """

    inputs: ClassVar[tuple[str, ...]] = ()
    outputs: ClassVar[tuple[str, ...]] = ("send_at",)
    """Routed orders (a full-route feed); direct rows go to the engine's books inline."""

    def __init__(
        self,
        env: SimulationEnvironment,
        config: SourceConfig,
        source_code: int,
        batches: Iterable[EventColumns],
        recorder: OrderRecorder,
        engine: MatchingEngine,
        progress: Callable[[int], None] | None = None,
    ) -> None:
        self.env = env
        self.config = config
        self.name = f"feed.{config.name}"
        self.full = config.route is Route.FULL
        self.source_code = source_code
        self.recorder = recorder
        self.engine = engine
        engine.l2.recorded_paths.append(config.path)
        self.progress = progress
        self._batches = iter(batches)
        self.send_at: Callable[[int, int], None] = Unwired(self.name, "send_at")
        """Posts a routed order at its send time (the ``client_to_gateway`` link's)."""
        self._wake_callback = self._wake
        self._ts: list[int] = []
        self._kinds: list[int] = []
        self._rows: list[list[Any]] = []
        self._index = 0
        self._seq = 0
        self.last_ts_ns = NEVER
        self.done = False
        self.events = 0
        self.orders = 0
        self.history = 0
        self.prints = 0
        self.wakes = 0
        self.reactive = False
        """Whether applying a history row may schedule events (strategies watch the books);
        then the next event's time is looked up again after every row."""

    def connect(self, link: NetworkLink) -> None:
        """Send routed orders over ``link`` (``client_to_gateway``)."""
        self.send_at = link.send_at

    def unwired(self) -> list[str]:
        """``["send_at"]`` while a full-route feed is unwired (a direct one needs nothing)."""
        return ["send_at"] if self.full and isinstance(self.send_at, Unwired) else []

    @property
    def scheduled_events(self) -> int:
        """One timeout per wake."""
        return self.wakes

    def prime(self) -> int | None:
        """Load the first batch; return the first event's time, or None for no events."""
        if not self._load():
            self.done = True
            return None
        return self._ts[0]

    def start(self) -> None:
        """Schedule the first wake at the first event's time (after :meth:`prime`)."""
        if not self.done:
            self._sleep_until(self._ts[self._index])

    def _sleep_until(self, ts_ns: int) -> None:
        self.wakes += 1
        self.env.timeout(ts_ns - self.env.now).callbacks.append(self._wake_callback)

    def _load(self) -> bool:
        for batch in self._batches:
            if len(batch):
                self._prepare(batch)
                return True
        return False

    def _prepare(self, batch: EventColumns) -> None:
        ts = batch.ts_ns
        backwards = np.flatnonzero(np.diff(ts) < 0)
        if backwards.size or ts[0] < self.last_ts_ns:
            row = int(backwards[0]) + 1 if backwards.size else 0
            raise DataError(
                f"source {self.config.name!r}: event times go backwards at row "
                f"{self.events + row} of the stream; sort the input by ts"
            )
        self.last_ts_ns = int(ts[-1])
        recorder = self.recorder
        codes = np.array([recorder.symbol_code(s) for s in batch.symbols], dtype=np.int32)
        symbol = codes[batch.symbol] if codes.size else batch.symbol
        self.engine.ensure_books(len(recorder.symbols))
        if isinstance(batch, L2Columns):
            self._prepare_l2(batch, symbol)
            return
        kinds = np.where(batch.action == _TRADE_CODE, _PRINT, _HISTORY).astype(np.int8)
        if self.full:
            action = batch.action
            routed = _ROUTED[action]
            kinds[routed] = _ORDER
            first = self._seq = recorder.append_orders(
                self.source_code,
                ts[routed],
                symbol[routed],
                action[routed],
                batch.order_id[routed],
                batch.side[routed],
                batch.price[routed],
                batch.qty[routed],
            )
            self._route_extras(batch, routed, first)
        self._ts = ts.tolist()
        self._kinds = kinds.tolist()
        self._index = 0
        self._rows = []
        if (kinds == _HISTORY).any():
            self._rows = [
                column.tolist()
                for column in (
                    batch.action,
                    symbol,
                    batch.order_id,
                    batch.side,
                    batch.price,
                    batch.qty,
                )
            ]
            tifs = [None] * len(ts) if batch.tif is None else _TIF_NAMES[batch.tif].tolist()
            self._rows.append(tifs)

    def _prepare_l2(self, batch: L2Columns, symbol: np.ndarray) -> None:
        """Rows of an L2 batch: all go to the engine's L2 part, with their recorded delays."""
        for code in np.unique(symbol).tolist():
            self.engine.l2.use_l2(code)
        ts = batch.ts_ns
        self._ts = ts.tolist()
        self._kinds = [_L2]  # the whole batch (see _walk_l2)
        self._index = 0
        delays = (np.zeros(len(ts), np.int64) if batch.ts_recv_ns is None
                  else batch.ts_recv_ns - ts)
        self._rows = [column.tolist() for column in (
            batch.action, symbol, batch.side, batch.price, batch.qty, delays)]

    def _route_extras(self, batch: EventColumns, routed: np.ndarray, first: int) -> None:
        """Pass routed orders' tif to the engine and write their accounts to the recorder."""
        if batch.tif is not None:
            self.engine.set_time_in_force(first, batch.tif[routed])
        if batch.account is None or not batch.accounts:
            return
        self.recorder.source_accounts[self.source_code] = len(batch.accounts)
        accounts = self.recorder.accounts
        known = {name: code for code, name in enumerate(accounts)}
        for name in batch.accounts:
            if name not in known:
                known[name] = len(accounts)
                accounts.append(name)
        codes = np.array([known[name] for name in batch.accounts], dtype=np.int32)
        batch_codes = batch.account[routed]
        column = self.recorder.columns["account"][first : first + len(batch_codes)]
        column[:] = np.where(batch_codes == NO_ACCOUNT, NO_ACCOUNT, codes[batch_codes])

    def _wake(self, _event: simpy.Event) -> None:
        while True:
            if self._index < len(self._ts):
                wake_at = self._walk_l2() if self._kinds[0] == _L2 else self._walk()
                if wake_at is not None:
                    self._sleep_until(wake_at)
                    return
            consumed = len(self._ts)
            if self.progress is not None:
                self.progress(consumed)
            if not self._load():
                self.done = True
                return

    def _walk(self) -> int | None:
        """Consume the current batch from ``_index``; return when to wake next, or None."""
        now = self.env.now
        ts_list, kinds = self._ts, self._kinds
        send_at = self.send_at
        seq, budget, index, end = self._seq, CHUNK, self._index, len(ts_list)
        horizon: int | None = None
        horizon_known = False
        wake_at: int | None = None
        apply_history, source, applied = self.engine.apply_history, self.source_code, 0
        reactive = self.reactive
        if self._rows:
            actions, symbols, order_ids, sides, prices, qtys, tifs = self._rows
        while index < end:
            ts = ts_list[index]
            kind = kinds[index]
            if kind == _ORDER:
                if not budget:
                    wake_at = ts
                    break
                send_at(ts, seq)
                seq += 1
                budget -= 1
                horizon_known = False
            elif kind == _HISTORY:
                if ts > now:
                    if not horizon_known:
                        horizon = self.env.next_event_ns()
                        horizon_known = True
                    if horizon is not None and ts > horizon:
                        wake_at = ts
                        break
                price, qty = prices[index], qtys[index]
                apply_history(
                    source, ts, actions[index], symbols[index], order_ids[index], sides[index],
                    None if price == NO_PRICE else price, None if qty == NO_QTY else qty,
                    tifs[index],
                )
                applied += 1
                if reactive:
                    horizon_known = False
            else:
                self.prints += 1
            index += 1
        self.orders += seq - self._seq
        self.history += applied
        self.events += index - self._index
        self._seq, self._index = seq, index
        return wake_at

    def _walk_l2(self) -> int | None:
        """:meth:`_walk` for an L2 batch: every row goes to the engine's L2 part in turn."""
        now = self.env.now
        ts_list, index, end = self._ts, self._index, len(self._ts)
        actions, symbols, sides, prices, qtys, delays = self._rows
        apply, reactive = self.engine.l2.apply, self.reactive
        horizon: int | None = None
        horizon_known = False
        wake_at: int | None = None
        while index < end:
            ts = ts_list[index]
            if ts > now:
                if not horizon_known:
                    horizon = self.env.next_event_ns()
                    horizon_known = True
                if horizon is not None and ts > horizon:
                    wake_at = ts
                    break
            apply(ts, actions[index], symbols[index], sides[index], prices[index], qtys[index],
                  delays[index])
            horizon_known = horizon_known and not reactive
            index += 1
        self.history += index - self._index
        self.events += index - self._index
        self._index = index
        return wake_at

    def stats(self) -> dict[str, int]:
        """Counters: rows consumed, orders routed, history rows applied, prints, wakes."""
        return {
            "events": self.events,
            "orders": self.orders,
            "history": self.history,
            "prints": self.prints,
            "wakes": self.wakes,
        }
