"""Volume multipliers: exact compress and replicate outputs, unique ids, sortedness, overflow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from pydantic import ValidationError

from sim.data.events import EventColumns
from sim.data.volume import (
    MAX_ORDER_ID,
    check_order_capacity,
    compress,
    compress_batches,
    replicate,
    replicate_batches,
    replicated_symbols,
)
from sim.errors import DataError, ScenarioError
from sim.runner import run_scenario
from sim.scenario import load_scenario
from sim.scenario.schema import DataConfig, VolumeMode


def batch(ts: list[int], symbol: list[int], order_id: list[int],
          symbols: tuple[str, ...] = ("A", "B"), **extra: Any) -> EventColumns:
    size = len(ts)
    return EventColumns(
        ts_ns=np.array(ts, dtype=np.int64),
        symbol=np.array(symbol, dtype=np.int32),
        action=np.zeros(size, dtype=np.int8),
        order_id=np.array(order_id, dtype=np.int64),
        side=np.array([1, -1] * size, dtype=np.int8)[:size],
        price=np.arange(100, 100 + size, dtype=np.int64),
        qty=np.arange(1, size + 1, dtype=np.int64),
        symbols=symbols,
        **extra,
    )


def test_compress_divides_offsets_from_origin_exactly() -> None:
    events = batch([100, 105, 119, 130, 130], [0, 1, 0, 1, 0], [1, 2, 3, 4, 5])
    out = compress(events, 10, 100)
    assert out.ts_ns.tolist() == [100, 100, 101, 103, 103]
    assert out.ts_ns.dtype == np.int64
    for name in ("symbol", "action", "order_id", "side", "price", "qty"):
        assert getattr(out, name).tolist() == getattr(events, name).tolist()
    assert out.symbols == events.symbols


def test_compress_by_one_is_identity() -> None:
    events = batch([5, 7], [0, 1], [1, 2])
    assert compress(events, 1, 0) is events


def test_compress_keeps_sortedness_across_streamed_batches() -> None:
    first = batch([1_000, 1_013, 1_029], [0, 0, 1], [1, 2, 3])
    second = batch([1_029, 1_031, 1_977], [1, 0, 0], [4, 5, 6])
    out = list(compress_batches([first, second], 7, 1_000))
    times = np.concatenate([part.ts_ns for part in out])
    assert times.tolist() == [1_000, 1_001, 1_004, 1_004, 1_004, 1_139]
    assert bool(np.all(np.diff(times) >= 0))


def test_replicate_exact_output_interleaved_by_time_then_copy() -> None:
    events = batch([10, 10, 20], [0, 1, 0], [5, 6, 5])
    out = replicate(events, 2)
    assert out.symbols == ("A", "B", "A.1", "B.1")
    assert out.ts_ns.tolist() == [10, 10, 10, 10, 20, 20]
    assert out.symbol.tolist() == [0, 1, 2, 3, 0, 2]
    assert out.order_id.tolist() == [10, 12, 11, 13, 10, 11]
    assert out.price.tolist() == [100, 101, 100, 101, 102, 102]
    assert out.qty.tolist() == [1, 2, 1, 2, 3, 3]
    assert out.side.tolist() == [1, -1, 1, -1, 1, 1]


def test_replicate_ids_unique_per_copy_and_sorted() -> None:
    ids = list(range(1_000, 1_050))
    ts = sorted((i * 37) % 101 for i in range(50))
    events = batch(ts, [i % 2 for i in range(50)], ids)
    out = replicate(events, 3)
    assert len(out) == 150
    assert bool(np.all(np.diff(out.ts_ns) >= 0))
    pairs = {(int(out.order_id[r]), int(out.symbol[r])) for r in range(len(out))}
    assert len({order_id for order_id, _ in pairs}) == 150
    for order_id, code in pairs:
        original, copy = divmod(order_id, 3)
        assert original in ids
        assert code // 2 == copy  # the copy's id and symbol agree on the copy index


def test_replicate_symbols_stable_across_batches_and_carries_optional_columns() -> None:
    first = batch([1, 2], [0, 1], [1, 2], tif=np.array([0, 1], dtype=np.int8),
                  account=np.array([0, -1], dtype=np.int32), accounts=("acct",))
    second = batch([3], [1], [3], tif=np.array([2], dtype=np.int8),
                   account=np.array([0], dtype=np.int32), accounts=("acct",))
    out = list(replicate_batches([first, second], 3))
    assert out[0].symbols == out[1].symbols == replicated_symbols(("A", "B"), 3)
    assert replicated_symbols(("A", "B"), 3) == ("A", "B", "A.1", "B.1", "A.2", "B.2")
    assert out[1].symbol.tolist() == [1, 3, 5]
    assert out[0].tif is not None
    assert out[0].tif.tolist() == [0, 0, 0, 1, 1, 1]
    assert out[0].account is not None
    assert out[0].account.tolist() == [0, 0, 0, -1, -1, -1]
    assert out[0].accounts == ("acct",)


def test_replicate_overflow_is_a_data_error() -> None:
    copies = 4
    highest = (MAX_ORDER_ID - (copies - 1)) // copies
    assert int(replicate(batch([1], [0], [highest]), copies).order_id.max()) == MAX_ORDER_ID
    with pytest.raises(DataError, match="2\\*\\*63"):
        replicate(batch([1, 2], [0, 0], [1, highest + 1]), copies)


def test_multiplier_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        compress(batch([1], [0], [1]), 0, 0)


def test_data_config_volume_defaults_and_validation(tmp_path: Path) -> None:
    sources = [{"path": tmp_path / "x.parquet"}]
    assert DataConfig(sources=sources).volume.multiplier == 1
    config = DataConfig(sources=sources, volume={"multiplier": 10, "mode": "replicate"})
    assert config.volume.mode is VolumeMode.REPLICATE
    with pytest.raises(ValidationError):
        DataConfig(sources=sources, volume={"multiplier": 0})
    with pytest.raises(ValidationError):
        DataConfig(sources=sources, volume={"multiplier": 2, "mode": "stretch"})


def test_replicate_run_has_k_times_the_orders_on_cloned_symbols(
        tmp_path: Path, make_scenario: Any) -> None:
    plain = run_scenario(load_scenario(make_scenario()), out_dir=tmp_path / "a",
                         write_report=False)
    scenario = load_scenario(make_scenario(), ["data.volume.multiplier=3",
                                               "data.volume.mode=replicate"])
    tripled = run_scenario(scenario, out_dir=tmp_path / "b", write_report=False)
    assert tripled.summary["orders"]["requests"] == 3 * plain.summary["orders"]["requests"]
    assert tripled.summary["orders"]["lost"] == 0
    symbols = set(tripled.result.orders.column("symbol").to_pylist())
    assert symbols == {"AA", "BB", "AA.1", "BB.1", "AA.2", "BB.2"}
    assert tripled.summary["sim_start_ns"] == plain.summary["sim_start_ns"]


def test_order_capacity_within_the_limit_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TICKTWIN_MAX_ORDERS", raising=False)
    check_order_capacity(100_000, 100)  # exactly 10,000,000 orders


def test_replicated_volume_past_the_limit_says_what_it_would_need(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TICKTWIN_MAX_ORDERS", raising=False)
    with pytest.raises(ScenarioError) as caught:
        check_order_capacity(100_104, 1_000_000)
    assert str(caught.value) == (
        "data.volume: replicate x1,000,000 of 100,104 rows is 100,104,000,000 orders, about "
        "97,890.6 GiB of memory (1,050 bytes per order); the limit is 10,000,000 orders (about "
        '9.8 GiB): lower data.volume.multiplier or use mode = "compress", or set '
        "TICKTWIN_MAX_ORDERS to raise it")


def test_plain_data_past_the_limit_is_refused_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKTWIN_MAX_ORDERS", "1_000")
    with pytest.raises(ScenarioError) as caught:
        check_order_capacity(1_001, 1)
    assert str(caught.value) == (
        "data.sources: 1,001 rows are 1,001 orders, about 0.0 GiB of memory (1,050 bytes per "
        "order); the limit is 1,000 orders (about 0.0 GiB): split the data, or set "
        "TICKTWIN_MAX_ORDERS to raise it")
    monkeypatch.setenv("TICKTWIN_MAX_ORDERS", "2000")
    check_order_capacity(1_001, 1)


@pytest.mark.parametrize("value", ["abc", "0", "-5", ""])
def test_a_bad_max_orders_variable_is_refused(monkeypatch: pytest.MonkeyPatch,
                                              value: str) -> None:
    monkeypatch.setenv("TICKTWIN_MAX_ORDERS", value)
    with pytest.raises(ScenarioError) as caught:
        check_order_capacity(1, 1)
    assert str(caught.value) == (f"TICKTWIN_MAX_ORDERS={value!r}: expected a positive integer "
                                 "(the most orders one run may hold)")
