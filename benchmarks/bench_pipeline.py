"""Throughput of the baseline pipeline on synthetic orders, next to raw SimPy.

Run: ``.venv/bin/python benchmarks/bench_pipeline.py --orders 1000000 --repeat 3``
(``--audit``: with the write-ahead log; ``--failover``: and a failover halfway through)

Generates ``--orders`` synthetic orders in memory with
``sim.model.testing.synthetic_orders`` (4 symbols, Poisson arrivals at 20k/s,
60% limit adds on a tick grid behind a jittering mid, 30% cancels of live
earlier adds, 10% market orders; seeded, so every run is the same flow), runs
them route=full through
feed, links, gateway, risk, matching, execution reports and the market-data
publisher with the baseline topology, and prints:

- orders/s: orders through the whole model per wall-clock second (build,
  replay and Arrow output included);
- SimPy events/s: scheduled events (stage service ends + scheduled link
  deliveries + feed wakes, counted by the components themselves, see
  ``RunResult.scheduled_events``) per second of the run;
- raw SimPy events/s: a tight loop of ``env.timeout`` callbacks rescheduling
  themselves, measured in the same process just before;
- peak memory: ``ru_maxrss`` of the process (the benchmark's data included).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import resource
import time
from pathlib import Path
from typing import Any

import simpy

from sim.data.events import EventColumns
from sim.model.platform import RunResult, run_platform
from sim.model.testing import batches, synthetic_orders
from sim.scenario.schema import Scenario


def baseline(audit: bool = False, failover_at_ns: int | None = None) -> Scenario:
    """The default topology (gateway 2 workers, exponential services, constant links).

    ``audit`` adds a write-ahead log (10 us writes, group commit, 1 s snapshots);
    ``failover_at_ns`` also fails the matching engine over to a standby then.
    """
    body: dict[str, Any] = {
        "name": "bench",
        "seed": 1,
        "data": {"sources": [{"name": "clients", "path": "synthetic.parquet", "route": "full"}]},
        "risk": {"max_order_qty": 100_000, "max_notional": 10_000_000},
    }
    if audit or failover_at_ns is not None:
        body["topology"] = {
            "audit": {"write": {"kind": "constant", "value": "10us"}, "snapshot_interval": "1s"},
            "standbys": {"matching": {}},
        }
    if failover_at_ns is not None:
        body["faults"] = [{"kind": "failover", "target": "matching", "at": failover_at_ns}]
    return Scenario.model_validate(body)


def raw_simpy(events: int = 1_000_000) -> float:
    """Events/s of a tight loop of ``env.timeout`` callbacks (10 chains rescheduling)."""
    env = simpy.Environment()
    remaining = [events]

    def again(event: simpy.Event) -> None:
        remaining[0] -= 1
        if remaining[0] > 0:
            env.timeout(7).callbacks.append(again)

    for i in range(10):
        env.timeout(i).callbacks.append(again)
    start = time.perf_counter()
    env.run()
    return events / (time.perf_counter() - start)


def run_once(events: EventColumns, scenario: Scenario) -> tuple[RunResult, float]:
    start = time.perf_counter()
    result = run_platform(scenario, [batches(events)], len(events))
    return result, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3, help="runs; the best is reported")
    parser.add_argument(
        "--depth-ticks",
        type=int,
        default=10,
        help="adds rest 1..N ticks behind the mid (longer levels when small)",
    )
    parser.add_argument("--profile", type=Path, help="write cProfile stats of one run here")
    parser.add_argument("--audit", action="store_true", help="add the write-ahead log")
    parser.add_argument(
        "--failover", action="store_true",
        help="add the write-ahead log and fail the matching engine over halfway through",
    )
    args = parser.parse_args()

    made = time.perf_counter()
    events = synthetic_orders(args.orders, depth_ticks=args.depth_ticks)
    print(f"generated {len(events):,} orders in {time.perf_counter() - made:.1f}s")
    halfway = int(events.ts_ns[len(events) // 2] - events.ts_ns[0]) if len(events) else 0
    scenario = baseline(args.audit, halfway if args.failover else None)
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        run_once(events, scenario)
        profiler.disable()
        profiler.dump_stats(args.profile)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        return
    raw = max(raw_simpy() for _ in range(args.repeat))
    best = float("inf")
    result = None
    for _ in range(args.repeat):
        result, seconds = run_once(events, scenario)
        best = min(best, seconds)
        print(f"  run: {seconds:.2f}s")
    assert result is not None
    orders = result.orders.num_rows
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    outcomes = result.orders.column("outcome").value_counts().to_pylist()
    summary = ", ".join(f"{item['values']}={item['counts']}" for item in outcomes)
    print(f"orders:              {orders:,} ({summary})")
    print(f"fills:               {result.fills.num_rows:,}")
    print(f"best wall time:      {best:.2f}s")
    print(f"orders/s:            {orders / best:,.0f}")
    print(
        f"SimPy events:        {result.scheduled_events:,} "
        f"({result.scheduled_events / orders:.2f} per order)"
    )
    print(f"SimPy events/s:      {result.scheduled_events / best:,.0f}")
    print(f"raw SimPy events/s:  {raw:,.0f}")
    print(f"peak memory (RSS):   {peak_mb:,.0f} MB")
    for name in ("audit", "failover.matching"):
        if name in result.components:
            print(f"{name + ':':<21}{result.components[name]}")


if __name__ == "__main__":
    main()
