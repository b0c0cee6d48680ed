"""``sim capacity``: bisection finds the M/M/1 capacity queueing theory predicts; integer and
float parameters; a budget that fails at --lo exits 1; every probed run is in capacity.parquet."""

from __future__ import annotations

import math
import re
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.data.generate import FlowSpec, generate_flow, write_events

runner = CliRunner()
SERVICE_US = 10
BUDGET_US = 100
ZERO = '{ kind = "constant", value = "0ns" }'
MM1 = f'''name = "mm1"
seed = 1
[data]
sources = [{{ name = "clients", path = "poisson.parquet", route = "full" }}]
[topology.gateway]
workers = 1
service = {{ kind = "exponential", mean = "{SERVICE_US}us" }}
queue_capacity = 1000000
[topology.risk]
service = {ZERO}
queue_capacity = 1000000
[topology.matching]
service = {ZERO}
queue_capacity = 1000000
[topology.publisher]
service = {ZERO}
queue_capacity = 1000000
[topology.links.client_to_gateway]
latency = {ZERO}
'''


def cli(*args: str | Path) -> tuple[int, str]:
    result = runner.invoke(app, [str(a) for a in args])
    return result.exit_code, result.output


def mm1(folder: Path, seconds: int) -> tuple[Path, float]:
    """A single M/M/1 stage (the gateway) fed Poisson arrivals; returns it and the base rate."""
    data = folder / "poisson.parquet"
    write_events(generate_flow(FlowSpec(symbols=("AAA",), duration_ns=seconds * 10**9,
                                        rate_per_s=1_000, seed=1)), data)
    ts = pq.read_table(data, columns=["ts"]).column("ts").cast("int64").to_pylist()
    (folder / "mm1.toml").write_text(MM1)
    (folder / "budget.toml").write_text(f'[budget]\n"gateway.p99" = "<= {BUDGET_US}us"\n')
    return folder / "mm1.toml", (len(ts) - 1) / ((ts[-1] - ts[0]) / 1e9)


@pytest.mark.slow
def test_capacity_of_an_mm1_stage_matches_queueing_theory(tmp_path: Path) -> None:
    """Sojourn time in M/M/1 is exponential with rate mu - lambda, so its p99 equals the
    budget B at lambda* = mu + ln(0.01) / B; volume multiplier k scales the Poisson rate."""
    scenario, base_rate = mm1(tmp_path, 20)
    mu = 1e6 / SERVICE_US
    expected = (mu + math.log(0.01) / (BUDGET_US * 1e-6)) / base_rate  # about 53.4
    out = tmp_path / "cap"
    code, output = cli("capacity", scenario, "--param", "data.volume.multiplier",
                       "--budget", tmp_path / "budget.toml", "--lo", "40", "--hi", "70",
                       "--seeds", "3", "--fraction", "0.5", "--out", out, "--workers", "2")
    assert code == 0, output
    found = int(re.search(r"capacity: data.volume.multiplier = (\d+)", output).group(1))
    # ~20,000 correlated sojourns put ~5% of noise on a p99, i.e. on mu - lambda (~46,000/s):
    # about 2,300/s or 2.3 steps of the multiplier; allow 3.
    assert abs(found - expected) <= 3, (found, expected)
    assert "confidence: at " in output
    table = pl.read_parquet(out / "capacity.parquet")
    assert table.height == 3 * table.get_column("value").n_unique()
    at = table.filter(pl.col("value") == found)
    assert at.get_column("passed").sum() >= 2  # the stated fraction holds at the answer
    above = table.filter(pl.col("value") == found + 1)
    assert above.get_column("passed").sum() < 2
    assert (out / "capacity.png").read_bytes()[:4] == b"\x89PNG"


def test_an_integer_search_brackets_to_one_step_and_reuses_runs(tmp_path: Path) -> None:
    scenario, _ = mm1(tmp_path, 1)
    out = tmp_path / "cap"
    args = ("capacity", scenario, "--param", "data.volume.multiplier", "--budget",
            tmp_path / "budget.toml", "--lo", "1", "--hi", "100", "--seeds", "1",
            "--out", out, "--workers", "1")
    code, output = cli(*args)
    assert code == 0, output
    table = pl.read_parquet(out / "capacity.parquet")
    values = sorted(table.get_column("value").to_list())
    found = float(re.search(r"= (\d+)\n", output).group(1))
    assert found + 1 in values  # the neighbour that fails was probed
    assert table.filter(pl.col("value") <= found).get_column("passed").all()
    assert not table.filter(pl.col("value") > found).get_column("passed").any()
    assert set(table.columns) >= {"value", "seed", "status", "passed", "run_folder",
                                  "gateway.p99", "gateway.p99.limit", "gateway.p99.margin"}
    runs = len(list((out / "runs").iterdir()))
    again = cli(*args)  # a repeated search reuses every finished run
    assert again == (code, output)
    assert len(list((out / "runs").iterdir())) == runs


def test_a_float_parameter_is_bisected_to_the_tolerance(tmp_path: Path) -> None:
    scenario, _ = mm1(tmp_path, 1)
    text = scenario.read_text().replace('{ kind = "exponential", mean = "10us" }',
                                        '{ kind = "lognormal", mean = "10us", sigma = 0.1 }')
    scenario.write_text(text)
    (tmp_path / "budget.toml").write_text('[budget]\n"gateway.p99" = "<= 30us"\n')
    out = tmp_path / "cap"
    code, output = cli("capacity", scenario, "--param", "topology.gateway.service.sigma",
                       "--budget", tmp_path / "budget.toml", "--lo", "0.1", "--hi", "2.0",
                       "--tolerance", "0.1", "--seeds", "1", "--out", out, "--workers", "1")
    assert code == 0, output
    values = sorted(set(pl.read_parquet(out / "capacity.parquet").get_column("value")))
    assert any(value != int(value) for value in values[1:-1])  # not whole numbers
    found = float(re.search(r"sigma = ([0-9.]+)", output).group(1))
    failing = min(value for value in values if value > found)
    assert 0 < failing - found <= 0.1


def test_a_budget_that_fails_at_lo_exits_1_and_says_so(tmp_path: Path) -> None:
    scenario, _ = mm1(tmp_path, 1)
    (tmp_path / "budget.toml").write_text('[budget]\n"gateway.p99" = "<= 1us"\n')
    code, output = cli("capacity", scenario, "--param", "data.volume.multiplier", "--budget",
                       tmp_path / "budget.toml", "--lo", "1", "--hi", "8", "--seeds", "1",
                       "--out", tmp_path / "cap", "--workers", "1")
    assert code == 1, output
    assert "capacity: the budget fails already at data.volume.multiplier = 1 " in output
    code, output = cli("capacity", scenario, "--param", "data.volume.multiplier", "--budget",
                       tmp_path / "budget.toml", "--lo", "1.5", "--out", tmp_path / "c2")
    assert code == 2
    assert "takes integers only" in output
