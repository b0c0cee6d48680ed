"""The DBN importer on MBO files written with databento_dbn itself: mapping, scale, damage."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace

import databento_dbn as dbn
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.data.import_dbn import import_dbn
from sim.data.reader import inspect_source
from sim.errors import DataError

T0 = 1_700_000_000_000_000_000
PRICE = 189_500_000_000  # 189.50 at DBN's 1e-9 scale


def _metadata() -> bytes:
    interval = SimpleNamespace(start_date=__import__("datetime").date(2023, 11, 14),
                               end_date=__import__("datetime").date(2023, 11, 15), symbol="42")
    return dbn.Metadata(dataset="XNAS.ITCH", start=T0, stype_in=dbn.SType.RAW_SYMBOL,
                        stype_out=dbn.SType.INSTRUMENT_ID, schema=dbn.Schema.MBO,
                        symbols=["AAPL"],
                        mappings=[SimpleNamespace(raw_symbol="AAPL", intervals=[interval])]
                        ).encode()


def _mbo(step: int, action: str, side: str, order_id: int, size: int, price: int = PRICE,
         ts_event: int | None = None) -> bytes:
    return bytes(dbn.MBOMsg(publisher_id=2, instrument_id=42,
                            ts_event=T0 + step if ts_event is None else ts_event,
                            order_id=order_id, price=price, size=size,
                            action=dbn.Action.from_str(action), side=dbn.Side.from_str(side),
                            ts_recv=T0 + step + 500, sequence=step))


FLOW = [
    ("A", "B", 1, 100), ("A", "B", 2, 50), ("A", "A", 3, 70),
    ("M", "B", 2, 40), ("C", "B", 1, 30), ("T", "A", 0, 20), ("F", "B", 1, 20),
    ("T", "N", 0, 5), ("N", "N", 0, 0), ("R", "N", 0, 0),
]


def _write(tmp_path: Path, records: list[bytes], name: str = "aapl.dbn") -> Path:
    path = tmp_path / name
    path.write_bytes(_metadata() + b"".join(records))
    return path


def _flow() -> list[bytes]:
    return [_mbo(step, *row) for step, row in enumerate(FLOW, start=1)]


def test_mbo_actions_map_to_canonical_rows(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    stats = import_dbn(_write(tmp_path, _flow()), out)
    table = pq.read_table(out)
    rows = list(zip(table.column("action").to_pylist(), table.column("order_id").to_pylist(),
                    table.column("side").to_pylist(), table.column("qty").to_pylist(),
                    table.column("source_record").to_pylist(), strict=True))
    assert rows == [
        ("add", 1, 1, 100, 1), ("add", 2, 1, 50, 2), ("add", 3, -1, 70, 3),
        ("modify", 2, 1, 40, 4), ("cancel", 1, 1, 30, 5),
        ("trade", 0, 1, 20, 6),      # aggressor sold: the resting side is the buy side
        ("execute", 1, 1, 20, 7),
        # clear: every order still resting is cancelled (1 is gone: 100 - 30 - 20 = 50 left)
        ("cancel", 1, 1, 50, 10), ("cancel", 2, 1, 40, 10), ("cancel", 3, -1, 70, 10),
    ]
    assert table.column("price").to_pylist()[0] == PRICE
    assert table.column("price").to_pylist()[4] is None
    assert table.column("ts").cast(pa.int64()).to_pylist()[0] == T0 + 1
    assert table.column("ts_recv").cast(pa.int64()).to_pylist()[0] == T0 + 501
    assert set(table.column("symbol").to_pylist()) == {"AAPL"}
    assert table.schema.metadata[b"ticktwin.price_scale"] == b"1000000000"
    assert (stats.records, stats.trades_without_side, stats.none_records, stats.clears,
            stats.clear_cancels) == (10, 1, 1, 1, 3)
    assert inspect_source(out).rows == 10


def test_ts_event_stepping_back_keeps_file_order_and_is_counted(tmp_path: Path) -> None:
    records = [_mbo(1, "A", "B", 1, 10), _mbo(2, "A", "B", 2, 10, ts_event=T0 - 7)]
    out = tmp_path / "out.parquet"
    stats = import_dbn(_write(tmp_path, records), out)
    assert stats.ts_event_raised == 1
    assert pq.read_table(out).column("ts").cast(pa.int64()).to_pylist() == [T0 + 1, T0 + 1]


def test_zstd_file_gives_the_same_events(tmp_path: Path) -> None:
    if shutil.which("zstd") is None:
        pytest.skip("no zstd command to write the compressed file")
    plain = _write(tmp_path, _flow())
    subprocess.run(["zstd", "-q", str(plain), "-o", str(tmp_path / "aapl.dbn.zst")], check=True)
    import_dbn(plain, tmp_path / "a.parquet")
    import_dbn(tmp_path / "aapl.dbn.zst", tmp_path / "b.parquet")
    assert pq.read_table(tmp_path / "a.parquet") == pq.read_table(tmp_path / "b.parquet")


def _ohlcv() -> bytes:
    return bytes(dbn.OHLCVMsg(rtype=dbn.RType.OHLCV_1S, publisher_id=2, instrument_id=42,
                              ts_event=T0 + 9, open=1, high=1, low=1, close=1, volume=1))


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[:-10], "truncated: record 10 is incomplete (46 bytes at the end"),
        (lambda data: data[:30], "empty or truncated before the end of its DBN metadata"),
        (lambda data: b"not dbn at all" * 8, "cannot decode the metadata"),
    ],
)
def test_damaged_files_are_refused_naming_the_record(tmp_path: Path, damage: object,
                                                     message: str) -> None:
    path = _write(tmp_path, _flow())
    path.write_bytes(damage(path.read_bytes()))  # type: ignore[operator]
    out = tmp_path / "out.parquet"
    with pytest.raises(DataError, match="^" + str(path)) as caught:
        import_dbn(path, out)
    assert message in str(caught.value)
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["aapl.dbn"]


def test_unknown_and_unexpected_record_types_are_refused(tmp_path: Path) -> None:
    out = tmp_path / "out.parquet"
    path = _write(tmp_path, [*_flow()[:3], _ohlcv()])
    with pytest.raises(DataError) as caught:
        import_dbn(path, out)
    assert str(caught.value) == (f"{path}: record 4: unexpected record type ohlcv-1s in an "
                                 "MBO file")
    bad = bytearray(_flow()[3])
    bad[1] = 0x77  # no such rtype
    path = _write(tmp_path, [*_flow()[:3], bytes(bad)], "bad.dbn")
    with pytest.raises(DataError, match=r"cannot decode record 4 \(unknown record type 0x77\)"):
        import_dbn(path, out)
    assert not out.exists()


def test_an_order_without_a_side_is_refused_naming_the_record(tmp_path: Path) -> None:
    path = _write(tmp_path, [_mbo(1, "A", "N", 1, 10)])
    with pytest.raises(DataError, match=r"record 1: action 'A' with side 'N'"):
        import_dbn(path, tmp_path / "out.parquet")
