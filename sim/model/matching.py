"""The matching engine: a stage in front of one price-time order book per symbol.

Book ids: model order ``seq`` is ``seq + 1``; direct-route history orders get ids from
``capacity + 1`` up, so no two sources ever collide. Each (source, symbol) maps venue
order ids to book ids, which is how cancels, modifies and executes find their order;
an id it does not know, or whose order is gone, is rejected ``unknown_order``.

Accounting per model order (:mod:`sim.model.fill_accounting`): ``filled_qty`` and
``filled_notional`` grow with its trades, ``cancelled_qty`` with cancels, modify-downs
and unfilled market remainders, ``resting_qty`` is set at the end (:meth:`finish`); a
modify that grows an order grows its ``qty`` (like FIX ``OrderQty`` after a replace), so
``qty = filled + cancelled + resting`` holds for every accepted order.

History rows go through :func:`sim.core.replay.apply_event`, the one definition of
canonical actions; model orders use the book's fast paths, except that an ``add`` also
goes through ``apply_event`` so its time in force (IOC/FOK, :meth:`set_time_in_force`)
means the same for both (a strategy's post-only add goes to ``OrderBook.submit``). A
history ``execute`` of an order that model orders queue ahead of fills them first
(:mod:`sim.core.trade_through`; counted as ``traded_through``). L2 rows go through
``self.l2`` (:mod:`sim.model.l2_replay`).

With an audit log (:mod:`sim.model.audit`) a served order applies once durably
written; applied orders and history rows are journaled since the last snapshot
(:mod:`sim.model.journal`), from which a failover rebuilds the books.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import numpy.typing as npt

from sim.core.book import OrderBook
from sim.core.book_image import BookImage, book_image
from sim.core.orders import BookResult, Side
from sim.core.replay import apply_event
from sim.core.trade_through import fill_ahead
from sim.core.vocabulary import OrderAction, RejectReason
from sim.data.events import TIF_BY_CODE
from sim.model.amend import amend_resting
from sim.model.audit import AuditLog
from sim.model.component import Receiver, Unwired
from sim.model.environment import SimulationEnvironment
from sim.model.fill_accounting import BookListener, FillAccounting
from sim.model.journal import EngineState, HistoryRow, WriteAheadJournal
from sim.model.l2_replay import L2Replay
from sim.model.order_stage import OrderStage
from sim.model.recorder import OrderRecorder
from sim.model.sampling import DurationSampler
from sim.scenario.schema import StageConfig

# Members bound once: every order compares against them (``OrderAction.ADD`` costs ~100 ns).
_ADD, _CANCEL, _MARKET, _EXECUTE = (
    OrderAction.ADD, OrderAction.CANCEL, OrderAction.MARKET, OrderAction.EXECUTE)
_ACTIONS = OrderAction.members()
_UNKNOWN_ORDER, _DUPLICATE_ORDER_ID = RejectReason.UNKNOWN_ORDER, RejectReason.DUPLICATE_ORDER_ID


class MatchingEngine(OrderStage):
    """Matching stage: serves orders in arrival order, then applies them to the books.

    Args:
        env: The simulation environment.
        config: Workers, service distribution and queue capacity.
        service: Service-time sampler.
        recorder: Per-order columns (stamps, accounting, fills).
    """

    outputs = ("book_changed", "report")
    book_changed: Receiver
    """Gets each order that changed a book (the market-data publisher)."""

    def __init__(
        self,
        env: SimulationEnvironment,
        config: StageConfig,
        service: DurationSampler,
        recorder: OrderRecorder,
    ) -> None:
        super().__init__(env, "matching", config, service, recorder)
        self.books: list[OrderBook] = []
        self._capacity = recorder.capacity
        self._next_history_id = recorder.capacity + 1
        self._tif = bytearray(recorder.capacity)
        """Time-in-force code (``sim.data.events.TIF_BY_CODE``) of each model order."""
        self._post_only = bytearray(recorder.capacity)
        """1 for a post-only model order (refused if it would cross; strategies send them)."""
        self._ids: dict[tuple[int, int], dict[int, int]] = {}
        """Venue order id -> book id, per (source, symbol)."""
        self.accounting = FillAccounting(recorder)
        self._settle = self.accounting.settle
        self.history_applied = 0
        self.history_rejected: dict[str, int] = {}
        self.book_changes = 0
        self.traded_through = 0  # model orders a historical aggressor traded through
        self._model_orders_rest = False
        """Whether a model order was ever added (only then can one be ahead of history)."""
        self.last_result: BookResult | None = None
        """The book result of the order last reported as applied (read by its report)."""
        self.journal: WriteAheadJournal | None = None  # None: no audit log configured
        self.l2 = L2Replay(self)  # its L2 books, their rows and queue models
        self._append_executions: Receiver = Unwired(self.name, "audit")
        self._matching_out = recorder.view("ts_matching_out_ns")
        self._held_history: list[HistoryRow] | None = None
        """History rows that reached the engine while it was down (None: it is up)."""
        views = recorder.view
        self._action, self._symbol, self._source = views("action"), views("symbol"), views("source")
        self._order_id, self._side = views("order_id"), views("side")
        self._price, self._qty = views("price"), views("qty")
        self._filled, self._cancelled = views("filled_qty"), views("cancelled_qty")
        self.connect(self._process, self._refuse)

    def connect_outputs(self, book_changed: Receiver, report: Receiver) -> None:
        """Set where book changes (market data) and execution reports go."""
        self.book_changed = book_changed
        self.report = report

    def add_listener(self, listener: BookListener) -> None:
        """Tell ``listener`` of every accepted book operation, history included."""
        self.accounting.listeners.append(listener)

    def ensure_books(self, symbol_count: int) -> None:
        """Create books for recorder symbol codes up to ``symbol_count - 1``."""
        books = self.books
        names = self.recorder.symbols
        while len(books) < symbol_count:
            books.append(OrderBook(names[len(books)]))

    def set_time_in_force(self, first_seq: int, codes: npt.NDArray[np.int8]) -> None:
        """Set the tif codes of model orders ``first_seq ..`` (default GTC, code 0)."""
        self._tif[first_seq : first_seq + len(codes)] = codes.astype(np.uint8).tobytes()

    def set_time_in_force_of(self, seq: int, code: int, post_only: bool = False) -> None:
        """Set the tif code of model order ``seq``, and whether it may only add liquidity."""
        self._tif[seq] = code
        self._post_only[seq] = post_only

    def _id_map(self, source: int, symbol: int) -> dict[int, int]:
        key = (source, symbol)
        ids = self._ids.get(key)
        if ids is None:
            ids = self._ids[key] = {}
        return ids

    # ------------------------------------------------------------ model orders

    def _process(self, seq: int) -> None:
        """Apply a served order to its book and report it (the stage's ``on_done``)."""
        if self.journal is not None:
            self.journal.log(seq, self.env.now)
        outcome = self._apply(seq, True)
        if isinstance(outcome, RejectReason):
            self._refuse_counted(seq, outcome)
            return
        result, owner = outcome
        self._settle(result, owner, self.env.now, self.books[self._symbol[seq]].symbol)
        if self._action[seq] != _MARKET or result.trades:
            self.book_changes += 1
            self.book_changed(seq)
        self.last_result = result
        self.report(seq)

    def _apply(self, seq: int, live: bool) -> tuple[BookResult, int] | RejectReason:
        """Apply order ``seq`` to its book: ``(result, owner seq or -1)`` or a reject reason.

        ``live`` False (a WAL replay) leaves the order's accounting columns alone.
        """
        action = self._action[seq]
        symbol = self._symbol[seq]
        book = self.books[symbol]
        key = (self._source[seq], symbol)
        ids = self._ids.get(key)
        if ids is None:
            ids = self._ids[key] = {}
        venue_id = self._order_id[seq]
        owner = seq
        if action == _ADD:
            resting = ids.get(venue_id)
            if resting is not None and resting in book:
                return _DUPLICATE_ORDER_ID
            if self._post_only[seq]:
                result = book.submit(seq + 1, Side(self._side[seq]), self._price[seq],
                                     self._qty[seq], post_only=True)
            else:
                added = apply_event(
                    book, _ADD, seq + 1, self._side[seq], self._price[seq], self._qty[seq],
                    TIF_BY_CODE[self._tif[seq]],
                )
                assert added is not None  # only a trade has no book result
                result = added
            if result.accepted:
                ids[venue_id] = seq + 1
                self._model_orders_rest = True
        elif action == _MARKET:
            result = book.market(seq + 1, self._side[seq], self._qty[seq])
        else:
            target = ids.get(venue_id)
            if target is None or target not in book:
                return _UNKNOWN_ORDER
            owner = target - 1 if target <= self._capacity else -1
            result = amend_resting(book, action, seq, target, owner if live else -1,
                                   self._price, self._qty, self._filled, self._cancelled)
        if result.reject_reason is not None:
            return result.reject_reason
        return result, owner

    # ----------------------------------------------------------------- history

    def apply_history(
        self,
        source: int,
        ts_ns: int,
        action: int,
        symbol: int,
        venue_id: int,
        side: int,
        price: int | None,
        qty: int | None,
        tif: str | None = None,
    ) -> None:
        """Apply one history row (``action`` an ``OrderAction`` code) at ``ts_ns``.

        Applied inline by the feed, outside any stage (listeners see it; the publisher
        does not). ``tif`` as :func:`apply_event` takes it: an IOC or FOK add never rests,
        so its venue id is not kept. A write-ahead log journals the row first, and holds it
        while the engine is down.
        """
        if self.journal is not None:
            row = HistoryRow(source, action, symbol, venue_id, side, price, qty, tif)
            if self._held_history is not None:
                self._held_history.append(row)
                return
            self.journal.log(row, ts_ns)
        applied = self._apply_history(source, action, symbol, venue_id, side, price, qty, tif,
                                      ts_ns)
        if applied is None:
            return
        self.history_applied += 1
        result, owner, book = applied
        if not result.accepted:
            reason = str(result.reject_reason)
            self.history_rejected[reason] = self.history_rejected.get(reason, 0) + 1
            return
        self._settle(result, owner, ts_ns, book.symbol)

    def _apply_history(
        self,
        source: int,
        action: int,
        symbol: int,
        venue_id: int,
        side: int,
        price: int | None,
        qty: int | None,
        tif: str | None,
        ts_ns: int,
    ) -> tuple[BookResult, int, OrderBook] | None:
        """Apply a history row to its book: ``(result, owner seq or -1, book)``, None for a print.

        ``ts_ns`` is the row's time, or -1 for a WAL replay, which reuses the book ids the
        row got when first applied and changes no accounting.
        """
        kind = _ACTIONS[action]
        book = self.books[symbol]
        ids = self._id_map(source, symbol)
        if kind is _ADD or kind is _MARKET:
            book_id = self._next_history_id
            self._next_history_id += 1
            if ts_ns >= 0:
                self.accounting.history_venue_ids.append(venue_id)
            if kind is _ADD and (tif is None or tif == "gtc"):
                ids[venue_id] = book_id
        else:
            found = ids.get(venue_id)
            book_id = 0 if found is None else found
            if kind is _EXECUTE and found is not None and qty and self._model_orders_rest:
                for ahead in fill_ahead(book, found, qty, self._capacity):
                    self.traded_through += 1
                    if ts_ns >= 0:
                        self._settle(ahead, -1, ts_ns, book.symbol)
        result = apply_event(book, kind, book_id, side, price, qty, tif)
        if result is None:
            return None
        if result.accepted and (kind is _CANCEL or kind is _EXECUTE) and not result.resting_qty:
            ids.pop(venue_id, None)
        owner = book_id - 1 if 0 < book_id <= self._capacity else -1
        return result, owner, book

    # ------------------------------------------------------ write-ahead log and recovery

    def use_audit_log(self, audit: AuditLog) -> None:
        """Put the write-ahead log between service and the books: orders apply once durable.

        ``ts_matching_out_ns`` then says when an order was durably logged and applied.
        """
        self.connect(audit.append, self._refuse)
        audit.connect(self._durable)
        self._append_executions = audit.append_executions

    def _durable(self, seq: int) -> None:
        self._matching_out[seq] = self.env.now
        fills = self.recorder.fills["ts_ns"]
        before = len(fills)
        self._process(seq)
        self._append_executions(len(fills) - before)

    def enable_journal(
        self, origin_ns: int, snapshot_interval_ns: int, failures_ns: Collection[int] = ()
    ) -> None:
        """Journal every applied record; snapshot every interval from ``origin_ns``.

        ``failures_ns`` are the scheduled failover times (see :mod:`sim.model.journal`).
        """
        self.journal = WriteAheadJournal(origin_ns, snapshot_interval_ns, failures_ns,
                                         self._state)

    def _state(self) -> EngineState:
        return self.books, self._ids, self._next_history_id

    def go_down(self) -> WriteAheadJournal:
        """The engine died: hold history rows until :meth:`come_back`; return the journal."""
        journal = self.journal
        assert journal is not None, "a failover needs the write-ahead log"
        journal.catch_up(self.env.now)
        self._held_history = []
        return journal

    def rebuild_from_snapshot(self) -> None:
        """Become the standby: load the last snapshot, then replay the WAL records since it.

        The books are rebuilt, not copied from the dead primary; replayed orders
        change no accounting (it already happened when they were first applied).
        """
        journal = self.journal
        assert journal is not None, "a failover needs the write-ahead log"
        symbols = len(self.books)
        self.books, self._ids, self._next_history_id = journal.load()
        self.ensure_books(symbols)
        for entry in journal.records:
            if isinstance(entry, int):
                self._apply(entry, False)
            else:
                self._apply_history(*entry, -1)

    def come_back(self) -> None:
        """Accept work again: apply the held history rows in order, at the current time."""
        held, self._held_history = self._held_history or [], None
        now = self.env.now
        for row in held:
            self.apply_history(row.source, now, row.action, row.symbol, row.venue_id, row.side,
                               row.price, row.qty, row.tif)

    def book_image(self) -> list[tuple[str, BookImage]]:
        """Every book's resting orders in priority order (see :func:`book_image`), by symbol."""
        return [(book.symbol, book_image(book)) for book in self.books]

    # --------------------------------------------------------------- end of run

    def finish(self) -> None:
        """Write ``resting_qty`` of every model order still on a book (walks the books)."""
        resting = self.recorder.view("resting_qty")
        capacity = self._capacity
        for book in self.books:
            bids, asks = book.depth(len(book) + 1)
            for side, levels in ((Side.BUY, bids), (Side.SELL, asks)):
                for price, _size in levels:
                    for order in book.level_orders(side, price):
                        if order.order_id <= capacity:
                            resting[order.order_id - 1] = order.qty + order.hidden_qty

    def stats(self) -> dict[str, int]:
        """Stage counters plus book changes and history rows applied and rejected."""
        counters = super().stats()
        counters["book_changes"] = self.book_changes
        counters["history_applied"] = self.history_applied
        if self.traded_through:
            counters["traded_through"] = self.traded_through
        for reason, count in sorted(self.history_rejected.items()):
            counters[f"history_rejected.{reason}"] = count
        return counters | self.l2.stats()

