"""``sim sweep``: one run per value, each equal to its own ``sim run --set``; same bytes on a
rerun; bad keys and values refused before any run; output folders kept safe."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.data.generate import FlowSpec, generate_flow, write_events

runner = CliRunner()
LINK = "topology.links.client_to_gateway.latency.value"


def cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def sim_run(scenario: Path, out: Path, *sets: str) -> dict[str, Any]:
    """The summary of a plain ``sim run`` with these ``--set`` overrides."""
    args: list[str | Path] = ["run", scenario, "--out", out, "--json"]
    for override in sets:
        args += ["--set", override]
    code, output = cli(*args)
    assert code == 0, output
    summary: dict[str, Any] = json.loads(output)
    return summary


def last_digest8(table: pl.DataFrame) -> str:
    """The first 8 hex of the last row's digest (its run folder's suffix)."""
    return str(table.get_column("digest")[-1])[:8]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".partial-" in p.name or ".old-" in p.name)


def test_one_row_per_value_each_equal_to_its_own_run(tmp_path: Path,
                                                     small_scenario: Path) -> None:
    out = tmp_path / "sweep"
    code, output = cli("sweep", small_scenario, "--vary", f"{LINK}=10us,1ms,100ms",
                       "--out", out)
    assert code == 0, output
    table = pl.read_parquet(out / "results.parquet")
    assert table.get_column("run").to_list() == [0, 1, 2]
    assert table.get_column(LINK).to_list() == ["10us", "1ms", "100ms"]
    assert table.get_column(f"{LINK}_ns").to_list() == [10_000, 1_000_000, 100_000_000]
    for row, value in zip(table.iter_rows(named=True), ["10us", "1ms", "100ms"], strict=True):
        alone = sim_run(small_scenario, tmp_path / f"alone-{value}", f"{LINK}={value}")
        assert row["digest"] == alone["digest"]
        assert row["end_to_end_p50_ns"] == alone["latency_ns"]["end_to_end"]["p50"]
        assert row["end_to_end_p99_ns"] == alone["latency_ns"]["end_to_end"]["p99"]
        assert row["fill_rate"] == alone["orders"]["fill_rate"]
        assert row["reject_rate"] == alone["orders"]["reject_rate"]
        assert row["orders"] == alone["orders"]["submitted"]
        kept = json.loads((out / row["run_folder"] / "summary.json").read_text())
        assert kept["digest"] == alone["digest"]
    p99 = table.get_column("end_to_end_p99_ns").to_list()
    assert p99[0] < p99[1] < p99[2]  # 99.99 ms more on one hop shows in the tail
    csv = pl.read_csv(out / "results.csv")
    assert csv.columns == table.columns
    shared = ["run", "digest", "end_to_end_p99_ns", "fill_rate", "gateway.utilisation"]
    assert csv.select(shared).equals(table.select(shared))
    assert (out / "sweep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert table.get_column("run_folder")[2] == f"runs/small+{LINK}=100ms-{last_digest8(table)}"
    assert sorted(p.name for p in (out / table.get_column("run_folder")[0]).iterdir()) == [
        ".ticktwin-run", "fills.parquet", "orders.parquet", "summary.json"]
    assert "100ms" in output
    assert f"3 runs (3 ran, 0 kept from before)  wrote {out}" in output
    assert leftovers(tmp_path) == []


def test_a_grid_runs_every_combination_first_key_slowest(tmp_path: Path,
                                                         small_scenario: Path) -> None:
    out = tmp_path / "grid"
    code, output = cli("sweep", small_scenario, "--grid", "topology.gateway.workers=1,2",
                       "--grid", f"{LINK}=5us,50us", "--set", "risk.max_order_qty=100",
                       "--out", out)
    assert code == 0, output
    table = pl.read_parquet(out / "results.parquet")
    assert table.select("topology.gateway.workers", LINK).rows() == [
        ("1", "5us"), ("1", "50us"), ("2", "5us"), ("2", "50us")]
    assert "topology.gateway.workers_ns" not in table.columns  # a count, not a duration
    assert table.get_column("reject_rate").min() > 0  # --set applies to every run
    alone = sim_run(small_scenario, tmp_path / "alone", "topology.gateway.workers=2",
                    f"{LINK}=50us", "risk.max_order_qty=100")
    assert table.get_column("digest")[3] == alone["digest"]


def test_the_same_sweep_gives_the_same_bytes_and_replaces_itself(tmp_path: Path,
                                                                 small_scenario: Path) -> None:
    args = ("sweep", small_scenario, "--grid", "seed=1,2")
    assert cli(*args, "--out", tmp_path / "a")[0] == 0
    assert cli(*args, "--out", tmp_path / "b")[0] == 0
    for name in ("results.parquet", "results.csv", "sweep.png", "sweep.html"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    digests = pl.read_parquet(tmp_path / "a" / "results.parquet").get_column("digest")
    assert digests.n_unique() == 2
    code, output = cli(*args, "--out", tmp_path / "a")  # a previous sweep: no --force needed
    assert code == 0, output
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("args", "message"), [
    (["--grid", "topology.gateway.wrkers=1,2"], "topology.gateway.wrkers: unknown key"),
    (["--grid", "topology.gateway.workers=1,0"],
     "--grid topology.gateway.workers=0: "),
    (["--grid", f"{LINK}=10us,fast"], f"{LINK}: cannot parse duration 'fast'"),
    (["--grid", "data.sources.3.route=full"], "data.sources.3: no item '3' in a list of 1"),
    (["--vary", "topology.gateway.workers"], "--grid 'topology.gateway.workers': expected KEY="),
    (["--vary", "seed=1,,2"], "seed: an empty value"),
    (["--vary", "seed=1,2", "--set", "seed=3"], "--grid seed: also given with --set"),
    (["--vary", "seed=1", "--vary", "seed=2"], "--grid seed: given twice"),
    (["--vary", "seed=1", "--set", "risk.nope=1"], "risk.nope: unknown key"),
])
def test_a_bad_key_or_value_is_refused_before_any_run(
        tmp_path: Path, small_scenario: Path, monkeypatch: pytest.MonkeyPatch,
        args: list[str], message: str) -> None:
    import sim.sweep.run

    runs: list[object] = []
    monkeypatch.setattr(sim.sweep.run, "execute_tasks", lambda *a: runs.append(a))
    out = tmp_path / "sweep"
    code, output = cli("sweep", small_scenario, *args, "--out", out)
    assert code == 2, output
    assert output.startswith("error: ")
    assert message in output
    assert len(output.strip().splitlines()) == 1
    assert runs == []
    assert not out.exists()
    assert leftovers(tmp_path) == []


def test_a_foreign_folder_is_refused_and_kept_unless_forced(tmp_path: Path,
                                                            small_scenario: Path) -> None:
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("keep me")
    code, output = cli("sweep", small_scenario, "--vary", "seed=1", "--out", target)
    assert code == 2
    assert output.strip() == (f"error: {target}: exists and is not a ticktwin run folder; give "
                              "a new or empty folder, or pass --force to replace it")
    assert (target / "notes.txt").read_text() == "keep me"
    code, output = cli("sweep", small_scenario, "--vary", "seed=1", "--out", target, "--force")
    assert code == 0, output
    assert not (target / "notes.txt").exists()
    code, output = cli("sweep", small_scenario, "--vary", "seed=1", "--out", tmp_path,
                       "--force")  # the folder holding the scenario: never replaced
    assert code == 2
    assert "never replaced" in output


@pytest.fixture
def strategy_scenario(tmp_path: Path) -> Path:
    """JoinTheTouch on about 1,500 synthetic events replayed straight into the book."""
    write_events(generate_flow(FlowSpec(symbols=("AAA",), duration_ns=300_000_000,
                                        rate_per_s=5_000, seed=5)), tmp_path / "hist.parquet")
    path = tmp_path / "mm.toml"
    path.write_text('name = "mm"\nseed = 1\n[data]\n'
                    'sources = [{ name = "hist", path = "hist.parquet", route = "direct" }]\n'
                    '[[strategies]]\nname = "mm"\n'
                    'path = "sim.strategy.examples.join_the_touch:JoinTheTouch"\n'
                    'params = { symbol = "AAA", size = 10 }\n'
                    'entry = { latency = { kind = "constant", value = "1ms" } }\n')
    return path


def test_strategy_columns_are_the_figures_of_the_individual_runs(
        tmp_path: Path, strategy_scenario: Path) -> None:
    key = "strategies.0.entry.latency.value"
    out = tmp_path / "sens"
    code, output = cli("sweep", strategy_scenario, "--vary", f"{key}=10us,10ms", "--out", out)
    assert code == 0, output
    table = pl.read_parquet(out / "results.parquet")
    assert {"mm.net_pnl", "mm.fills", "mm.fill_rate"} <= set(table.columns)
    for row in table.iter_rows(named=True):
        folder = tmp_path / f"alone-{row[key]}"
        alone = sim_run(strategy_scenario, folder, f"{key}={row[key]}")
        orders = pq.read_table(folder / "orders.parquet").to_pylist()
        sent = sum(1 for order in orders
                   if order["source"] == "strategy.mm" and order["action"] in ("add", "market"))
        counters = alone["components"]["strategy.mm"]
        assert row["digest"] == alone["digest"]
        assert row["mm.net_pnl"] == counters["net_pnl"]
        assert row["mm.fills"] == counters["fills"]
        assert row["mm.fill_rate"] == round(counters["fills"] / sent, 6)
    fast, slow = table.row(0, named=True), table.row(1, named=True)
    assert fast["mm.fills"] > slow["mm.fills"] > 0  # 10 ms late, it joins fewer queues in time
    assert "mm.net_pnl" in output


def test_sim_run_names_its_folder_after_the_overrides_and_no_report_skips_plots(
        tmp_path: Path, small_scenario: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, output = cli("run", small_scenario, "--set", "topology.gateway.workers=4",
                       "--seed", "9", "--no-report", "--quiet")
    assert code == 0, output
    run_dir = tmp_path / output.strip()
    digest = json.loads((run_dir / "summary.json").read_text())["digest"]
    assert run_dir.name == f"small+topology.gateway.workers=4+seed=9-{digest[:8]}"
    assert sorted(p.name for p in run_dir.iterdir()) == [
        ".ticktwin-run", "fills.parquet", "orders.parquet", "summary.json"]


def test_folder_names_replace_unsafe_characters_and_stay_short() -> None:
    from sim.runner import LABEL_MAX_CHARS, run_folder_name

    assert run_folder_name("b", ['data.sources.0.path="/x y/z.parquet"'], "abcdef0123") == (
        "b+data.sources.0.path=_x_y_z.parquet_-abcdef01")
    long = run_folder_name("b", [f"k{i}=v" for i in range(100)], "abcdef0123")
    assert long.endswith("~-abcdef01")
    assert len(long) == len("b") + LABEL_MAX_CHARS + len("-abcdef01")
