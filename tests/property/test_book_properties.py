"""Property tests of the order book over random operation sequences.

Each example replays a random list of operations (adds, limit orders with
IOC/FOK/post-only/iceberg flags, market orders, cancels, partial cancels,
modifies, executes, stops) and checks after every step: the resting book is
never crossed and its level sizes add up; every order's quantity is conserved
(submitted = traded + cancelled + resting, hidden and held-stop quantity
included); makers at a level trade in arrival order with iceberg refreshes at
the back; FOK orders fill completely or not at all; modifies keep or lose
priority by the rules; stops trigger exactly when a trade reaches them.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import event, given, settings
from hypothesis import strategies as st

from sim.core import (
    BookResult,
    OrderBook,
    OrderType,
    SelfTradePrevention,
    Side,
    TimeInForce,
)

PRICES = st.integers(95, 105)
QTYS = st.integers(1, 12)
SIDES = st.sampled_from([Side.BUY, Side.SELL])
PICK = st.integers(0, 10_000)  # index into the ids seen so far
ACCOUNTS = st.sampled_from([None, "a", "b"])
# Buys mostly below sells so the book builds depth, with an overlap where they cross.
QUOTES = st.one_of(
    st.tuples(st.just(Side.BUY), st.integers(95, 101)),
    st.tuples(st.just(Side.SELL), st.integers(99, 105)),
)

OPERATIONS = st.one_of(
    st.tuples(st.just("add"), QUOTES, QTYS),
    st.tuples(
        st.just("limit"),
        QUOTES,
        st.integers(1, 30),
        st.sampled_from(list(TimeInForce)),
        st.booleans(),
        st.one_of(st.none(), st.integers(1, 4)),
        ACCOUNTS,
    ),
    st.tuples(
        st.just("market"), SIDES, st.integers(1, 30), st.sampled_from(list(TimeInForce)), ACCOUNTS
    ),
    st.tuples(st.just("iceberg"), QUOTES, st.integers(5, 30), st.integers(1, 4), ACCOUNTS),
    st.tuples(st.just("cancel"), PICK, st.one_of(st.none(), st.integers(1, 12))),
    st.tuples(st.just("modify"), PICK, PRICES, QTYS),
    st.tuples(st.just("execute"), PICK, QTYS),
    st.tuples(st.just("stop"), SIDES, PRICES, st.one_of(st.none(), PRICES), QTYS, ACCOUNTS),
)
SEQUENCES = st.lists(OPERATIONS, min_size=5, max_size=80)

Step = Callable[..., tuple[int, int, BookResult, int]]
"""A harness operation: returns (order id, new-order qty or 0, result, qty added by modify)."""

SETTINGS = settings(max_examples=200, deadline=None)


@dataclass
class Harness:
    """Drives a book and keeps the ledger the invariants are checked against."""

    book: OrderBook
    next_id: int = 1
    ids: list[int] = field(default_factory=list)
    submitted: Counter[int] = field(default_factory=Counter)
    traded: Counter[int] = field(default_factory=Counter)
    cancelled: Counter[int] = field(default_factory=Counter)
    stop_prices: dict[int, tuple[int, int]] = field(default_factory=dict)

    def new_id(self) -> int:
        order_id = self.next_id
        self.next_id += 1
        return order_id

    def pick(self, index: int) -> int:
        """An id seen so far: a live one for even ``index``, any (maybe gone) for odd."""
        book = self.book
        live = [i for i in self.ids if i in book or book.stop_order(i) is not None]
        pool = live if index % 2 == 0 and live else self.ids
        return pool[index // 2 % len(pool)] if pool else 999_999

    def total(self, order_id: int) -> int:
        order = self.book.resting_order(order_id)
        if order is not None:
            return order.qty + order.hidden_qty
        stop = self.book.stop_order(order_id)
        return 0 if stop is None else stop.qty

    def apply(self, op: tuple[Any, ...]) -> BookResult:
        kind = op[0]
        before = snapshot_queues(self.book)
        prior_stops = {i: self.stop_prices[i] for i in self.stop_prices if self.book.stop_order(i)}
        step: Step = getattr(self, f"_{kind}")
        order_id, qty, result, extra = step(*op[1:])
        if result.accepted:
            if qty:  # a new order
                self.submitted[order_id] += qty
                self.ids.append(order_id)
            self.submitted[order_id] += extra
            self.book_keep(order_id, result)
        else:
            assert result.trades == []
            assert result.filled_qty == result.resting_qty == result.cancelled_qty == 0
        assert result.resting_qty == (self.total(order_id) if result.accepted else 0)
        event(f"{kind} {'accepted' if result.accepted else result.reject_reason}")
        if result.triggered_stop_ids:
            event("stop triggered")
        if result.cancelled_orders:
            event("other order cancelled")
        if kind != "execute":  # execute names its maker, which need not be at the front
            check_priority(before, result, order_id)
        check_stops(prior_stops, result, self.book)
        self.check_book()
        return result

    def book_keep(self, order_id: int, result: BookResult) -> None:
        for trade in result.trades:
            self.traded[trade.maker_id] += trade.qty
            if trade.taker_id:
                self.traded[trade.taker_id] += trade.qty
        self.cancelled[order_id] += result.cancelled_qty
        for other, qty in result.cancelled_orders:
            self.cancelled[other] += qty
        own = sum(t.qty for t in result.trades if order_id in (t.taker_id, t.maker_id))
        assert own == result.filled_qty

    def _add(self, quote: tuple[Side, int], qty: int) -> tuple[int, int, BookResult, int]:
        side, price = quote
        order_id = self.new_id()
        return order_id, qty, self.book.add(order_id, side, price, qty), 0

    def _limit(
        self,
        quote: tuple[Side, int],
        qty: int,
        tif: TimeInForce,
        post_only: bool,
        display: int | None,
        account: str | None,
    ) -> tuple[int, int, BookResult, int]:
        side, price = quote
        order_id = self.new_id()
        result = self.book.submit(
            order_id, side, price, qty, tif=tif, post_only=post_only, display_qty=display,
            account=account,
        )  # fmt: skip
        check_fok(tif, qty, result)
        return order_id, qty, result, 0

    def _iceberg(
        self, quote: tuple[Side, int], qty: int, display: int, account: str | None
    ) -> tuple[int, int, BookResult, int]:
        return self._limit(quote, qty, TimeInForce.GTC, False, display, account)

    def _market(
        self, side: Side, qty: int, tif: TimeInForce, account: str | None
    ) -> tuple[int, int, BookResult, int]:
        order_id = self.new_id()
        result = self.book.submit(
            order_id, side, None, qty, order_type=OrderType.MARKET, tif=tif, account=account
        )
        check_fok(tif, qty, result)
        assert result.resting_qty == 0
        return order_id, qty, result, 0

    def _cancel(self, index: int, qty: int | None) -> tuple[int, int, BookResult, int]:
        order_id = self.pick(index)
        return order_id, 0, self.book.cancel(order_id, qty), 0

    def _modify(self, index: int, price: int, qty: int) -> tuple[int, int, BookResult, int]:
        order_id = self.pick(index)
        old = self.book.resting_order(order_id)
        result = self.book.modify(order_id, price, qty)
        if old is None:
            assert not result.accepted
            return order_id, 0, result, 0
        old_total = old.qty + old.hidden_qty
        check_modify_priority(self.book, old, old_total, price, qty, result)
        return order_id, 0, result, max(0, qty - old_total)

    def _execute(self, index: int, qty: int) -> tuple[int, int, BookResult, int]:
        order_id = self.pick(index)
        old_total = self.total(order_id)
        result = self.book.execute(order_id, qty)
        if result.accepted:
            assert result.trades[0].qty == min(qty, old_total)
        return order_id, 0, result, 0

    def _stop(
        self, side: Side, stop_price: int, limit: int | None, qty: int, account: str | None
    ) -> tuple[int, int, BookResult, int]:
        order_id = self.new_id()
        order_type = OrderType.STOP if limit is None else OrderType.STOP_LIMIT
        result = self.book.submit(
            order_id, side, limit, qty, order_type=order_type, stop_price=stop_price,
            account=account,
        )  # fmt: skip
        assert result.accepted
        self.stop_prices[order_id] = (side, stop_price)
        return order_id, qty, result, 0

    def check_book(self) -> None:
        book = self.book
        bid, ask = book.best_bid(), book.best_ask()
        assert bid is None or ask is None or bid < ask, "resting book is crossed"
        bids, asks = book.depth(1_000)
        assert [p for p, _ in bids] == sorted((p for p, _ in bids), reverse=True)
        assert [p for p, _ in asks] == sorted(p for p, _ in asks)
        resting = 0
        for side, levels in ((Side.BUY, bids), (Side.SELL, asks)):
            for price, size in levels:
                orders = book.level_orders(side, price)
                assert size > 0
                assert size == sum(o.qty for o in orders) == book.level_size(side, price)
                assert all(o.qty > 0 and o.price == price and o.side == side for o in orders)
                resting += len(orders)
        assert resting == len(book)

    def check_conservation(self) -> None:
        for order_id, submitted in self.submitted.items():
            live = self.total(order_id)
            accounted = self.traded[order_id] + self.cancelled[order_id] + live
            assert submitted == accounted, f"order {order_id} not conserved"
        total = sum(self.submitted.values())
        live_total = sum(self.total(i) for i in self.submitted)
        assert total == sum(self.traded.values()) + sum(self.cancelled.values()) + live_total


Queues = dict[tuple[int, int], deque[list[int]]]


def snapshot_queues(book: OrderBook) -> Queues:
    """Every level's queue as [order_id, visible, hidden, display] entries, front first."""
    bids, asks = book.depth(1_000)
    queues: Queues = {}
    for side, levels in ((1, bids), (-1, asks)):
        for price, _ in levels:
            queues[side, price] = deque(
                [o.order_id, o.qty, o.hidden_qty, o.display_qty or 0]
                for o in book.level_orders(Side(side), price)
            )
    return queues


