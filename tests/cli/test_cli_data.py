from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sim.cli import app

runner = CliRunner()


def test_data_gen_is_deterministic_and_validates(tmp_path: Path) -> None:
    args = ["data", "gen", "--symbols", "X,Y", "--duration", "200ms", "--rate", "1000",
            "--seed", "5"]
    first = runner.invoke(app, [*args, "-o", str(tmp_path / "a.parquet")])
    second = runner.invoke(app, [*args, "-o", str(tmp_path / "b.parquet")])
    assert first.exit_code == 0, first.output
    assert second.exit_code == 0, second.output
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    rows = pq.read_metadata(tmp_path / "a.parquet").num_rows
    assert f"wrote {rows} events" in first.output
    validated = runner.invoke(app, ["data", "validate", str(tmp_path / "a.parquet")])
    assert validated.exit_code == 0
    assert f"{rows} rows, symbols X, Y" in validated.output


def test_data_gen_bad_duration_exits_2(tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "gen", "-o", str(tmp_path / "x.parquet"),
                                 "--duration", "10 parsecs"])
    assert result.exit_code == 2
    assert "unknown time unit 'parsecs'" in result.output
    assert not (tmp_path / "x.parquet").exists()


def test_data_validate_bad_file_exits_2_naming_it(tmp_path: Path) -> None:
    bad = tmp_path / "bad.parquet"
    bad.write_bytes(b"nope")
    result = runner.invoke(app, ["data", "validate", str(bad)])
    assert result.exit_code == 2
    assert "bad.parquet: not a readable Parquet file" in result.output


def test_data_inspect_prints_fingerprint(tmp_path: Path) -> None:
    out = tmp_path / "a.parquet"
    runner.invoke(app, ["data", "gen", "--duration", "50ms", "-o", str(out)])
    result = runner.invoke(app, ["data", "inspect", str(out)])
    assert result.exit_code == 0
    assert '"fingerprint"' in result.output
    assert '"symbols": [\n    "SYMA"\n  ]' in result.output


def test_scenarios_lists_bundled_with_descriptions() -> None:
    root = Path(__file__).resolve().parents[2]
    result = runner.invoke(app, ["scenarios", "--folder", str(root / "scenarios")])
    assert result.exit_code == 0
    assert "baseline.toml" in result.output
    assert "Today's platform" in result.output


def _damaged_copy(tmp_path: Path, source: Path) -> Path:
    """``source`` with 8 bytes in the middle of its ``action`` column chunk set to 0xFF."""
    metadata = pq.ParquetFile(source).metadata.row_group(0)
    chunk = metadata.column(2)
    assert chunk.path_in_schema == "action"
    middle = chunk.data_page_offset + chunk.total_compressed_size // 2
    data = bytearray(source.read_bytes())
    data[middle:middle + 8] = b"\xff" * 8
    damaged = tmp_path / "damaged.parquet"
    damaged.write_bytes(bytes(data))
    return damaged


def _one_error_line(output: str) -> str:
    lines = output.splitlines()
    assert len(lines) == 1, output
    assert "Traceback" not in output
    return lines[0]


def test_corrupt_page_exits_2_in_validate_inspect_and_run(tmp_path: Path,
                                                          small_ticks: Path) -> None:
    damaged = _damaged_copy(tmp_path, small_ticks)
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "s"\nseed = 1\n[data]\nsources = [{{ name = "c", '
                        f'path = "{damaged}", route = "full" }}]\n')
    for args in (["data", "validate", str(damaged)], ["data", "inspect", str(damaged)],
                 ["run", str(scenario), "--out", str(tmp_path / "run")]):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, result.output
        line = _one_error_line(result.output)
        assert line.startswith(f"error: {damaged}: corrupt Parquet data at row 0 or later (")
        assert line.endswith("); the file is damaged: write or download it again")
    assert not (tmp_path / "run").exists()


def test_truncated_and_duplicate_column_files_exit_2(tmp_path: Path, small_ticks: Path) -> None:
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(small_ticks.read_bytes()[:2_000])
    result = runner.invoke(app, ["data", "validate", str(cut)])
    assert result.exit_code == 2
    assert _one_error_line(result.output) == (
        f"error: {cut}: not a readable Parquet file (Parquet magic bytes not found in footer. "
        "Either the file is corrupted or this is not a parquet file.)")
    table = pq.read_table(small_ticks)
    dup = tmp_path / "dup.parquet"
    pq.write_table(table.append_column("side", table.column("side")), dup)
    for command in ("validate", "inspect"):
        result = runner.invoke(app, ["data", command, str(dup)])
        assert result.exit_code == 2
        assert _one_error_line(result.output) == (
            f"error: {dup}: column 'side' appears more than once (column names must be unique)")


def test_data_validate_on_a_csv_without_a_mapping_exits_2_with_one_line(tmp_path: Path) -> None:
    csv = tmp_path / "ticks.csv"
    csv.write_text("ts,symbol,action\n1,A,add\n")
    result = runner.invoke(app, ["data", "validate", str(csv)])
    assert result.exit_code == 2
    assert _one_error_line(result.output) == (
        f"error: {csv}: a CSV file is checked through its mapping: give --map or --map-file "
        "(see docs/data.md)")


def test_data_inspect_on_a_csv_points_to_the_importers(tmp_path: Path) -> None:
    csv = tmp_path / "ticks.csv"
    csv.write_text("ts,symbol,action\n1,A,add\n")
    result = runner.invoke(app, ["data", "inspect", str(csv)])
    assert result.exit_code == 2
    assert _one_error_line(result.output) == (
        f"error: {csv}: not a readable Parquet file (Parquet magic bytes not found in footer. "
        "Either the file is corrupted or this is not a parquet file.); convert CSV with "
        "`sim data import table` (or `lobster`) first")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rate", "0"], "--rate 0: must be at least 1 event per second"),
        (["--rate", "-3"], "--rate -3: must be at least 1 event per second"),
        (["--duration", "0s"], "--duration 0ns: must be longer than zero"),
        (["--add-share", "1.2"], "--add-share 1.2: a share must be between 0 and 1"),
        (["--add-share", "0.8", "--cancel-share", "0.3"],
         "--add-share 0.8 + --cancel-share 0.3 exceed 1 (the rest are market orders)"),
        (["--symbols", ""], "--symbols '': give at least one non-empty symbol name, "
                            "comma-separated"),
        (["--symbols", " , "], "--symbols '': give at least one non-empty symbol name, "
                               "comma-separated"),
    ],
)
def test_data_gen_bad_options_exit_2_naming_the_option(tmp_path: Path, args: list[str],
                                                       message: str) -> None:
    out = tmp_path / "x.parquet"
    result = runner.invoke(app, ["data", "gen", "-o", str(out), *args])
    assert result.exit_code == 2
    assert _one_error_line(result.output) == f"error: {message}"
    assert not out.exists()


