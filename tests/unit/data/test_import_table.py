"""The table importer: exact scaling, explicit time units and zones, errors naming lines."""

from __future__ import annotations

import gzip
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.data.import_table import import_table
from sim.data.reader import inspect_source
from sim.data.table_map import TableMapping, load_mapping
from sim.data.validate import validate_table
from sim.errors import DataError

COLUMNS = {"ts": "time", "symbol": "sym", "action": "type", "order_id": "id", "side": "dir",
           "price": "px", "qty": "size"}
HEADER = "time,sym,type,id,dir,px,size\n"


def _mapping(**keys: object) -> TableMapping:
    return TableMapping.model_validate({"columns": COLUMNS, "ts_unit": "ms",
                                        "actions": {"A": "add", "D": "cancel"}, **keys})


def _csv(tmp_path: Path, body: str, name: str = "in.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body)
    return path


def test_decimal_prices_and_quantities_are_scaled_exactly(tmp_path: Path) -> None:
    source = _csv(tmp_path, "1723161255208,BTC,A,1,buy,61837.63,0.00105\n"
                            "1723161255208.5,BTC,D,1,B,,\n")
    out = tmp_path / "out.parquet"
    result = import_table(source, out, _mapping(price_scale=100, qty_scale=100_000))
    table = pq.read_table(out)
    assert result.rows == 2
    assert table.column("price").to_pylist() == [6_183_763, None]
    assert table.column("qty").to_pylist() == [105, None]
    assert table.column("ts").cast(pa.int64()).to_pylist() == [1_723_161_255_208_000_000,
                                                               1_723_161_255_208_500_000]
    assert table.column("side").to_pylist() == [1, 1]
    assert table.schema.metadata[b"ticktwin.price_scale"] == b"100"
    assert table.schema.metadata[b"ticktwin.qty_scale"] == b"100000"
    assert inspect_source(out).rows == 2


def test_wall_clock_times_are_read_in_the_given_zone_and_stored_as_utc(tmp_path: Path) -> None:
    source = _csv(tmp_path, "2012-06-21 09:30:00.000000001,AAPL,A,1,S,585.33,100\n"
                            "2012-12-21 09:30:00,AAPL,A,2,S,585.34,100\n")
    out = tmp_path / "out.parquet"
    import_table(source, out, _mapping(ts_unit=None, ts_format="%Y-%m-%d %H:%M:%S%.f",
                                       tz="America/New_York"))
    ts = pq.read_table(out).column("ts").cast(pa.int64()).to_pylist()
    # EDT (UTC-4) in June, EST (UTC-5) in December
    assert ts == [1_340_285_400_000_000_001, 1_356_100_200_000_000_000]


def test_gzip_csv_and_parquet_sources_give_the_same_events(tmp_path: Path) -> None:
    body = "1000,X,A,1,1,10.5,3\n2000,X,A,2,-1,10.6,4\n"
    gz = tmp_path / "in.csv.gz"
    gz.write_bytes(gzip.compress((HEADER + body).encode()))
    parquet_source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"time": [1000, 2000], "sym": ["X", "X"], "type": ["A", "A"],
                             "id": [1, 2], "dir": [1, -1], "px": ["10.5", "10.6"],
                             "size": [3, 4]}), parquet_source)
    outs = []
    for source in (gz, parquet_source):
        out = tmp_path / f"{source.name}.out.parquet"
        import_table(source, out, _mapping())
        outs.append(pq.read_table(out).select(list(COLUMNS)).to_pylist())
    assert outs[0] == outs[1]
    assert outs[0][1]["price"] == 106_000


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("1,X,A,1,B,10,1\n2,X,Z,2,B,10,1\n",
         "line 3, column 'action': unmapped action 'Z' (add it to --action-map"),
        ("1,X,A,1,B,10,1\n2,X,A,2,B,10.123456,1\n",
         "line 3, column 'price': '10.123456' has more decimals than scale 10000 holds"),
        ("1,X,A,1,B,10,1\nnoon,X,A,2,B,10,1\n",
         "line 3, column 'ts': not a decimal number (got 'noon')"),
        ("5,X,A,1,B,10,1\n4,X,A,2,B,10,1\n",
         "line 3, column 'ts': time goes backwards (file not sorted) (got 4000000)"),
        ("1,X,A,1,B,10,1\n2,X,A,2\n", "line 3: wrong number of fields ('2,X,A,2')"),
        ("1,X,A,1,up,10,1\n", "line 2, column 'side': unknown side 'up'"),
        ("1,X,A,-1,B,10,1\n", "line 2, column 'order_id': not a whole number"),
    ],
)
def test_bad_rows_stop_the_import_naming_the_line_and_write_nothing(
        tmp_path: Path, body: str, message: str) -> None:
    out = tmp_path / "out.parquet"
    with pytest.raises(DataError) as caught:
        import_table(_csv(tmp_path, body), out, _mapping())
    assert str(caught.value).startswith(f"{tmp_path / 'in.csv'}: {message}")
    assert "\n" not in str(caught.value)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == [tmp_path / "in.csv"]