def check_priority(before: Queues, result: BookResult, taker_id: int) -> None:
    """The taker's trades consume each level front first; refreshed slices join the back."""
    stp_cancelled = {order_id for order_id, _ in result.cancelled_orders}
    exhausted = False
    for trade in result.trades:
        if trade.taker_id != taker_id:
            break  # a triggered stop: it saw a book changed by this very operation
        assert not exhausted, "taker traded again after a partial fill"
        queue = before[-trade.aggressor_side, trade.price]
        # Skip makers self-trade prevention cancelled before this trade; a maker it
        # cancelled later in the same operation (by a triggered stop) still traded first.
        while queue and queue[0][0] in stp_cancelled and queue[0][0] != trade.maker_id:
            queue.popleft()
        assert queue, "trade at a level with no resting maker"
        front = queue[0]
        assert trade.maker_id == front[0], "maker out of time priority"
        assert trade.qty <= front[1]
        front[1] -= trade.qty
        if front[1]:
            exhausted = True
            continue
        queue.popleft()
        if front[2]:
            event("iceberg refreshed")
            front[1] = min(front[3], front[2])
            front[2] -= front[1]
            queue.append(front)


def check_fok(tif: TimeInForce, qty: int, result: BookResult) -> None:
    """A FOK order fills completely or not at all; IOC and FOK orders never rest."""
    if tif is not TimeInForce.GTC:
        assert result.resting_qty == 0
    if tif is TimeInForce.FOK:
        assert result.filled_qty in (0, qty)
        if result.accepted:
            assert result.filled_qty == qty or result.cancelled_qty == qty
        else:
            assert result.trades == []


