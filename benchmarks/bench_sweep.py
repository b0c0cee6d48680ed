"""Wall time of one sweep on 1 and 2 local workers and on a 2-worker Dask LocalCluster.

Run: ``.venv/bin/python benchmarks/bench_sweep.py --duration 1s --seeds 4``

The sweep is the bundled baseline cut to ``--duration`` of data, over
``topology.gateway.workers=1,2`` x ``--seeds`` seeds. It prints, per executor, the
sweep's wall time (planning, pool or cluster start-up, runs, table and plots) and the
overhead per run against a bare run: the mean wall time of the same runs done one after
another in this process with ``run_scenario(..., write_report=False)`` (what
``sim run --no-report`` does). It also checks that every executor wrote the same
``results.parquet`` bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
from pathlib import Path

from sim.runner import run_scenario
from sim.scenario import load_scenario
from sim.sweep import Executor, SweepOptions, run_sweep

SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.toml"
GRID = "topology.gateway.workers=1,2"


def bare_seconds(sets: list[str], seeds: int, folder: Path) -> tuple[float, int]:
    """Mean wall time of one bare run over the sweep's points, and the number of runs."""
    base = load_scenario(SCENARIO, sets).seed
    points = [[*sets, f"topology.gateway.workers={workers}", f"seed={base + offset}"]
              for workers in (1, 2) for offset in range(seeds)]
    start = time.perf_counter()
    for index, overrides in enumerate(points):
        run_scenario(load_scenario(SCENARIO, overrides), out_dir=folder / f"bare{index}",
                     write_report=False)
    return (time.perf_counter() - start) / len(points), len(points)


def sweep_seconds(sets: list[str], seeds: int, folder: Path, executor: Executor,
                  workers: int) -> tuple[float, str]:
    """Wall time of the sweep and the sha256 of its results.parquet."""
    start = time.perf_counter()
    run_sweep(SCENARIO, [GRID], folder, SweepOptions(sets=sets, seeds=seeds,
                                                      executor=executor, workers=workers))
    elapsed = time.perf_counter() - start
    return elapsed, hashlib.sha256((folder / "results.parquet").read_bytes()).hexdigest()


def main() -> None:
    """Parse the options, time the bare runs and the three executors, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", default="1s", help="data.duration of each run")
    parser.add_argument("--seeds", type=int, default=4, help="seeds per grid point")
    parser.add_argument("--no-dask", action="store_true", help="skip the Dask LocalCluster")
    args = parser.parse_args()
    sets = [f"data.duration={args.duration}"]
    with tempfile.TemporaryDirectory(prefix="bench_sweep-") as name:
        folder = Path(name)
        bare, runs = bare_seconds(sets, args.seeds, folder)
        print(f"{runs} runs of baseline, data.duration={args.duration}; bare run "
              f"(in process, no report): {bare:.2f} s")
        print(f"{'executor':<24}{'wall s':>9}{'per run s':>11}{'overhead/run s':>16}")
        cases = [("local, 1 worker", Executor.LOCAL, 1), ("local, 2 workers", Executor.LOCAL, 2)]
        if not args.no_dask:
            cases.append(("dask LocalCluster, 2", Executor.DASK, 2))
        digests = set()
        for label, executor, workers in cases:
            wall, digest = sweep_seconds(sets, args.seeds, folder / label.replace(" ", "_"),
                                         executor, workers)
            digests.add(digest)
            per_run = wall / runs
            # overhead: what each run costs beyond a bare run, on one worker's share
            overhead = wall * workers / runs - bare
            print(f"{label:<24}{wall:>9.2f}{per_run:>11.2f}{overhead:>16.2f}")
        print(f"results.parquet identical across executors: {len(digests) == 1}")


if __name__ == "__main__":
    main()
