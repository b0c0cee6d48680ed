"""Fuzz the data edges: any Parquet table or LOBSTER text is read, or refused in one line.

Generated Parquet tables (random column sets and types, nulls, huge and negative
integers, unsorted times, duplicate columns, odd metadata) go through the validator
and the batch reader; generated LOBSTER message and orderbook lines (plausible rows
mixed with broken ones, plain or gzip, sometimes cut short) go through the importer.
Each must either succeed or raise a ``DataError`` whose message is one line; any
other exception is a bug.
"""

from __future__ import annotations

import datetime as dt
import gzip
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sim.data.lobster import ImportStats, import_lobster
from sim.data.reader import inspect_source, iter_event_batches
from sim.data.schema import PRICE_SCALE_KEY
from sim.errors import DataError

FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")), deadline=None,
                derandomize=os.environ.get("FUZZ_SEED") is None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
T0 = 1_700_000_000_000_000_000
INT64 = st.integers(-(2**63), 2**63 - 1)
WORDS = st.sampled_from(["add", "cancel", "modify", "market", "execute", "trade", "ioc",
                         "fok", "gtc", "day", "A", "B", "", "explode", "ADD", "é"])


def _column(kind: str, size: int) -> st.SearchStrategy[pa.Array]:
    """Values of one Arrow type, a fifth of them null."""
    def nullable(values: st.SearchStrategy[Any]) -> st.SearchStrategy[list[Any]]:
        return st.lists(st.one_of(values, st.none()) if size else values,
                        min_size=size, max_size=size)

    if kind == "ts":
        near = st.integers(T0 - 10, T0 + 10)
        return nullable(st.one_of(near, near, INT64)).map(
            lambda v: pa.array(v, pa.int64()).cast(pa.timestamp("ns", tz="UTC")))
    if kind == "ts_us":
        return nullable(st.integers(0, 2**40)).map(lambda v: pa.array(v, pa.timestamp("us")))
    if kind in ("int8", "int64", "uint64"):
        bounds = {"int8": (-128, 127), "int64": (-(2**63), 2**63 - 1), "uint64": (0, 2**64 - 1)}
        low, high = bounds[kind]
        small = st.integers(max(low, -3), min(high, 1_000))
        edges = st.sampled_from([v for v in (low, high, 2**62, 2**63 - 1, 2**63, 2**31, -1, 0)
                                 if low <= v <= high])
        return nullable(st.one_of(small, small, edges, st.integers(low, high))).map(
            lambda v: pa.array(v, getattr(pa, kind)()))
    if kind in ("string", "dictionary"):
        array = nullable(WORDS).map(lambda v: pa.array(v, pa.string()))
        return array.map(lambda a: a.dictionary_encode()) if kind == "dictionary" else array
    if kind == "float":
        return nullable(st.floats(allow_nan=True)).map(lambda v: pa.array(v, pa.float64()))
    return nullable(st.booleans()).map(lambda v: pa.array(v, pa.bool_()))


KINDS = ["ts", "ts_us", "int8", "int64", "uint64", "string", "dictionary", "float", "bool"]
OPTIONAL = ["tif", "account", "display_qty", "extra"]


def _plausible(size: int) -> dict[str, st.SearchStrategy[pa.Array]]:
    """Strategies of a valid canonical table's columns (sorted times, known actions)."""
    def column(values: st.SearchStrategy[Any], kind: pa.DataType
               ) -> st.SearchStrategy[pa.Array]:
        return st.lists(values, min_size=size, max_size=size).map(lambda v: pa.array(v, kind))

    return {
        "ts": st.lists(st.integers(0, 5), min_size=size, max_size=size).map(
            lambda steps: pa.array([T0 + sum(steps[: i + 1]) for i in range(size)],
                                   pa.int64()).cast(pa.timestamp("ns", tz="UTC"))),
        "symbol": column(st.sampled_from(["A", "B"]), pa.string()),
        "action": column(st.sampled_from(["add", "add", "cancel", "market", "modify",
                                          "execute", "trade"]), pa.string()),
        "order_id": column(st.integers(1, 6), pa.uint64()),
        "side": column(st.sampled_from([1, -1]), pa.int8()),
        "price": column(st.sampled_from([990, 1_000, 1_010]), pa.int64()),
        "qty": column(st.integers(1, 300), pa.int64()),
        "tif": column(st.sampled_from([None, "ioc", "fok", "gtc", "day"]), pa.string()),
        "account": column(st.sampled_from([None, "a1", "a2"]), pa.string()),
        "display_qty": column(st.none(), pa.int64()),
        "extra": column(st.integers(0, 3), pa.int64()),
    }