def check_modify_priority(
    book: OrderBook, old: Any, old_total: int, price: int, qty: int, result: BookResult
) -> None:
    """Decrease at the same price keeps the queue place; anything else goes to the back."""
    order_id = old.order_id
    new = book.resting_order(order_id)
    if price == old.price and qty <= old_total:
        assert result.trades == []
        assert new is not None
        assert new.qty + new.hidden_qty == qty
    elif new is not None and not result.triggered_stop_ids:
        queue = [o.order_id for o in book.level_orders(Side(new.side), new.price)]
        assert queue[-1] == order_id, "modified order did not go to the back"


def check_stops(prior: dict[int, tuple[int, int]], result: BookResult, book: OrderBook) -> None:
    """Triggered stops had a trade at or through their price; held ones had none."""
    prices = [t.price for t in result.trades]
    for order_id, (side, stop_price) in prior.items():
        hit = any(p >= stop_price if side == 1 else p <= stop_price for p in prices)
        triggered = order_id in result.triggered_stop_ids
        assert hit == triggered, f"stop {order_id} trigger rule broken"
        assert not (triggered and book.stop_order(order_id) is not None)


def run(operations: list[tuple[Any, ...]], book: OrderBook) -> Harness:
    harness = Harness(book)
    for op in operations:
        harness.apply(op)
        harness.check_conservation()
    return harness


@SETTINGS
@given(SEQUENCES)
def test_random_operations_keep_book_invariants(operations: list[tuple[Any, ...]]) -> None:
    run(operations, OrderBook())


@SETTINGS
@given(
    SEQUENCES,
    st.sampled_from(list(SelfTradePrevention)),
)
def test_invariants_hold_with_self_trade_prevention(
    operations: list[tuple[Any, ...]], mode: SelfTradePrevention
) -> None:
    harness = run(operations, OrderBook(self_trade_prevention=mode, record_deltas=True))
    assert harness.book.stop_count == sum(
        1 for i in harness.stop_prices if harness.book.stop_order(i) is not None
    )


def level_sizes(book: OrderBook) -> dict[tuple[int, int], int]:
    bids, asks = book.depth(1_000)
    sizes = {(1, price): size for price, size in bids}
    sizes.update({(-1, price): size for price, size in asks})
    return sizes


@SETTINGS
@given(SEQUENCES)
def test_deltas_report_every_changed_level(operations: list[tuple[Any, ...]]) -> None:
    harness = Harness(OrderBook(record_deltas=True))
    for op in operations:
        before = level_sizes(harness.book)
        result = harness.apply(op)
        after = level_sizes(harness.book)
        changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
        reported = {(int(d.side), d.price) for d in result.deltas}
        assert changed <= reported
        assert len(reported) == len(result.deltas)
        for delta in result.deltas:
            assert delta.new_size == after.get((delta.side, delta.price), 0)


@SETTINGS
@given(st.lists(st.tuples(SIDES, PRICES, QTYS), max_size=80))
def test_fast_add_equals_submit(orders: list[tuple[Side, int, int]]) -> None:
    fast, general = OrderBook(), OrderBook()
    for order_id, (side, price, qty) in enumerate(orders, start=1):
        a = fast.add(order_id, side, price, qty)
        b = general.submit(order_id, side, price, qty)
        assert a == b
    assert fast.depth(100) == general.depth(100)
