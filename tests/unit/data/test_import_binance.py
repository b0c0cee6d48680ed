"""The Binance capture importer: book synchronisation, exact scales, gaps and damage."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.data.import_binance import import_binance
from sim.data.reader import inspect_source
from sim.errors import DataError

ROOT = Path(__file__).resolve().parents[3]
SLICE = ROOT / "data" / "binance" / "usdm_btcusdt_20240808_first120s.gz"
E0 = 1_723_161_255_000
LOCAL0 = 1_723_161_253_700_000_000


def _diff(e: int, first: int, last: int, bids: list[list[str]], asks: list[list[str]],
          previous: int | None = None) -> dict[str, object]:
    data: dict[str, object] = {"e": "depthUpdate", "E": E0 + e, "s": "BTCUSDT", "U": first,
                               "u": last, "b": bids, "a": asks}
    if previous is not None:
        data["pu"] = previous
    return {"stream": "btcusdt@depth", "data": data}


def _trade(e: int, trade_id: int, price: str, qty: str, maker_buys: bool) -> dict[str, object]:
    return {"stream": "btcusdt@trade", "data": {"e": "trade", "E": E0 + e, "s": "BTCUSDT",
                                                "t": trade_id, "p": price, "q": qty,
                                                "T": E0 + e, "m": maker_buys}}


SNAPSHOT = {"lastUpdateId": 100, "bids": [["100.50", "1.5"], ["100.40", "2"]],
            "asks": [["100.60", "0.25"]]}
TICKER = {"stream": "btcusdt@bookTicker", "data": {"u": 1, "s": "BTCUSDT", "b": "100.50",
                                                   "B": "1", "a": "100.60", "A": "1"}}


def _spot() -> list[dict[str, object]]:
    """Spot-style: a diff before the snapshot that straddles it, then linked diffs."""
    return [
        _diff(0, 95, 99, [["100.30", "1"]], []),          # in the snapshot: dropped
        _diff(100, 100, 103, [["100.50", "1.25"]], []),   # straddles 101: applied first
        SNAPSHOT,
        TICKER,
        _trade(150, 7, "100.60", "0.125", False),
        _diff(200, 104, 110, [], [["100.60", "0"], ["100.70", "3"]]),
        _trade(180, 8, "100.50", "0.5", True),            # 20 ms late: reordered
    ]


def _write(tmp_path: Path, messages: list[object], name: str = "cap.gz") -> Path:
    lines = [f"{LOCAL0 + i * 1_000_000} {m if isinstance(m, str) else json.dumps(m)}\n"
             for i, m in enumerate(messages)]
    path = tmp_path / name
    path.write_bytes(gzip.compress("".join(lines).encode()))
    return path


def test_spot_capture_synchronises_and_writes_levels_and_trades(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    stats = import_binance(_write(tmp_path, _spot()), out)
    table = pq.read_table(out)
    rows = list(zip(table.column("ts").cast(pa.int64()).to_pylist(),
                    table.column("action").to_pylist(), table.column("side").to_pylist(),
                    table.column("price").to_pylist(), table.column("qty").to_pylist(),
                    table.column("source_line").to_pylist(), strict=True))
    ms = 1_000_000
    assert rows == [
        ((E0 + 100) * ms, "level", 1, 1005, 1500, 3),     # snapshot at the first diff's E
        ((E0 + 100) * ms, "level", 1, 1004, 2000, 3),
        ((E0 + 100) * ms, "level", -1, 1006, 250, 3),
        ((E0 + 100) * ms, "level", 1, 1005, 1250, 2),     # the straddling diff
        ((E0 + 150) * ms, "trade", -1, 1006, 125, 5),     # taker bought: the maker sold
        ((E0 + 180) * ms, "trade", 1, 1005, 500, 7),      # arrived after E+200: reordered
        ((E0 + 200) * ms, "level", -1, 1006, 0, 6),
        ((E0 + 200) * ms, "level", -1, 1007, 3000, 6),
    ]
    # the smallest power-of-ten scales holding every value: 100.5 and 0.125
    assert (stats.price_scale, stats.qty_scale) == (10, 1000)
    assert table.column("ts_recv").cast(pa.int64()).to_pylist()[4] == LOCAL0 + 4_000_000
    assert table.schema.metadata[b"ticktwin.book"] == b"l2"
    assert table.schema.metadata[b"ticktwin.qty_scale"] == b"1000"
    assert (stats.diffs_before_snapshot, stats.diffs_applied, stats.book_tickers) == (2, 2, 1)
    info = inspect_source(out)
    assert (info.book, info.rows, info.price_scale) == ("l2", 8, 10)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: [*m[:5], _diff(200, 105, 110, [], [])],
         "line 6: sequence gap: depth diff U=105 does not follow u=103 of line 2"),
        (lambda m: [SNAPSHOT, _diff(10, 103, 104, [], [])],
         "line 2: sequence gap: the first depth diff after the snapshot of line 1 starts at "
         "U=103, after lastUpdateId 100"),
        (lambda m: [*m[:3], '{"stream": "btcusdt@trade", "data": {'],
         "line 4: bad JSON"),
        (lambda m: [*m[:3], {"stream": "x", "data": {"e": "kline", "E": 1}}],
         "line 4: unknown message type 'kline'"),
        (lambda m: [m[0], m[1]], "no depth snapshot (a line with lastUpdateId) in 2 lines"),
        (lambda m: [*m[:3], _trade(150, 7, "100.605", "1", True)],
         "line 4: '100.605' is not a decimal with at most 2 decimals"),
    ],
)
def test_malformed_captures_are_refused_naming_the_line(tmp_path: Path, change: object,
                                                        message: str) -> None:
    messages = change(_spot())  # type: ignore[operator]
    out = tmp_path / "out.parquet"
    path = _write(tmp_path, messages)
    kwargs = {"price_scale": 100} if "100.605" in message else {}
    with pytest.raises(DataError) as caught:
        import_binance(path, out, **kwargs)  # type: ignore[arg-type]
    assert str(caught.value).startswith(f"{path}: {message}")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cap.gz"]


def test_futures_diffs_are_linked_by_pu(tmp_path: Path) -> None:
    messages = [
        _diff(0, 90, 100, [["100.50", "1"]], [], previous=89),    # U <= 100 <= u: applied
        SNAPSHOT,
        _diff(10, 101, 105, [["100.40", "0"]], [], previous=100),
        _diff(20, 106, 107, [["100.30", "1"]], [], previous=104),  # pu should be 105
    ]
    path = _write(tmp_path, messages)
    with pytest.raises(DataError, match=r"line 4: sequence gap: depth diff pu=104 does not "
                                        r"follow u=105 of line 3"):
        import_binance(path, tmp_path / "out.parquet")
    stats = import_binance(_write(tmp_path, messages[:3], "ok.gz"), tmp_path / "ok.parquet")
    assert (stats.diffs_applied, stats.level_rows) == (2, 5)


def test_a_truncated_gzip_file_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, _spot())
    path.write_bytes(path.read_bytes()[:-12])
    with pytest.raises(DataError, match="unreadable or truncated gzip file"):
        import_binance(path, tmp_path / "out.parquet")
    assert not (tmp_path / "out.parquet").exists()


def test_the_bundled_real_slice_imports_with_pinned_counts(tmp_path: Path) -> None:
    out = tmp_path / "btc.parquet"
    stats = import_binance(SLICE, out)
    assert (stats.lines, stats.snapshot_levels, stats.diffs_applied, stats.level_rows,
            stats.trades, stats.book_tickers) == (29_042, 2_000, 2_287, 147_972, 4_310, 22_435)
    assert (stats.price_scale, stats.qty_scale) == (10, 1_000)
    info = inspect_source(out)
    assert info.rows == stats.rows_written == 152_282
    assert info.symbols == ("BTCUSDT",)
