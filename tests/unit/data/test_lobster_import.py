"""LOBSTER import: each message type's canonical event, aggressors, seeding and the window."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.core import OrderBook
from sim.core.replay import apply_event
from sim.core.vocabulary import OrderAction
from sim.data.lobster import ImportStats, import_lobster
from sim.data.lobster_parse import iter_orderbook
from sim.data.schema import PRICE_SCALE_KEY
from sim.errors import DataError

DATE = dt.date(2012, 6, 21)
MIDNIGHT_NS = (1_340_236_800 + 4 * 3600) * 10**9  # 2012-06-21T00:00:00-04:00 (New York, EDT)
SYN = 2**62


def _run(
    tmp_path: Path, messages: list[str], book: list[str] | None = None, gz: bool = False
) -> tuple[ImportStats, list[dict[str, Any]], pa.Schema]:
    text = "".join(row + "\n" for row in messages)
    message_path = tmp_path / ("m.csv.gz" if gz else "m.csv")
    if gz:
        message_path.write_bytes(gzip.compress(text.encode()))
    else:
        message_path.write_text(text)
    book_path = None
    if book is not None:
        book_path = tmp_path / "b.csv"
        book_path.write_text("".join(row + "\n" for row in book))
    out = tmp_path / "events.parquet"
    stats = import_lobster(message_path, out, symbol="AAPL", date=DATE, orderbook_path=book_path)
    table = pq.read_table(out)
    rows = table.to_pylist()
    for row, ts in zip(rows, table.column("ts").cast(pa.int64()).to_pylist(), strict=True):
        row["ts"] = ts - MIDNIGHT_NS
        del row["symbol"]
    return stats, rows, table.schema


def _event(
    ts: int,
    action: str,
    order_id: int,
    side: int,
    price: int | None,
    qty: int | None,
    line: int,
    tif: str | None = None,
) -> dict[str, Any]:
    return {
        "ts": ts,
        "action": action,
        "order_id": order_id,
        "side": side,
        "price": price,
        "qty": qty,
        "tif": tif,
        "source_line": line,
    }


def test_each_message_type_maps_to_its_canonical_event(tmp_path: Path) -> None:
    stats, rows, schema = _run(
        tmp_path,
        [
            "34200.000000001,1,11,100,1000,1",
            "34200.000000002,2,11,30,1000,1",
            "34200.000000003,4,11,20,1000,1",
            "34200.000000004,5,0,7,1005,-1",
            "34200.000000005,7,0,0,-1,-1",
            "34200.000000006,3,11,50,1000,1",
            "34200.000000007,6,0,9,1003,1",
        ],
        gz=True,
    )
    assert rows == [
        _event(34_200_000_000_001, "add", 11, 1, 1000, 100, 1),
        _event(34_200_000_000_002, "cancel", 11, 1, None, 30, 2),
        _event(34_200_000_000_003, "add", SYN, -1, 1000, 20, 3, "ioc"),
        _event(34_200_000_000_004, "trade", 0, -1, 1005, 7, 4),
        _event(34_200_000_000_006, "cancel", 11, 1, None, None, 6),
        _event(34_200_000_000_007, "trade", 0, 1, 1003, 9, 7),
    ]
    assert (stats.rows_read, stats.events_written, stats.halts, stats.aggressors) == (7, 6, 1, 1)
    assert stats.events_by_action == {
        "add": 2,
        "cancel": 2,
        "modify": 0,
        "market": 0,
        "execute": 0,
        "trade": 2,
    }
    assert schema.metadata[PRICE_SCALE_KEY] == b"10000"
    assert schema.field("ts").type == pa.timestamp("ns", tz="UTC")


def test_timestamps_keep_every_nanosecond(tmp_path: Path) -> None:
    _, rows, _ = _run(tmp_path, ["34200.18960767,1,1,5,1000,1", "57599.999999999,1,2,5,1000,1"])
    assert [row["ts"] for row in rows] == [34_200_189_607_670, 57_599_999_999_999]


def test_consecutive_executions_of_one_time_and_direction_merge_into_one_ioc(
    tmp_path: Path,
) -> None:
    stats, rows, _ = _run(
        tmp_path,
        [
            "34200.1,1,1,10,1010,-1",
            "34200.1,1,2,10,1011,-1",
            "34200.2,4,1,10,1010,-1",
            "34200.2,4,2,4,1011,-1",  # same time, same direction: merged
            "34200.2,4,9,3,990,1",  # other direction: a new aggressor
            "34200.3,4,2,2,1011,-1",  # later time: a new aggressor
            "34200.3,5,0,1,1011,-1",
            "34200.3,4,2,1,1011,-1",  # after a non-type-4 row: a new aggressor
        ],
    )
    aggressors = [
        (r["order_id"] - SYN, r["side"], r["price"], r["qty"], r["source_line"])
        for r in rows
        if r["tif"] == "ioc"
    ]
    assert aggressors == [
        (0, 1, 1011, 14, 4),
        (1, -1, 990, 3, 5),
        (2, 1, 1011, 2, 6),
        (3, 1, 1011, 1, 8),
    ]
    assert (stats.aggressors, stats.aggressor_rows, stats.merged_rows) == (4, 5, 1)
    assert stats.unknown_id_references == 1  # id 9 was never added


# A level-1 day: bid 999x30 rests before the first message; see the comments per row.
MESSAGES = [
    "34200.000000001,1,1,10,1000,1",  # 1 new best bid; 999 leaves the 1-level window
    "34200.000000002,3,1,10,1000,1",  # 2 its delete: 999 (30) re-enters from beyond
    "34200.000000003,2,77,5,999,1",  # 3 unknown id: partial cancel of the 999 block
    "34200.000000004,1,2,5,999,1",  # 4 known order behind the block
    "34200.000000005,4,88,25,999,1",  # 5 unknown id: FIFO takes the block -> IOC aggressor
    "34200.000000006,1,3,7,1005,1",  # 6 new best bid: 999 (order 2) leaves the window
    "34200.000000007,3,3,7,1005,1",  # 7 999 re-enters with 12 shares
    "34200.000000008,1,4,5,1010,-1",  # 8 ask order 4 behind the 50-share seed block
    "34200.000000009,4,4,5,1010,-1",  # 9 order 4 filled first: not FIFO -> execute
    "34200.000000010,5,0,3,1008,-1",  # 10 hidden execution: a trade print
    "34200.000000011,4,99,50,1010,-1",  # 11 the aggressor wipes out 1010 ...
    "34200.000000011,4,98,10,1020,-1",  # 12 ... and takes 10 of 1020, which entered
    "34200.000000012,7,0,0,-1,-1",  # 13 halt
]
BOOK = [
    "1010,50,1000,10",
    "1010,50,999,30",
    "1010,50,999,25",
    "1010,50,999,30",
    "1010,50,999,5",
    "1010,50,1005,7",
    "1010,50,999,12",
    "1010,55,999,12",
    "1010,50,999,12",
    "1010,50,999,12",
    "1020,40,999,12",
    "1020,30,999,12",
    "1020,30,999,12",
]


def test_orderbook_drives_seeding_window_entries_exits_and_blocks(tmp_path: Path) -> None:
    stats, rows, _ = _run(tmp_path, MESSAGES, BOOK)
    brief = [
        (r["source_line"], r["action"], r["order_id"], r["side"], r["price"], r["qty"], r["tif"])
        for r in rows
    ]
    assert brief == [
        (0, "add", SYN, -1, 1010, 50, None),  # seed: the ask; the bid before line 1 is unseen
        (1, "add", 1, 1, 1000, 10, None),
        (2, "cancel", 1, 1, None, None, None),
        (2, "add", SYN + 1, 1, 999, 30, None),  # window entry
        (3, "cancel", SYN + 1, 1, None, 5, None),  # unknown id -> its level's block
        (4, "add", 2, 1, 999, 5, None),
        (5, "add", SYN + 2, -1, 999, 25, "ioc"),
        (6, "add", 3, 1, 1005, 7, None),
        (6, "cancel", 2, 1, None, None, None),  # window exit: the level is forgotten
        (7, "cancel", 3, 1, None, None, None),
        (7, "add", SYN + 3, 1, 999, 12, None),
        (8, "add", 4, -1, 1010, 5, None),
        (9, "execute", 4, -1, 1010, 5, None),
        (10, "trade", 0, -1, 1008, 3, None),
        (12, "add", SYN + 4, -1, 1020, 40, None),  # entered after line 11, before the IOC
        (12, "add", SYN + 5, 1, 1020, 60, "ioc"),
    ]
    assert (
        stats.seeded_levels,
        stats.window_entries,
        stats.window_exits,
        stats.window_exit_orders,
    ) == (1, 3, 1, 1)
    assert (stats.aggressors, stats.aggressor_rows, stats.merged_rows, stats.non_fifo_rows) == (
        2,
        3,
        1,
        1,
    )
    assert (
        stats.unknown_id_references,
        stats.unresolved_references,
        stats.halts,
        stats.window_mismatches,
    ) == (4, 0, 1, 0)


def test_replaying_the_import_reproduces_the_orderbook_file(tmp_path: Path) -> None:
    _, rows, _ = _run(tmp_path, MESSAGES, BOOK)
    book = OrderBook("AAPL")
    by_line: dict[int, list[dict[str, Any]]] = {}
    for row in rows:
        by_line.setdefault(row["source_line"], []).append(row)
    compared = 0
    for book_row in iter_orderbook(tmp_path / "b.csv"):
        seeds = by_line.get(0, []) if book_row.line == 1 else []
        for event in seeds + by_line.get(book_row.line, []):
            result = apply_event(
                book,
                OrderAction.parse(event["action"]),
                event["order_id"],
                event["side"],
                event["price"],
                event["qty"],
                event["tif"],
            )
            assert result is None or result.accepted
        if book_row.line == 11:  # inside the merged aggressor of lines 11-12
            continue
        bids, asks = book.depth(1)
        assert (tuple(bids), tuple(asks)) == (book_row.bids, book_row.asks), book_row.line
        compared += 1
    assert compared == 12


def test_without_orderbook_unknown_ids_are_counted_and_dropped(tmp_path: Path) -> None:
    stats, rows, _ = _run(tmp_path, ["34200.1,3,5,10,1000,1", "34200.2,4,6,10,1000,1"])
    assert [(r["action"], r["tif"]) for r in rows] == [("add", "ioc")]
    assert (stats.unknown_id_references, stats.unresolved_references) == (2, 2)
    assert stats.seeded_levels == 0


@pytest.mark.parametrize("ending", ["\n", "\r\n"])
def test_line_endings_do_not_matter(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "m.csv"
    path.write_bytes(ending.join(["34200.1,1,1,5,1000,1", "34200.2,1,2,5,1000,1", ""]).encode())
    stats = import_lobster(path, tmp_path / "o.parquet", symbol="X", date=DATE)
    assert stats.events_written == 2


@pytest.mark.parametrize(
    ("date", "tz", "open_utc"),
    [
        (dt.date(2012, 6, 21), "America/New_York", "2012-06-21T13:30:00+00:00"),   # EDT
        (dt.date(2012, 12, 21), "America/New_York", "2012-12-21T14:30:00+00:00"),  # EST
        (dt.date(2012, 3, 12), "America/New_York", "2012-03-12T13:30:00+00:00"),  # DST began 3-11
        (dt.date(2012, 6, 21), "UTC", "2012-06-21T09:30:00+00:00"),
        (dt.date(2012, 6, 21), "Europe/London", "2012-06-21T08:30:00+00:00"),
    ],
)
def test_the_open_is_stored_as_the_true_utc_instant(tmp_path: Path, date: dt.date, tz: str,
                                                    open_utc: str) -> None:
    message = tmp_path / "m.csv"
    message.write_text("34200.000000001,1,1,100,5853300,1\n")
    out = tmp_path / "o.parquet"
    import_lobster(message, out, symbol="X", date=date, tz=tz)
    ts = pq.read_table(out).column("ts").cast(pa.int64()).to_pylist()[0]
    expected = dt.datetime.fromisoformat(open_utc)
    assert ts == int(expected.timestamp()) * 10**9 + 1


def test_an_unknown_zone_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    message = tmp_path / "m.csv"
    message.write_text("34200.0,1,1,100,5853300,1\n")
    with pytest.raises(DataError, match=r"^--tz 'America/Gotham': unknown time zone"):
        import_lobster(message, tmp_path / "o.parquet", symbol="X", date=DATE,
                       tz="America/Gotham")
    assert not (tmp_path / "o.parquet").exists()