def _ticks(tmp_path: Path, rows: list[tuple[int, str, int, int | None, int | None]]) -> Path:
    """A scenario over rows of (ts offset ns, action, side, price, qty) on symbol A."""
    import pyarrow as pa

    from sim.data.schema import arrow_schema

    t0 = 1_700_000_000_000_000_000
    path = tmp_path / "ticks.parquet"
    pq.write_table(pa.table({
        "ts": pa.array([t0 + row[0] for row in rows]).cast(pa.timestamp("ns", tz="UTC")),
        "symbol": ["A"] * len(rows),
        "action": [row[1] for row in rows],
        "order_id": pa.array(range(1, len(rows) + 1), pa.uint64()),
        "side": pa.array([row[2] for row in rows], pa.int8()),
        "price": pa.array([row[3] for row in rows], pa.int64()),
        "qty": pa.array([row[4] for row in rows], pa.int64()),
    }).cast(arrow_schema()), path)
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'name = "s"\nseed = 1\n[data]\nsources = [{{ name = "c", '
                        f'path = "{path}", route = "full" }}]\n')
    return scenario


def test_run_with_price_2_62_times_qty_1000_exits_2_before_running(tmp_path: Path) -> None:
    scenario = _ticks(tmp_path, [(0, "add", 1, 100, 5), (1_000, "add", -1, 2**62, 1_000)])
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(scenario), "--set", "risk.enabled=false",
                                 "--out", str(out)])
    assert result.exit_code == 2
    assert _one_error_line(result.output) == (
        f"error: {tmp_path / 'ticks.parquet'}: row 1, column 'price': price 4611686018427387904 "
        "x qty 1000 = 4.612e+21 exceeds the largest notional, 2**62 = 4.612e+18 price units x "
        "shares (see docs/data.md)")
    assert not out.exists()


def test_run_whose_fills_add_up_past_int64_exits_2_naming_the_order(tmp_path: Path) -> None:
    """Four bids of 2**61 x 1 each taken by one sell: every row is valid, the sum is not."""
    rows: list[tuple[int, str, int, int | None, int | None]] = [
        (i * 1_000_000, "add", 1, 2**61, 1) for i in range(4)]
    scenario = _ticks(tmp_path, [*rows, (10_000_000, "add", -1, 1, 4)])
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(scenario), "--set", "risk.enabled=false",
                                 "--out", str(out)])
    assert result.exit_code == 2
    assert _one_error_line(result.output) == (
        "error: A: order 5 fills past 2**63 - 1 (int64) in filled_qty or filled_notional "
        "(price units x shares); see docs/data.md")
    assert not out.exists()


def test_summary_share_of_huge_sizes_does_not_wrap(tmp_path: Path) -> None:
    """Submitted sizes sum to 3 * 2**62 and fills to 2**63, both past int64."""
    scenario = _ticks(tmp_path, [(0, "add", -1, 1, 2**62), (1_000_000, "market", 1, None, 2**62),
                                 (2_000_000, "market", 1, None, 2**62)])
    result = runner.invoke(app, ["run", str(scenario), "--set", "risk.enabled=false",
                                 "--out", str(tmp_path / "run"), "--json"])
    assert result.exit_code == 0, result.output
    import json

    orders = json.loads(result.output)["orders"]
    assert (orders["submitted"], orders["filled_qty_share"]) == (3, 0.666667)


def test_run_with_a_million_fold_replicated_volume_exits_2_before_allocating(
        small_scenario: Path, small_ticks: Path, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TICKTWIN_MAX_ORDERS", raising=False)
    rows = pq.read_metadata(small_ticks).num_rows
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(small_scenario), "--out", str(out), "--set",
                                 'data.volume={multiplier=1000000, mode="replicate"}'])
    assert result.exit_code == 2
    orders = rows * 1_000_000
    assert _one_error_line(result.output) == (
        f"error: data.volume: replicate x1,000,000 of {rows:,} rows is {orders:,} orders, "
        f"about {orders * 1_050 / 2**30:,.1f} GiB of memory (1,050 bytes per order); the limit "
        'is 10,000,000 orders (about 9.8 GiB): lower data.volume.multiplier or use mode = '
        '"compress", or set TICKTWIN_MAX_ORDERS to raise it')
    assert not out.exists()
