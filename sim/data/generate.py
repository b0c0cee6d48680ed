"""Deterministic synthetic L3 order flow for any volume.

Per symbol: Poisson arrivals; each event is an ``add`` (a limit order priced on
the tick grid a few ticks around a random-walk mid, now and then crossing), a
``cancel`` of a live order, or a ``market`` order. All draws come from the named
stream ``data.generate.<symbol>`` so one symbol's flow does not depend on which
others are generated. Output is written to a temporary file and renamed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.data.schema import DEFAULT_PRICE_SCALE, arrow_schema
from sim.errors import DataError
from sim.rng import RandomStreams

DEFAULT_START_NS = 1_767_364_200_000_000_000
"""2026-01-02 14:30:00 UTC, a fixed start so generated files are identical everywhere."""


@dataclass(frozen=True, slots=True)
class FlowSpec:
    """Parameters of synthetic flow; every field has a sensible default."""

    symbols: tuple[str, ...] = ("SYMA",)
    duration_ns: int = 10_000_000_000
    rate_per_s: int = 5_000
    """Mean events per second, per symbol."""
    seed: int = 0
    add_share: float = 0.6
    cancel_share: float = 0.3
    """The rest (1 - add - cancel) are market orders."""
    start_price: int = 100 * DEFAULT_PRICE_SCALE
    tick: int = 100
    """Tick size in price units (0.01 at scale 10,000)."""
    max_qty: int = 500
    start_ns: int = DEFAULT_START_NS
    price_scale: int = DEFAULT_PRICE_SCALE
    spread_ticks: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 8, 10])


def _symbol_flow(spec: FlowSpec, symbol: str, streams: RandomStreams) -> dict[str, list[int]]:
    rng = streams.stream(f"data.generate.{symbol}")
    count = int(rng.poisson(spec.rate_per_s * spec.duration_ns / 1e9))
    gaps = rng.exponential(1e9 / spec.rate_per_s, count)
    ts = spec.start_ns + np.cumsum(gaps).astype(np.int64)
    kinds = rng.choice(3, size=count, p=[spec.add_share, spec.cancel_share,
                                          1 - spec.add_share - spec.cancel_share])
    sides = rng.choice(np.array([1, -1], dtype=np.int8), size=count)
    steps = rng.choice(np.array([-1, 0, 0, 0, 1]), size=count)
    offsets = rng.choice(np.array(spec.spread_ticks), size=count)
    cross = rng.random(count) < 0.05
    qtys = rng.integers(1, spec.max_qty // 100 + 1, size=count) * 100
    picks = rng.random(count)
    mid = spec.start_price // spec.tick
    live: list[tuple[int, int]] = []
    out: dict[str, list[int]] = {k: [] for k in ("ts", "action", "id", "side", "price", "qty")}
    next_id = 1
    for i in range(count):
        mid = max(mid + int(steps[i]), 10)
        kind = int(kinds[i])
        if kind == 1 and live:
            slot = int(picks[i] * len(live))
            live[slot], live[-1] = live[-1], live[slot]
            (order_id, side), price, qty = live.pop(), -1, -1
            out_action = 1
        else:
            order_id, next_id = next_id, next_id + 1
            side = int(sides[i])
            if kind == 2:
                out_action, price, qty = 2, -1, int(qtys[i])
            else:
                ticks = -int(offsets[i]) if not cross[i] else 1
                price, qty, out_action = (mid + side * ticks) * spec.tick, int(qtys[i]), 0
                live.append((order_id, side))
        for key, value in zip(out, (int(ts[i]), out_action, order_id, side, price, qty),
                              strict=True):
            out[key].append(value)
    return out


def generate_flow(spec: FlowSpec) -> pa.Table:
    """Return the synthetic flow of ``spec`` as a canonical, time-sorted table."""
    if not spec.symbols:
        raise DataError("synthetic flow needs at least one symbol")
    if not 0 <= spec.add_share + spec.cancel_share <= 1:
        raise DataError("add_share + cancel_share must be between 0 and 1")
    streams = RandomStreams(spec.seed)
    parts = []
    for symbol in sorted(spec.symbols):
        flow = _symbol_flow(spec, symbol, streams)
        n = len(flow["ts"])
        action_names = np.array(["add", "cancel", "market"])[np.array(flow["action"], int)]
        price = np.array(flow["price"], dtype=np.int64)
        qty = np.array(flow["qty"], dtype=np.int64)
        parts.append(pa.table({
            "ts": pa.array(flow["ts"], pa.int64()).cast(pa.timestamp("ns", tz="UTC")),
            "symbol": pa.array([symbol] * n),
            "action": pa.array(action_names),
            "order_id": pa.array(flow["id"], pa.uint64()),
            "side": pa.array(flow["side"], pa.int8()),
            "price": pa.array(price, mask=price < 0),
            "qty": pa.array(qty, mask=qty < 0),
        }))
    table = pa.concat_tables(parts).sort_by([("ts", "ascending"), ("symbol", "ascending")])
    return table


def write_events(table: pa.Table, out_path: Path, price_scale: int = DEFAULT_PRICE_SCALE) -> None:
    """Write a canonical table to ``out_path`` atomically (temp file, then rename)."""
    schema = arrow_schema(price_scale)
    table = table.select(schema.names).cast(schema)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    temporary = out_path.with_name(f".{out_path.name}.partial")
    try:
        pq.write_table(table, temporary, compression="zstd")
        os.replace(temporary, out_path)
    finally:
        temporary.unlink(missing_ok=True)
