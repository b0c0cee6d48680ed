"""Backtest throughput: the join-the-touch market maker over the full bundled AAPL day.

Run: ``.venv/bin/python benchmarks/bench_backtest.py --repeat 2``
(``--profile``: the 10 functions with the most own time in one run with the strategy)

Imports the LOBSTER AAPL 2012-06-21 level-1 pair (``data/lobster/``) into a
temporary canonical file (timed on its own), reads it into ``EventColumns``
batches (timed on its own), then runs ``scenarios/backtest_market_maker.toml``
(history route = direct; the market maker with 200 us feed, 1 ms entry and
response links) with ``run_platform``, timed: build, replay, strategy callbacks,
Arrow output. The same day without the strategy is timed too, so the strategy's
share of the time is visible. Prints:

- market events/s: history rows applied to the book per wall-clock second;
- the strategy's actions (submits, cancels), fills and callbacks;
- SimPy events scheduled (feed wakes, strategy links, matching services, timers);
- raw SimPy events/s: a tight loop of ``env.timeout`` callbacks, same process;
- peak memory: ``ru_maxrss`` of the process (the imported day included).
"""

from __future__ import annotations

import argparse
import cProfile
import datetime as dt
import gc
import pstats
import resource
import sys
import tempfile
import time
from pathlib import Path

from bench_pipeline import raw_simpy

from sim.data.events import EventColumns
from sim.data.lobster import import_lobster
from sim.data.reader import inspect_source, iter_event_batches
from sim.model.platform import RunResult, run_platform
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "backtest_market_maker.toml"
PAIR = ROOT / "data" / "lobster" / "AAPL_2012-06-21_34200000_57600000_{}_1.csv.gz"


def import_day(folder: Path) -> Path:
    """The bundled AAPL pair as a canonical file in ``folder`` (the scenario's import step)."""
    out = folder / "AAPL_2012-06-21.parquet"
    import_lobster(Path(str(PAIR).format("message")), out, symbol="AAPL",
                   date=dt.date(2012, 6, 21), orderbook_path=Path(str(PAIR).format("orderbook")))
    return out


def scenarios(day: Path) -> tuple[Scenario, Scenario]:
    """The bundled backtest reading ``day``, and the same without its strategy."""
    with_strategy = load_scenario(SCENARIO, [f'data.sources.0.path="{day}"'])
    history_only = with_strategy.model_copy(update={"strategies": []})
    return with_strategy, history_only


def timed(scenario: Scenario, batches: list[EventColumns], rows: int) -> tuple[RunResult, float]:
    """One ``run_platform`` and its wall time."""
    gc.collect()
    started = time.perf_counter()
    result = run_platform(scenario, {"nasdaq": batches}, rows)
    return result, time.perf_counter() - started


def best_of(repeat: int, scenario: Scenario, batches: list[EventColumns],
            rows: int) -> tuple[RunResult, float]:
    """The last result and the best wall time of ``repeat`` runs."""
    runs = [timed(scenario, batches, rows) for _ in range(repeat)]
    return runs[-1][0], min(seconds for _result, seconds in runs)


def report(label: str, result: RunResult, seconds: float) -> None:
    """Print one run's throughput figures."""
    applied = result.direct_events_applied
    print(f"{label}: {seconds:.2f} s, {applied / seconds:,.0f} market events/s "
          f"({applied:,} history rows applied of {result.events_processed:,} read; "
          f"{result.scheduled_events:,} SimPy events, "
          f"{result.scheduled_events / seconds:,.0f}/s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2, help="runs; the best is reported")
    parser.add_argument("--profile", action="store_true",
                        help="print the top 10 functions (own time) of one run with the strategy")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        day = import_day(Path(folder))
        imported = time.perf_counter() - started
        info = inspect_source(day)
        started = time.perf_counter()
        batches = list(iter_event_batches(info))
        read = time.perf_counter() - started
        print(f"AAPL 2012-06-21: {info.rows:,} canonical rows "
              f"(LOBSTER import {imported:.2f} s, read {read:.2f} s; not in the figures below)")
        with_strategy, history_only = scenarios(day)
        if args.profile:
            profiler = cProfile.Profile()
            profiler.runcall(run_platform, with_strategy, {"nasdaq": batches}, info.rows)
            pstats.Stats(profiler, stream=sys.stdout).sort_stats("tottime").print_stats(10)
            return
        raw = max(raw_simpy() for _ in range(args.repeat))
        bare, bare_seconds = best_of(args.repeat, history_only, batches, info.rows)
        result, seconds = best_of(args.repeat, with_strategy, batches, info.rows)
    report("history only      ", bare, bare_seconds)
    report("with market maker ", result, seconds)
    mm = result.components["strategy.mm"]
    print(f"strategy mm:        {mm['actions']:,} actions ({mm['orders']:,} orders), "
          f"{mm['fills']:,} fills ({mm['maker_fills']:,} maker), "
          f"{mm['book_updates']:,} book updates, {mm['trades']:,} trades, "
          f"{mm['reports']:,} reports seen; net P&L {mm['net_pnl']:,} price units")
    print(f"strategy share:     {1 - bare_seconds / seconds:.0%} of the run's wall time")
    print(f"raw SimPy events/s: {raw:,.0f}")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS):  {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