@st.composite
def tables(draw: st.DrawFn) -> pa.Table:
    """A valid table, then up to three mutations (a column dropped, retyped, repeated,
    a cell set to null or an edge value, rows shuffled), and odd metadata now and then."""
    size = draw(st.integers(0, 12))
    plausible = _plausible(size)
    names = [*list(plausible)[:7], *draw(st.lists(st.sampled_from(OPTIONAL), unique=True))]
    columns = {name: draw(plausible[name]) for name in names}
    order = list(names)
    for _ in range(draw(st.integers(0, 3))):
        mutation = draw(st.sampled_from(["drop", "retype", "repeat", "cell", "cell", "shuffle"]))
        name = draw(st.sampled_from(sorted(columns)))
        if mutation == "drop" and len(columns) > 1:
            del columns[name]
            order = [kept for kept in order if kept != name]
        elif mutation == "retype":
            columns[name] = draw(_column(draw(st.sampled_from(KINDS)), size))
        elif mutation == "repeat":
            order.append(name)
        elif mutation == "cell" and size:
            values = columns[name].to_pylist()
            edge = draw(st.sampled_from([None, 0, -1, 2**62, 2**63 - 1, "zzz", 2**64 - 1]))
            values[draw(st.integers(0, size - 1))] = edge
            for kind in (columns[name].type, None):  # keep the type if the value fits it
                try:
                    columns[name] = pa.array(values, kind)
                    break
                except (pa.ArrowException, OverflowError, TypeError):
                    continue
        elif mutation == "shuffle" and size:
            permutation = draw(st.permutations(range(size)))
            columns = {n: c.take(pa.array(permutation)) for n, c in columns.items()}
    table = pa.table([columns[name] for name in order], names=order)
    metadata = draw(st.sampled_from([None, None, b"10000", b"1", b"0", b"-3", b"x", b"\xff"]))
    return table if metadata is None else table.replace_schema_metadata(
        {PRICE_SCALE_KEY: metadata})


def _refusal(action: Callable[[], object]) -> DataError | None:
    """Run ``action``; return the DataError it raised (any other exception propagates)."""
    try:
        action()
    except DataError as error:
        message = str(error)
        assert message
        assert "\n" not in message, message
        return error
    return None


