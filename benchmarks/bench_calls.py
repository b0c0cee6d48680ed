"""A deterministic cost proxy for the pipeline: Python calls and best CPU time of one run.

Run: ``.venv/bin/python benchmarks/bench_calls.py --orders 30000 --repeat 5``

Wall-clock figures on a shared 2-core machine swing by a third between identical runs;
the number of Python function calls of one run (cProfile) does not move at all, and the
best ``process_time`` of several runs moves far less than wall time. Compare two
commits by running this in each (``PYTHONPATH=<checkout>``), alternating.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_pipeline import baseline

from sim.model.platform import run_platform
from sim.model.testing import batches, synthetic_orders


def main() -> None:
    """Print the call count of one run and the best CPU time of ``--repeat`` runs."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=30_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    events = synthetic_orders(args.orders)
    scenario = baseline()
    profile = cProfile.Profile()
    profile.enable()
    run_platform(scenario, [batches(events)], len(events))
    profile.disable()
    calls: int = pstats.Stats(profile).total_calls  # type: ignore[attr-defined]  # typeshed omits it
    best = float("inf")
    for _ in range(args.repeat):
        start = time.process_time()
        run_platform(scenario, [batches(events)], len(events))
        best = min(best, time.process_time() - start)
    print(f"orders:            {args.orders:,}")
    print(f"python calls:      {calls:,} ({calls / args.orders:.1f} per order)")
    print(f"best CPU time:     {best:.3f} s of {args.repeat} runs")


if __name__ == "__main__":
    main()
