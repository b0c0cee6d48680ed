"""Gateway rate limit: per-account token bucket, exact counts, reject reason and stage."""

from __future__ import annotations

import polars as pl
import pytest

from sim.errors import ScenarioError
from sim.model.platform import run_platform
from sim.model.testing import constant_topology, events, scenario
from sim.scenario import load_scenario


def limited(rate_per_s: int, burst: int) -> dict[str, object]:
    topology = constant_topology()
    topology["gateway"]["rate_limit"] = {"rate_per_s": rate_per_s, "burst": burst}
    return topology


def test_burst_passes_then_rate_limited_until_refilled() -> None:
    # gateway 5us, 1 worker: services end 5us apart, far less than the 1ms per token
    rows = [(1_000 + i, "add", i + 1, 1, 100, 1) for i in range(5)]
    rows.append((3_000_000, "add", 6, 1, 100, 1))  # 2ms later: bucket full again
    result = run_platform(scenario(limited(1_000, 2)), [[events(rows)]], len(rows))
    table = pl.from_arrow(result.orders)
    assert table["reject_reason"].to_list() == [None, None, *["rate_limited"] * 3, None]
    assert table["reject_stage"].to_list() == [None, None, *["gateway"] * 3, None]
    assert table.filter(pl.col("outcome") == "rejected")["ts_risk_in_ns"].null_count() == 3
    stats = result.components["stage.gateway"]
    assert stats["rejected.rate_limited"] == 3
    assert stats["served"] == 6


def test_each_account_has_its_own_bucket() -> None:
    rows = [(1_000 + i, "add", i + 1, 1, 100, 1) for i in range(3)]
    sources = (("alice", "full"), ("bob", "full"))
    result = run_platform(
        scenario(limited(1, 2), sources=sources), [[events(rows)], [events(rows)]], 6
    )
    table = pl.from_arrow(result.orders)
    per_source = table.group_by("source").agg(
        (pl.col("reject_reason") == "rate_limited").sum().alias("limited")
    )
    assert dict(per_source.iter_rows()) == {"alice": 1, "bob": 1}


def test_no_rate_limit_by_default() -> None:
    rows = [(1_000 + i, "add", i + 1, 1, 100, 1) for i in range(50)]
    result = run_platform(scenario(constant_topology()), [[events(rows)]], len(rows))
    assert pl.from_arrow(result.orders)["reject_reason"].null_count() == 50


def test_rate_limit_config_is_validated(tmp_path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "s"\n[data]\nsources = [{ path = "x.parquet" }]\n'
        "[topology.gateway]\nrate_limit = { rate_per_s = 0, burst = 1 }\n"
    )
    with pytest.raises(ScenarioError, match=r"topology\.gateway\.rate_limit\.rate_per_s"):
        load_scenario(path)
