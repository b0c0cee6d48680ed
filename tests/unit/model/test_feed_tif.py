"""Time in force and accounts from the data reach the model: IOC/FOK never rest, on both routes."""

from __future__ import annotations

import dataclasses

import numpy as np
import polars as pl

from sim.core.book import OrderBook
from sim.core.replay import apply_event
from sim.core.vocabulary import OrderAction
from sim.data.events import CODE_BY_TIF, NO_ACCOUNT, TIF_BY_CODE, EventColumns
from sim.model.platform import Platform
from sim.model.testing import constant_topology, events, scenario

ROWS = [
    (1_000, "add", 1, -1, 100, 5),
    (2_000, "add", 2, 1, 100, 8),  # IOC: takes 5, 3 cancelled
    (3_000, "add", 3, -1, 101, 4),
    (4_000, "add", 4, 1, 101, 9),  # FOK: only 4 available, rejected
    (5_000, "add", 5, 1, 99, 6),
    (6_000, "cancel", 2, 1, None, None),  # names the IOC order: never rested
]
TIFS = [None, "ioc", None, "fok", "gtc", None]
ACCOUNTS = ["bob", "amy", None, "amy", "bob", "amy"]


def batch(accounts: bool = False) -> EventColumns:
    codes = np.array([CODE_BY_TIF.get(tif or "gtc") for tif in TIFS], dtype=np.int8)
    extra: dict[str, object] = {"tif": codes}
    if accounts:
        names = ("amy", "bob")
        extra["account"] = np.array(
            [NO_ACCOUNT if a is None else names.index(a) for a in ACCOUNTS], dtype=np.int32
        )
        extra["accounts"] = names
    return dataclasses.replace(events(ROWS), **extra)  # type: ignore[arg-type]


def run(route: str, columns: EventColumns) -> Platform:
    platform = Platform(
        scenario(constant_topology(), sources=(("feed", route),)), [[columns]], len(ROWS)
    )
    platform.run()
    return platform


def depth(book: OrderBook) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    return book.depth(len(book) + 1)


def pure_book() -> OrderBook:
    book = OrderBook("AAA")
    for (_, action, order_id, side, price, qty), tif in zip(ROWS, TIFS, strict=True):
        apply_event(book, OrderAction.parse(action), order_id, side, price, qty, tif)
    return book


def test_tif_codes_map_to_apply_event_values() -> None:
    assert [TIF_BY_CODE[CODE_BY_TIF[t]] for t in ("gtc", "ioc", "fok")] == [None, "ioc", "fok"]


def test_direct_route_honours_tif_exactly_as_apply_event() -> None:
    platform = run("direct", batch())
    (book,) = platform.matching.books
    assert depth(book) == depth(pure_book()) == ([(99, 6)], [(101, 4)])
    stats = platform.matching.stats()
    assert stats["history_applied"] == len(ROWS)
    assert stats["history_rejected.fok_not_fillable"] == 1
    assert stats["history_rejected.unknown_order"] == 1


def test_direct_route_without_tif_rests_the_remainders() -> None:
    platform = run("direct", events(ROWS[:-1]))  # without the cancel of order 2
    (book,) = platform.matching.books
    assert depth(book) == ([(101, 5), (100, 3), (99, 6)], [])


def test_full_route_sends_ioc_and_fok_orders_to_the_book() -> None:
    platform = run("full", batch())
    (book,) = platform.matching.books
    assert depth(book) == depth(pure_book())
    orders = pl.from_arrow(platform.recorder.to_arrow())
    assert orders["outcome"].to_list() == [
        "filled", "partial", "resting", "rejected", "resting", "rejected"
    ]
    ioc = orders.row(1, named=True)
    assert (ioc["filled_qty"], ioc["cancelled_qty"], ioc["resting_qty"]) == (5, 3, 0)
    assert orders["reject_reason"].to_list()[3:] == ["fok_not_fillable", None, "unknown_order"]


def test_full_route_writes_accounts_into_the_orders_table() -> None:
    platform = run("full", batch(accounts=True))
    orders = platform.recorder.to_arrow()
    assert orders.column("account").to_pylist() == ACCOUNTS
