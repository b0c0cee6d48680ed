from pathlib import Path

import pyarrow.parquet as pq
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
