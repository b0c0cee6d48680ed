"""Strategies in the loop: per-action entry latency, feed latency, exact queue position."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest

from sim.errors import StrategyError
from sim.model.platform import Platform, RunResult
from sim.model.testing import constant_topology, events
from sim.scenario.schema import Scenario
from sim.strategy.api import BookUpdate, ExecutionReport, Strategy, StrategyContext, TradePrint

MS = 1_000_000
US = 1_000
SERVICE = 2 * US
"""The matching stage's constant service time (constant_topology's default)."""


def constant(ns: int) -> dict[str, Any]:
    return {"latency": {"kind": "constant", "value": ns}}


def run(strategy: Strategy, rows: list[tuple[Any, ...]], topology: dict[str, Any] | None = None,
        **config: Any) -> tuple[Platform, RunResult]:
    body = {
        "name": "loop", "seed": 1, "topology": topology or constant_topology(),
        "data": {"sources": [{"name": "hist", "path": "hist.parquet", "route": "direct"}]},
        "strategies": [{"name": "s", "path": "tests.unit.model:Unused", **config}],
    }
    platform = Platform(Scenario.model_validate(body), [[events(rows)]], len(rows),
                        strategies=[strategy])
    return platform, platform.run()


class Recorder(Strategy):
    """Remembers every report it gets, with the time it got it."""

    def __init__(self) -> None:
        self.reports: list[tuple[int, ExecutionReport]] = []

    def on_execution_report(self, ctx: StrategyContext, report: ExecutionReport) -> None:
        self.reports.append((ctx.now_ns, report))


class ThreeActions(Recorder):
    """Submits, cancels and modifies one order in a single callback."""

    def on_start(self, ctx: StrategyContext) -> None:
        order = ctx.submit("AAA", 1, 10, price=990)
        ctx.cancel(order)
        ctx.modify(order, 995, 10)


def test_the_venue_applies_actions_in_arrival_order_not_issue_order() -> None:
    strategy = ThreeActions()
    rows = [(1 * MS, "add", 1, -1, 1000, 5), (20 * MS, "add", 2, -1, 1001, 5)]
    _platform, result = run(strategy, rows, entry_by_action={
        "submit": constant(1 * MS), "cancel": constant(10 * MS), "modify": constant(5 * MS)})
    applied = [(at - 1 * MS, report.status.value, report.price, report.leaves_qty)
               for at, report in strategy.reports]
    assert applied == [
        (1 * MS + SERVICE, "accepted", 990, 10),
        (5 * MS + SERVICE, "modified", 995, 10),
        (10 * MS + SERVICE, "cancelled", 995, 0),
    ]
    orders = pl.from_arrow(result.orders).filter(pl.col("source") == "strategy.s")
    assert orders.select("action", "ts_matching_in_ns").rows() == [
        ("add", 2 * MS), ("cancel", 11 * MS), ("modify", 6 * MS)]
    # each row's report reached the strategy (its client) when it was applied: ts_ack_ns
    assert orders["ts_ack_ns"].to_list() == [
        2 * MS + SERVICE, 11 * MS + SERVICE, 6 * MS + SERVICE]


class JoinTheBid(Recorder):
    """Joins the best bid for 3 shares the first time it sees 9 shares there."""

    sent = 0

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        if book.bid == 1000 and book.bid_qty == 9 and not self.sent:
            self.sent = ctx.submit("AAA", 1, 3, price=1000)


def test_a_passive_order_fills_only_once_the_volume_ahead_is_gone() -> None:
    strategy = JoinTheBid()
    rows = [
        (1 * MS, "add", 101, 1, 1000, 5),
        (1 * MS, "add", 102, 1, 1000, 4),    # 9 shares ahead when the strategy joins
        (2 * MS, "execute", 101, 1, None, 5),  # volume ahead trades: not the strategy
        (3 * MS, "cancel", 102, 1, None, None),  # the rest ahead leaves
        (4 * MS, "add", 103, 1, 1000, 6),    # history joins behind the strategy
        (5 * MS, "execute", 103, 1, None, 4),  # an aggressor trades through its place
        (9 * MS, "add", 104, -1, 1010, 1),
    ]
    _platform, result = run(strategy, rows)
    fills = pl.from_arrow(result.fills).select("ts_ns", "qty", "maker_order_id")
    assert fills.rows() == [(5 * MS, 3, 1)]
    statuses = [(at, report.status.value, report.last_qty, report.liquidity)
                for at, report in strategy.reports]
    assert statuses == [(1 * MS + SERVICE, "accepted", 0, ""), (5 * MS, "filled", 3, "maker")]
    assert result.components["stage.matching"]["traded_through"] == 1


class TakeTheAsk(Recorder):
    """Sends a buy IOC for 5 at the best ask the first time it sees one."""

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        if book.ask is not None and not self.reports:
            ctx.submit("AAA", 1, 5, price=book.ask, tif="ioc")


def test_feed_latency_changes_what_the_strategy_sees_and_which_fills_it_gets() -> None:
    rows = [(1 * MS, "add", 201, -1, 1010, 5), (1_500 * US, "cancel", 201, -1, None, None),
            (10 * MS, "add", 202, 1, 900, 1)]
    fast, slow = TakeTheAsk(), TakeTheAsk()
    _platform, result = run(fast, rows, feed=constant(100 * US), entry=constant(100 * US),
                            response=constant(50 * US))
    run(slow, rows, feed=constant(1 * MS), entry=constant(100 * US))
    # fast sees the ask at 1.1 ms; its IOC reaches the venue at 1.2 ms, before the cancel
    assert [(r.status.value, r.last_qty) for _at, r in fast.reports] == [("filled", 5)]
    # fully filled, its one fill report also acknowledges the order (50 us back)
    orders = pl.from_arrow(result.orders).filter(pl.col("source") == "strategy.s")
    assert orders["ts_ack_ns"].to_list() == [1_200 * US + SERVICE + 50 * US]
    # slow sees it at 2 ms, after it was cancelled at 1.5 ms: the IOC finds nothing
    assert [(r.status.value, r.last_qty) for _at, r in slow.reports] == [("cancelled", 0)]


class Broken(Strategy):
    """Raises in its first book update."""

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        raise KeyError("x")


class Chatty(Strategy):
    """Answers every book update with a new order: a loop when nothing takes time."""

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        ctx.submit("AAA", 1, 1, price=900 + ctx.now_ns % 7)


def test_an_exception_in_a_callback_names_strategy_callback_and_time() -> None:
    with pytest.raises(StrategyError) as caught:
        run(Broken(), [(1 * MS, "add", 1, -1, 1000, 5)])
    assert str(caught.value) == (
        "strategy.s: Broken.on_book_update raised KeyError: 'x' at 1000000 ns (1ms)")


def test_a_zero_latency_feedback_loop_is_stopped() -> None:
    with pytest.raises(StrategyError, match=r"^strategy\.s: more than 10000 actions at 1000000 ns"):
        run(Chatty(), [(1 * MS, "add", 1, -1, 1000, 5), (2 * MS, "add", 2, -1, 1001, 5)],
            topology=constant_topology(matching=0))


def test_callbacks_stop_at_the_last_data_event() -> None:
    strategy = Chatty()
    platform, _result = run(strategy, [(1 * MS, "add", 1, -1, 1000, 5)])
    counters = platform.sessions[0].stats()
    # the answer reaches the book 2us after the data's end at 1 ms: its book update and
    # its report are counted but not delivered, so nothing answers them
    assert (counters["actions"], counters["book_updates"], counters["dropped_after_end"]) == (
        1, 1, 2)


class CancelsAStranger(Strategy):
    """Cancels an order it never sent."""

    def on_start(self, ctx: StrategyContext) -> None:
        ctx.cancel(99)


def test_acting_on_an_order_it_never_sent_is_an_error() -> None:
    with pytest.raises(StrategyError,
                       match=r"^strategy\.s: cancel of order 99, which it never sent$"):
        run(CancelsAStranger(), [(1 * MS, "add", 1, -1, 1000, 5)])


def test_fills_are_in_the_ledger_with_fees_queue_position_and_pnl() -> None:
    strategy = JoinTheBid()
    rows = [
        (1 * MS, "add", 105, -1, 1010, 10),  # the ask first: the mid is 1005 when it joins
        (1 * MS, "add", 101, 1, 1000, 5),
        (1 * MS, "add", 102, 1, 1000, 4),
        (2 * MS, "execute", 101, 1, None, 5),
        (3 * MS, "cancel", 102, 1, None, None),
        (4 * MS, "add", 103, 1, 1000, 6),
        (5 * MS, "execute", 103, 1, None, 4),
        (9 * MS, "add", 104, -1, 1011, 1),
    ]
    _platform, result = run(strategy, rows, maker_fee=-20, taker_fee=30)
    ledger = pl.from_arrow(result.strategies["s"])
    assert ledger.select("ts_ns", "side", "price", "qty", "liquidity", "fee",
                         "queue_ahead_at_entry", "arrival_mid", "position", "mark").rows() == [
        (5 * MS, 1, 1000, 3, "maker", -60, 9, 1005, 3, 1005)]
    # cash + position x mark = realised + unrealised - fees
    row = ledger.row(0, named=True)
    assert row["cash"] + row["position"] * row["mark"] == (
        row["realized_pnl"] + row["unrealized_pnl"] - row["fee"])
    counters = result.components["strategy.s"]
    assert (counters["fills"], counters["position"], counters["fees"], counters["net_pnl"]) == (
        1, 3, -60, 3 * (1005 - 1000) + 60)
    # every strategy fill is in fills.parquet, on an order of the strategy's account
    orders = pl.from_arrow(result.orders).select("order_seq", "account")
    fills = pl.from_arrow(result.fills).join(orders, left_on="maker_seq", right_on="order_seq")
    assert fills.select("ts_ns", "qty", "account").rows() == [(5 * MS, 3, "s")]


class PostOnly(Recorder):
    """Sends a post-only buy at the ask (it would cross) and one a tick under it."""

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        if book.ask == 1010 and not self.sent:
            self.sent = True
            ctx.submit("AAA", 1, 5, price=1010, post_only=True)
            ctx.submit("AAA", 1, 5, price=1009, post_only=True)

    sent = False


def test_a_post_only_order_that_would_cross_is_refused_and_one_that_would_not_rests() -> None:
    strategy = PostOnly()
    run(strategy, [(1 * MS, "add", 1, -1, 1010, 5), (9 * MS, "add", 2, -1, 1011, 5)])
    assert [(r.order_id, r.status.value, r.reason) for _at, r in strategy.reports] == [
        (1, "rejected", "post_only_would_cross"), (2, "accepted", "")]


class TradeWatcher(Strategy):
    """Remembers the trades it sees."""

    def __init__(self) -> None:
        self.trades: list[tuple[int, int, int, int]] = []

    def on_trade(self, ctx: StrategyContext, trade: TradePrint) -> None:
        self.trades.append((ctx.now_ns, trade.price, trade.qty, trade.aggressor_side))


def test_trades_reach_a_strategy_that_listens_and_cost_nothing_for_one_that_does_not() -> None:
    rows = [(1 * MS, "add", 101, -1, 1010, 5), (2 * MS, "execute", 101, -1, None, 2),
            (3 * MS, "add", 102, 1, 900, 1)]
    watcher = TradeWatcher()
    platform, _result = run(watcher, rows, feed=constant(100 * US))
    assert watcher.trades == [(2 * MS + 100 * US, 1010, 2, 1)]
    assert platform.sessions[0].stats()["trades"] == 1
    deaf, _ = run(JoinTheBid(), rows, feed=constant(100 * US))
    assert deaf.sessions[0].stats()["trades"] == 0  # no on_trade: no message, no event


class TwoBuys(Recorder):
    """Sends a buy of 50 and one of 500 (over the risk limit) at the start."""

    def on_start(self, ctx: StrategyContext) -> None:
        ctx.submit("AAA", 1, 50, price=990)
        ctx.submit("AAA", 1, 500, price=990)


def test_through_the_platform_its_orders_pass_gateway_and_risk_and_risk_refuses_one() -> None:
    strategy = TwoBuys()
    body_risk = {"max_order_qty": 100}
    rows = [(1 * MS, "add", 1, -1, 1000, 5), (9 * MS, "add", 2, -1, 1001, 5)]
    body = {
        "name": "loop", "seed": 1, "topology": constant_topology(), "risk": body_risk,
        "data": {"sources": [{"name": "hist", "path": "hist.parquet", "route": "direct"}]},
        "strategies": [{"name": "s", "path": "tests.unit.model:Unused", "route": "platform"}],
    }
    platform = Platform(Scenario.model_validate(body), [[events(rows)]], len(rows),
                        strategies=[strategy])
    result = platform.run()
    # the refusal leaves risk before the first order has been through matching
    assert [(r.order_id, r.status.value, r.reason) for _at, r in strategy.reports] == [
        (2, "rejected", "max_order_qty"), (1, "accepted", "")]
    orders = pl.from_arrow(result.orders).filter(pl.col("source") == "strategy.s")
    assert orders.select("qty", "outcome", "reject_stage").rows() == [
        (50, "resting", None), (500, "rejected", "risk")]
    # both crossed the gateway (5 us) and risk (3 us); only the first reached matching
    assert orders["ts_gateway_in_ns"].to_list() == [1 * MS, 1 * MS]
    assert orders["ts_matching_in_ns"].to_list()[1] is None
