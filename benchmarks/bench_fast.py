"""The fast engine (``engine = "fast"``) against the SimPy engine on the route = full path.

Run: ``.venv/bin/python benchmarks/bench_fast.py --orders 1000000 10000000``

Synthetic orders (``sim.model.testing.synthetic_orders``: 4 symbols, Poisson arrivals at
20k/s, 60% adds, 30% cancels, 10% market orders; seeded) go through feed,
``client_to_gateway``, gateway, ``gateway_to_risk``, risk, ``risk_to_matching``,
matching, the execution-report link and the market-data publisher and link (three
order stages, the publisher and five links). Two topologies:

- ``pipeline``: one worker per stage (the order path is Lindley recursions only);
- ``default``: the default topology, whose 2-worker gateway keeps each session's
  messages in order (replayed event by event in Python by the fast engine);
- ``constant``: ``pipeline`` with constant service times (no draws): the recursions alone.

For each order count it prints the fast engine's phases of one full run (and the best
``path`` time of ``--repeat`` more runs stopped after it; the first run in a process
also pays for fresh memory): ``read`` (input into the
per-order columns), ``path`` (every link and stage: the stamps, draws and risk checks;
the figure the 10M orders/s target is about), ``books`` (matching, one Python step
per order), ``reports`` (reports and market data) and ``output`` (Arrow tables); then
the SimPy engine on ``--simpy-orders`` orders in the same process, whose stamps and
fills must equal the fast engine's on those orders (checked), and the peak RSS.
"""

from __future__ import annotations

import argparse
import contextlib
import resource
import time
from typing import Any

from sim.data.events import EventColumns
from sim.fast.engine import run_fast
from sim.model.platform import RunResult, run_platform
from sim.model.testing import batches, synthetic_orders
from sim.scenario.schema import Scenario


def scenario(topology: str) -> Scenario:
    """The bench scenario: ``pipeline`` (one worker each), ``default`` or ``constant``."""
    body: dict[str, Any] = {
        "name": "bench_fast", "seed": 1,
        "data": {"sources": [{"name": "clients", "path": "synthetic.parquet", "route": "full"}]},
        "risk": {"max_order_qty": 100_000, "max_notional": 10_000_000},
    }
    if topology == "pipeline":
        body["topology"] = {"gateway": {"workers": 1,
                                        "service": {"kind": "exponential", "mean": 3_000}}}
    if topology == "constant":
        body["topology"] = {name: {"workers": 1, "service": {"kind": "constant", "value": mean}}
                            for name, mean in (("gateway", 3_000), ("risk", 3_000),
                                               ("matching", 2_000), ("publisher", 1_000))}
    return Scenario.model_validate(body)


class Phases:
    """Wall-clock time of each phase the fast engine reports."""

    def __init__(self) -> None:
        self.last = time.perf_counter()
        self.seconds: dict[str, float] = {}

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = now - self.last
        self.last = now


def fast_run(events: EventColumns, config: Scenario) -> tuple[RunResult, Phases]:
    """One fast run, timed by phase."""
    phases = Phases()
    result = run_fast(config, [batches(events)], len(events), phase=phases)
    return result, phases


class _PathDoneError(Exception):
    """Stops a run once its order path is computed (the reruns time only that)."""


def path_seconds(events: EventColumns, config: Scenario) -> float:
    """Wall time of the ``path`` phase of one more run (stopped right after it)."""
    phases = Phases()

    def until_path(name: str) -> None:
        phases(name)
        if name == "path":
            raise _PathDoneError

    with contextlib.suppress(_PathDoneError):
        run_fast(config, [batches(events)], len(events), phase=until_path)
    return phases.seconds["path"]


def report(label: str, orders: int, phases: Phases, best_path: float) -> None:
    """Print one fast run's phases and rates (``best_path``: best of the path reruns)."""
    seconds = phases.seconds
    total = sum(seconds.values())
    parts = "  ".join(f"{name} {value:.2f}s" for name, value in seconds.items())
    print(f"  fast {label}: {orders:,} orders: {parts}  (total {total:.2f}s)")
    print(f"    path, best of the reruns: {best_path:.3f}s = {orders / best_path:,.0f} "
          f"orders/s;  whole run: {orders / total:,.0f} orders/s")


def simpy_check(events: EventColumns, config: Scenario) -> None:
    """SimPy on the same orders; the fast engine's tables must be equal."""
    start = time.perf_counter()
    simpy = run_platform(config, [batches(events)], len(events))
    seconds = time.perf_counter() - start
    fast, _ = fast_run(events, config)
    equal = simpy.orders.equals(fast.orders) and simpy.fills.equals(fast.fills)
    print(f"  simpy: {len(events):,} orders in {seconds:.2f}s: "
          f"{len(events) / seconds:,.0f} orders/s; fast tables equal: {equal}")
    if not equal:
        raise SystemExit("the fast engine's tables differ from the SimPy engine's")


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--orders", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--simpy-orders", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3,
                        help="extra runs stopped after the path phase; the best is reported")
    parser.add_argument("--path-only", action="store_true",
                        help="only the path reruns (no full run: books take minutes at 10M)")
    parser.add_argument("--topology", choices=("pipeline", "default", "constant", "all"),
                        nargs="+", default=["all"])
    args = parser.parse_args()
    topologies = (("pipeline", "constant", "default") if "all" in args.topology
                  else tuple(args.topology))
    small = synthetic_orders(args.simpy_orders)
    for topology in topologies:
        print(f"topology {topology}:")
        simpy_check(small, scenario(topology))
    for count in args.orders:
        made = time.perf_counter()
        events = synthetic_orders(count)
        print(f"generated {len(events):,} orders in {time.perf_counter() - made:.1f}s")
        for topology in topologies:
            reruns = [path_seconds(events, scenario(topology)) for _ in range(args.repeat)]
            if args.path_only:
                best = min(reruns)
                print(f"  fast {topology}: {len(events):,} orders: path, best of "
                      f"{args.repeat}: {best:.3f}s = {len(events) / best:,.0f} orders/s")
                continue
            _, phases = fast_run(events, scenario(topology))
            report(topology, len(events), phases, min([phases.seconds["path"], *reruns]))
        del events
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"  peak memory (RSS) so far: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