@FUZZ
@given(table=tables(), symbols=st.sampled_from([(), ("A",), ("Z",)]))
def test_any_parquet_table_is_read_or_refused_in_one_line(table: pa.Table,
                                                          symbols: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.parquet"
        pq.write_table(table, path)
        read: list[int] = []

        def validate_and_read() -> None:
            info = inspect_source(path)
            read.append(info.rows)
            read.append(sum(len(batch) for batch in iter_event_batches(info, symbols=symbols)))

        error = _refusal(validate_and_read)
        if error is not None:
            assert str(error).startswith(f"{path}: ")
            event(f"refused: {str(error).removeprefix(str(path))[:28]}")
            return
        event("read")
        rows, selected = read
        assert rows == table.num_rows
        assert selected <= rows


TIME = st.one_of(st.integers(0, 86_399).map(str),
                 st.tuples(st.integers(0, 86_399), st.integers(0, 10**12)).map(
                     lambda t: f"{t[0]}.{t[1]}"),
                 st.sampled_from(["", "-1.5", "3e4", "x", "34200."]))
FIELD = st.one_of(st.integers(-5, 20).map(str), st.integers(-(2**70), 2**70).map(str),
                  st.sampled_from(["", "a", "1.5", " 1"]))


@st.composite
def message_line(draw: st.DrawFn) -> str:
    """A plausible message row nine times in ten; otherwise a broken one."""
    if draw(st.integers(0, 9)):
        kind = draw(st.sampled_from("1111223456"))
        return ",".join([
            "34200.1", kind, str(draw(st.integers(1, 6))), str(draw(st.integers(1, 300))),
            draw(st.sampled_from(["990", "1000", "1010"])), draw(st.sampled_from(["1", "-1"]))])
    if draw(st.booleans()):  # anything at all
        return draw(st.text(max_size=30).map(lambda s: s.replace("\n", "").replace("\r", "")))
    fields = [draw(TIME), draw(st.sampled_from(["1", "4", "7", "8", "0"])), draw(FIELD),
              draw(FIELD), draw(FIELD), draw(st.sampled_from(["1", "-1", "0", "2"]))]
    return ",".join(fields[: draw(st.sampled_from([6, 6, 6, 5, 7, 0]))])


@st.composite
def book_line(draw: st.DrawFn, levels: int) -> str:
    values = []
    for _ in range(levels):
        ask = draw(st.sampled_from(["1010", "1020", "9999999999", "0", "-1"]))
        bid = draw(st.sampled_from(["1000", "990", "-9999999999", "0"]))
        values += [ask, draw(st.sampled_from(["0", "100", "50", "-5"])),
                   bid, draw(st.sampled_from(["0", "100", "50"]))]
    if draw(st.integers(0, 14)) == 0:
        values = values[:-1]
    return ",".join(values)


@st.composite
def lobster_pairs(draw: st.DrawFn) -> tuple[str, str | None]:
    lines = draw(st.lists(message_line(), min_size=0, max_size=15))
    if draw(st.booleans()):  # a sorted clock makes deeper paths reachable
        lines = [f"34200.{i:09d}" + line[line.find(","):] if "," in line else line
                 for i, line in enumerate(lines)]
    messages = "".join(f"{line}\n" for line in lines)
    if not draw(st.booleans()):
        return messages, None
    levels = draw(st.sampled_from([1, 1, 2]))
    count = len(lines) + draw(st.sampled_from([0, 0, 0, -1, 1]))
    book = "".join(f"{draw(book_line(levels))}\n" for _ in range(max(count, 0)))
    return messages, book


def _write(path: Path, text: str, packed: bool, cut: bool) -> None:
    data = text.encode("utf-8", errors="surrogateescape")
    if packed:
        data = gzip.compress(data, mtime=0)
    path.write_bytes(data[: len(data) * 2 // 3] if cut else data)


@FUZZ
@given(pair=lobster_pairs(), packed=st.booleans(), cut=st.sampled_from([False] * 5 + [True]))
def test_any_lobster_text_is_imported_or_refused_in_one_line(
    pair: tuple[str, str | None], packed: bool, cut: bool
) -> None:
    messages, book = pair
    with tempfile.TemporaryDirectory() as folder:
        message_path = Path(folder) / ("m.csv.gz" if packed else "m.csv")
        _write(message_path, messages, packed, cut)
        book_path = None
        if book is not None:
            book_path = Path(folder) / "b.csv"
            _write(book_path, book, False, False)
        out = Path(folder) / "out.parquet"
        imported: list[ImportStats] = []

        def run() -> None:
            imported.append(import_lobster(message_path, out, symbol="X",
                                           date=dt.date(2012, 6, 21), orderbook_path=book_path))

        error = _refusal(run)
        if error is not None:
            event(f"refused: {str(error).removeprefix(str(message_path))[:20]}")
            assert sorted(p.name for p in Path(folder).iterdir()) == sorted(
                p.name for p in (message_path, book_path) if p is not None)
            return
        event("imported")
        (stats,) = imported
        if not cut:
            assert stats.rows_read == messages.count("\n")
        if stats.events_written:
            assert inspect_source(out).rows == stats.events_written
