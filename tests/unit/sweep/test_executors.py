"""The executor never shows in the results: a Dask LocalCluster and the local process pool
write byte-identical results.parquet for the same sweep."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from sim.sweep import Executor, SweepOptions, run_sweep


@pytest.mark.slow
def test_dask_and_the_local_pool_give_identical_results(tmp_path: Path,
                                                        small_scenario: Path) -> None:
    pytest.importorskip("distributed")
    grid = ["topology.gateway.workers=1,2"]
    local = run_sweep(small_scenario, grid, tmp_path / "local",
                      SweepOptions(seeds=2, workers=2))
    dask = run_sweep(small_scenario, grid, tmp_path / "dask",
                     SweepOptions(seeds=2, workers=2, executor=Executor.DASK))
    digests = [hashlib.sha256((tmp_path / name / "results.parquet").read_bytes()).hexdigest()
               for name in ("local", "dask")]
    assert digests[0] == digests[1]
    assert local.table.column("status").to_pylist() == ["ok"] * 4
    assert dask.table.column("seed").to_pylist() == [3, 4, 3, 4]
    assert len(set(local.table.column("digest").to_pylist())) == 4
    assert sorted(p.name for p in (tmp_path / "dask" / "runs").iterdir()) == sorted(
        p.name for p in (tmp_path / "local" / "runs").iterdir())
