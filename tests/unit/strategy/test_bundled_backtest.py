"""scenarios/backtest_market_maker.toml loads, and its import command makes the file it reads."""

from __future__ import annotations

import shlex
from pathlib import Path

from sim.scenario import load_scenario
from sim.scenario.schema import Route
from sim.strategy.examples.join_the_touch import JoinTheTouch
from sim.strategy.loading import load_strategies

ROOT = Path(__file__).resolve().parents[3]
SCENARIO = ROOT / "scenarios" / "backtest_market_maker.toml"


def test_the_bundled_backtest_validates_and_its_header_imports_the_file_it_reads() -> None:
    scenario = load_scenario(SCENARIO)
    assert scenario.name == "backtest_market_maker"
    [source] = scenario.data.sources
    assert source.route is Route.DIRECT
    assert scenario.data.duration is None  # the full day
    [config] = scenario.strategies
    assert (config.compute, config.maker_fee, config.taker_fee) == (5_000, -20, 30)
    assert [link.latency.model_dump()["value"]
            for link in (config.feed, config.entry, config.response)] == [
        200_000, 1_000_000, 1_000_000]
    [strategy] = load_strategies(scenario)
    assert isinstance(strategy, JoinTheTouch)
    assert (strategy.symbol, strategy.size, strategy.max_position) == ("AAPL", 100, 500)
    # the one documented import step reads bundled files and writes what the scenario reads
    [command] = [line.removeprefix("#").strip() for line in SCENARIO.read_text().splitlines()
                 if line.startswith("#   sim data import lobster ")]
    words = shlex.split(command)
    assert (ROOT / words[4]).is_file()
    assert (ROOT / words[words.index("--orderbook") + 1]).is_file()
    assert words[words.index("--symbol") + 1] == "AAPL"
    assert ROOT / words[words.index("-o") + 1] == source.path
