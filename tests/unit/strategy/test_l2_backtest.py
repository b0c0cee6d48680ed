"""Strategies on L2 data: the Binance backtest per queue model, from_data latency, refusals."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.data.import_binance import import_binance
from sim.data.reader import inspect_source
from sim.errors import ScenarioError
from sim.model.l2_reader import L2Columns, iter_l2_batches
from sim.model.platform import Platform
from sim.model.testing import constant_topology
from sim.runner import inspect_inputs, run_scenario
from sim.scenario import load_scenario
from sim.scenario.schema import Scenario
from sim.strategy.api import BookUpdate, Strategy, StrategyContext

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = ROOT / "scenarios" / "backtest_binance_l2.toml"
CAPTURE = ROOT / "data" / "binance" / "usdm_btcusdt_20240808_first120s.gz"
MS = 1_000_000


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled capture imported as the scenario's header says (to a temporary file)."""
    out = tmp_path_factory.mktemp("binance") / "btcusdt.parquet"
    import_binance(CAPTURE, out)
    return out


def test_the_bundled_scenario_reads_what_its_header_imports() -> None:
    scenario = load_scenario(SCENARIO)
    [source] = scenario.data.sources
    [command] = [line.removeprefix("#").strip() for line in SCENARIO.read_text().splitlines()
                 if line.startswith("#   sim data import binance ")]
    words = command.split()
    assert ROOT / words[4] == CAPTURE
    assert ROOT / words[words.index("-o") + 1] == source.path
    [strategy] = scenario.strategies
    assert strategy.queue_model.kind == "prob_power"
    assert strategy.queue_model.power == 3
    assert strategy.feed.from_data is not None
    assert strategy.feed.from_data.offset == 1_300_000_000


PINNED = {"risk_averse": (119, 137, 100), "prob_power": (121, 132, 103),
          "prob_log": (131, 136, 111)}
"""Maker fills, taker fills and ``l2_fills`` (fills a trade row made) in the first 60 s."""


@pytest.mark.parametrize("kind", list(PINNED))
def test_the_binance_backtest_under_each_queue_model(capture: Path, tmp_path: Path,
                                                     kind: str) -> None:
    scenario = load_scenario(SCENARIO, [f'data.sources.0.path="{capture}"', "data.duration=60s",
                                        f'strategies.0.queue_model.kind="{kind}"'])
    outcome = run_scenario(scenario, out_dir=tmp_path / kind, write_report=False)
    mm = outcome.summary["components"]["strategy.mm"]
    matching = outcome.summary["components"]["matching"]
    assert (matching["l2_levels"], matching["l2_trades"]) == (79_658, 2_523)
    assert (mm["maker_fills"], mm["taker_fills"], matching["l2_fills"]) == PINNED[kind]


class Watcher(Strategy):
    """Records how late each book update arrives."""

    def __init__(self) -> None:
        self.seen: list[tuple[int, int]] = []

    def on_book_update(self, ctx: StrategyContext, book: BookUpdate) -> None:
        self.seen.append((book.ts_ns, ctx.now_ns))


def l2_batch(rows: list[tuple[int, int, str, int, int, int]]) -> L2Columns:
    """``(ts, ts_recv, action, side, price, qty)`` rows of symbol BTC."""
    return L2Columns(
        ts_ns=np.array([r[0] for r in rows], np.int64), symbol=np.zeros(len(rows), np.int32),
        action=np.array([0 if r[2] == "level" else 1 for r in rows], np.int8),
        order_id=np.zeros(len(rows), np.int64), side=np.array([r[3] for r in rows], np.int8),
        price=np.array([r[4] for r in rows], np.int64),
        qty=np.array([r[5] for r in rows], np.int64), symbols=("BTC",),
        ts_recv_ns=np.array([r[1] for r in rows], np.int64))


def watch(feed: dict[str, Any], rows: list[tuple[int, int, str, int, int, int]]) -> Watcher:
    body = {"name": "l2", "topology": constant_topology(),
            "data": {"sources": [{"name": "bn", "path": "x.parquet", "route": "direct"}]},
            "strategies": [{"name": "w", "path": "x:Watcher", "feed": feed}]}
    watcher = Watcher()
    Platform(Scenario.model_validate(body), [[l2_batch(rows)]], len(rows),
             strategies=[watcher]).run()
    return watcher


TOPS = [(1 * MS, 3 * MS, "level", 1, 100, 5), (2 * MS, 9 * MS, "level", -1, 102, 4),
        (4 * MS, 5 * MS, "level", 1, 101, 1), (6 * MS, 6 * MS + 700, "level", -1, 102, 2)]
"""Rows that each move the top: one book update each."""
ROWS = [*TOPS, (20 * MS, 20 * MS, "level", 1, 50, 1)]
"""And a deep level later, so every update arrives before the data ends."""