def test_the_validator_lists_every_problem_grouped_with_lines(tmp_path: Path) -> None:
    body = ("1,X,A,1,B,10,1\n2,X,Z,2,B,10,1\n3,X,Z,3,B,x,1\n4,X,A,4,B,10,0\n"
            "5,X,A,5\n6,X,Q,6,B,10,1\n")
    report = validate_table(_csv(tmp_path, body), _mapping())
    groups = {(g.column, g.kind): (g.count, g.locations, g.sample)
              for g in report.problems.groups.values()}
    assert groups == {
        ("action", "unmapped action"): (3, ["line 3", "line 4", "line 7"], "'Z'"),
        ("price", "not a decimal number"): (1, ["line 4"], "'x'"),
        ("qty", "quantity must be positive"): (1, ["line 5"], "0"),
        ("(row)", "wrong number of fields"): (1, ["line 6"], "'5,X,A,5'"),
    }
    assert report.summary().endswith("6 problem rows of 4 kinds in 6 data rows")


def test_max_errors_stops_the_scan(tmp_path: Path) -> None:
    body = "".join(f"{i},X,Z,{i},B,10,1\n" for i in range(50))
    report = validate_table(_csv(tmp_path, body), _mapping(), max_errors=7)
    assert report.problems.total == 7
    assert "stopped at --max-errors 7" in report.summary()


def test_map_file_with_option_overrides(tmp_path: Path) -> None:
    map_file = tmp_path / "map.toml"
    map_file.write_text('ts_unit = "us"\nprice_scale = 100\n[columns]\n'
                        + "".join(f'{k} = "{v}"\n' for k, v in COLUMNS.items())
                        + '[actions]\nA = "add"\n')
    mapping = load_mapping(map_file, {"price_scale": 1000, "actions": {"D": "cancel"}})
    assert (mapping.ts_unit, mapping.price_scale) == ("us", 1000)
    assert mapping.actions == {"A": "add", "D": "cancel"}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"colums": {}}, "colums: Extra inputs are not permitted"),
        ({"columns": {"ts": "t"}}, "no source column for action, order_id, side, price, qty"),
        ({"columns": COLUMNS, "ts_unit": "ms", "tz": "Mars/Olympus"},
         "tz: unknown time zone 'Mars/Olympus'"),
        ({"columns": COLUMNS, "ts_unit": "ms", "tz": "Europe/Paris"},
         "--tz Europe/Paris applies to --ts-format wall-clock times"),
        ({"columns": COLUMNS, "ts_unit": "ms", "actions": {"A": "buy"}},
         "actions: A=buy: 'buy' is not a canonical action"),
    ],
)
def test_bad_mappings_are_refused_naming_the_key(raw: dict[str, object], message: str) -> None:
    with pytest.raises(DataError, match=r"^--map: ") as caught:
        load_mapping(None, raw)
    assert message in str(caught.value)


_CELL = st.text(alphabet="0123456789.-xAB ,\"", max_size=6)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(_CELL, _CELL, _CELL, _CELL), min_size=1, max_size=8))
def test_random_bad_rows_are_either_imported_exactly_or_refused_in_one_line(
        tmp_path_factory: pytest.TempPathFactory, rows: list[tuple[str, ...]]) -> None:
    """Whatever the cells, the importer and validator agree, and nothing else escapes."""
    folder = tmp_path_factory.mktemp("fuzz")
    body = "".join(f"{ts},X,{action},7,{side},{px},5\n" for ts, action, side, px in rows)
    source = _csv(folder, body)
    out = folder / "out.parquet"
    report = validate_table(source, _mapping())
    if report.ok:
        result = import_table(source, out, _mapping())
        assert inspect_source(out).rows == result.rows == len(rows)
        return
    with pytest.raises(DataError) as caught:
        import_table(source, out, _mapping())
    assert "\n" not in str(caught.value)
    assert str(caught.value).startswith(f"{source}: line ")
    assert not out.exists()


def test_parquet_timestamp_columns_naive_in_the_zone_aware_as_they_are(tmp_path: Path) -> None:
    import datetime as dt

    local = [dt.datetime(2024, 1, 5, 9, 30), dt.datetime(2024, 7, 5, 9, 30)]
    base = {"sym": ["X", "X"], "type": ["A", "A"], "id": [1, 2], "dir": ["B", "S"],
            "px": ["1", "2"], "size": ["1", "1"]}
    naive = tmp_path / "naive.parquet"
    pq.write_table(pa.table({"time": pa.array(local, pa.timestamp("us")), **base}), naive)
    aware = tmp_path / "aware.parquet"
    utc = [dt.datetime(2024, 1, 5, 14, 30, tzinfo=dt.UTC), dt.datetime(2024, 7, 5, 13, 30,
                                                                      tzinfo=dt.UTC)]
    pq.write_table(pa.table({"time": pa.array(utc, pa.timestamp("ms", tz="UTC")), **base}),
                   aware)
    results = []
    for source in (naive, aware):
        out = tmp_path / f"{source.stem}.out.parquet"
        import_table(source, out, _mapping(ts_unit=None, ts_format=None,
                                           tz="America/New_York"))
        results.append(pq.read_table(out).column("ts").cast(pa.int64()).to_pylist())
    expected = [int(t.timestamp()) * 10**9 for t in utc]
    assert results == [expected, expected]


def test_times_without_a_unit_or_format_are_never_guessed(tmp_path: Path) -> None:
    source = _csv(tmp_path, "1723161255208,X,A,1,B,10,1\n")
    with pytest.raises(DataError) as caught:
        import_table(source, tmp_path / "o.parquet", _mapping(ts_unit=None))
    assert str(caught.value) == (f"{source}: column 'time' holds string times: give --ts-unit "
                                 "(epoch numbers) or --ts-format (text); times are never guessed")
    with pytest.raises(DataError, match="times are never guessed"):
        validate_table(source, _mapping(ts_unit=None))