def test_from_data_delays_each_update_by_its_rows_ts_recv_minus_ts() -> None:
    watcher = watch({"latency": "from_data", "fifo": False}, ROWS)
    assert sorted(watcher.seen) == [(ts, recv) for ts, recv, *_ in TOPS]  # arrival order
    shifted = watch({"latency": {"kind": "from_data", "offset": "1ms"}, "fifo": False}, ROWS)
    assert sorted(shifted.seen) == [(ts, recv + MS) for ts, recv, *_ in TOPS]
    fifo = watch({"latency": "from_data"}, ROWS)  # FIFO: never before the one sent earlier
    assert [now for _, now in fifo.seen] == [3 * MS, 9 * MS, 9 * MS, 9 * MS]


def test_from_data_empirical_draws_only_recorded_delays(tmp_path: Path) -> None:
    path = write_l2(tmp_path / "bn.parquet", ROWS, ts_recv=True)
    body = {"name": "l2", "topology": constant_topology(),
            "data": {"sources": [{"name": "bn", "path": str(path), "route": "direct"}]},
            "strategies": [{"name": "w", "path": "x:Watcher", "feed": {
                "latency": {"kind": "from_data", "sample": "empirical"}, "fifo": False}}]}
    scenario = Scenario.model_validate(body)
    inspect_inputs(scenario)
    watcher = Watcher()
    Platform(scenario, [list(iter_l2_batches(inspect_source(path)))], len(ROWS),
             strategies=[watcher]).run()
    recorded = {recv - ts for ts, recv, *_ in ROWS}
    assert {now - ts for ts, now in watcher.seen} <= recorded
    assert len(watcher.seen) == 4


def write_l2(path: Path, rows: list[tuple[int, int, str, int, int, int]],
             ts_recv: bool) -> Path:
    stamp = pa.timestamp("ns", tz="UTC")
    columns = {
        "ts": pa.array([r[0] for r in rows], pa.int64()).cast(stamp),
        "symbol": pa.array(["BTC"] * len(rows)), "action": pa.array([r[2] for r in rows]),
        "order_id": pa.array([0] * len(rows), pa.uint64()),
        "side": pa.array([r[3] for r in rows], pa.int8()),
        "price": pa.array([r[4] for r in rows], pa.int64()),
        "qty": pa.array([r[5] for r in rows], pa.int64()),
    }
    if ts_recv:
        columns["ts_recv"] = pa.array([r[1] for r in rows], pa.int64()).cast(stamp)
    table = pa.table(columns).replace_schema_metadata({b"ticktwin.book": b"l2",
                                                       b"ticktwin.price_scale": b"10000"})
    pq.write_table(table, path)
    return path


def scenario_on(path: Path, **strategy: Any) -> Scenario:
    return Scenario.model_validate({
        "name": "l2", "data": {"sources": [{"name": "bn", "path": str(path), "route": "direct"}]},
        "strategies": [{"name": "w", "path": "x:Watcher", **strategy}]})


def test_refusals_name_the_key_the_file_and_the_fix(tmp_path: Path) -> None:
    bare = write_l2(tmp_path / "bare.parquet", ROWS, ts_recv=False)
    with pytest.raises(ScenarioError, match=r'^strategies\[0\]\.feed\.latency: latency = '
                       r'"from_data" needs the local receive time, and .*bare\.parquet has no '
                       r"ts_recv column"):
        inspect_inputs(scenario_on(bare, feed={"latency": "from_data"}))
    behind = write_l2(tmp_path / "behind.parquet",
                      [(5 * MS, 2 * MS, "level", 1, 100, 5), (6 * MS, 6 * MS, "level", 1, 100, 4)],
                      ts_recv=True)
    with pytest.raises(ScenarioError, match=r"behind\.parquet row 0: ts_recv - ts \+ offset is "
                       r'-3000000 ns, .* set the link\'s offset to at least "3000000ns"$'):
        inspect_inputs(scenario_on(behind, feed={"latency": "from_data"}))
    inspect_inputs(scenario_on(behind, feed={"latency": {"kind": "from_data", "offset": "3ms"}}))
    full = Scenario.model_validate({"name": "l2", "data": {"sources": [
        {"name": "bn", "path": str(bare)}]}})
    with pytest.raises(ScenarioError, match=r'holds L2 price levels; .* route = "direct"$'):
        inspect_inputs(full)
    with pytest.raises(ValueError, match="power is a parameter of prob_power, not of prob_log"):
        scenario_on(bare, queue_model={"kind": "prob_log", "power": 2})
    assert scenario_on(bare, queue_model="prob_log").strategies[0].queue_model.kind == "prob_log"
