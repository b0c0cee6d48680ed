"""Deterministic synthetic L3 order flow for any volume.

Per symbol: Poisson arrivals; each event is an ``add`` (a limit order priced on
the tick grid a few ticks around a random-walk mid, now and then crossing), a
``cancel`` of an order still resting, or a ``market`` order. A pure order book
tracks the flow as it is generated, so cancels never name filled orders. All draws
come from the named stream ``data.generate.<symbol>`` so one symbol's flow does not depend on which
others are generated. Output is written to a temporary file and renamed.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.core.book import OrderBook
from sim.core.vocabulary import OrderAction
from sim.data.schema import DEFAULT_PRICE_SCALE, arrow_schema
from sim.errors import DataError
from sim.rng import RandomStreams

DEFAULT_START_NS = 1_767_364_200_000_000_000
"""2026-01-02 14:30:00 UTC, a fixed start so generated files are identical everywhere."""
MAX_GENERATED_EVENTS = 20_000_000
"""Largest expected event count of one ``generate_flow`` call: the flow is built in memory
(about 500 bytes per event, measured: 1M events peaked at 500 MB and took 10 s)."""
_BYTES_PER_EVENT = 500


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
    drift: float = 0.01
    """Probability that the mid moves one tick up (and, equally, down) before an event."""
    start_price: int = 100 * DEFAULT_PRICE_SCALE
    tick: int = 100
    """Tick size in price units (0.01 at scale 10,000)."""
    max_qty: int = 500
    start_ns: int = DEFAULT_START_NS
    price_scale: int = DEFAULT_PRICE_SCALE
    spread_ticks: list[int] = field(default_factory=lambda: [1, 2, 3, 4, 5, 6, 8, 10])

    def __post_init__(self) -> None:
        """Refuse flow that cannot be drawn (errors use ``sim data gen``'s option names)."""
        names = self.symbols
        if not names or not all(name.strip() for name in names):
            raise DataError(f"--symbols {','.join(names)!r}: give at least one non-empty "
                            "symbol name, comma-separated")
        if len(set(names)) != len(names):
            raise DataError(f"--symbols {','.join(names)!r}: each symbol may appear once")
        if self.rate_per_s < 1:
            raise DataError(f"--rate {self.rate_per_s}: must be at least 1 event per second")
        if self.duration_ns < 1:
            raise DataError(f"--duration {self.duration_ns}ns: must be longer than zero")
        for option, share in (("--add-share", self.add_share),
                              ("--cancel-share", self.cancel_share)):
            if not 0 <= share <= 1:
                raise DataError(f"{option} {share}: a share must be between 0 and 1")
        if self.add_share + self.cancel_share > 1:
            raise DataError(f"--add-share {self.add_share} + --cancel-share "
                            f"{self.cancel_share} exceed 1 (the rest are market orders)")
        expected = self.rate_per_s * self.duration_ns // 1_000_000_000 * len(names)
        if expected > MAX_GENERATED_EVENTS:
            raise DataError(
                f"--rate {self.rate_per_s} for {self.duration_ns / 1e9:g}s on {len(names)} "
                f"symbol(s) is about {expected:,} events, above the limit of "
                f"{MAX_GENERATED_EVENTS:,} (about {_BYTES_PER_EVENT * expected / 2**30:.0f} GiB "
                "while generating); generate several files or lower --rate or --duration")


class _SymbolFlow:
    """Builds one symbol's events, keeping a pure book so cancels name resting orders."""

    def __init__(self, spec: FlowSpec, symbol: str) -> None:
        self.spec = spec
        self.book = OrderBook(symbol)
        self.live: list[tuple[int, int]] = []
        self.next_id = 1
        self.rows: dict[str, list[int]] = {
            k: [] for k in ("ts", "action", "id", "side", "price", "qty")}

    def emit(self, ts: int, action: int, order_id: int, side: int, price: int, qty: int
             ) -> None:
        for key, value in zip(self.rows, (ts, action, order_id, side, price, qty), strict=True):
            self.rows[key].append(value)

    def new_id(self) -> int:
        order_id, self.next_id = self.next_id, self.next_id + 1
        return order_id

    def add(self, ts: int, side: int, price: int, qty: int) -> None:
        order_id = self.new_id()
        if self.book.add(order_id, side, price, qty).resting_qty:
            self.live.append((order_id, side))
        self.emit(ts, OrderAction.ADD, order_id, side, price, qty)

    def market(self, ts: int, side: int, qty: int) -> None:
        order_id = self.new_id()
        self.book.market(order_id, side, qty)
        self.emit(ts, OrderAction.MARKET, order_id, side, -1, qty)

    def cancel(self, ts: int, pick: float) -> bool:
        """Cancel a random resting order; False when none is left."""
        while self.live:
            slot = int(pick * len(self.live))
            self.live[slot], self.live[-1] = self.live[-1], self.live[slot]
            order_id, side = self.live.pop()
            if order_id in self.book:
                self.book.cancel(order_id, None)
                self.emit(ts, OrderAction.CANCEL, order_id, side, -1, -1)
                return True
        return False


_DRAWN: Final[tuple[OrderAction, ...]] = (OrderAction.ADD, OrderAction.CANCEL, OrderAction.MARKET)
"""What each value of the flow's kind draw means (drawn with add, cancel and market shares)."""


def _symbol_flow(spec: FlowSpec, symbol: str, streams: RandomStreams) -> dict[str, list[int]]:
    rng = streams.stream(f"data.generate.{symbol}")
    count = int(rng.poisson(spec.rate_per_s * spec.duration_ns / 1e9))
    ts = (spec.start_ns + np.cumsum(rng.exponential(1e9 / spec.rate_per_s, count))
          ).astype(np.int64).tolist()
    kinds = rng.choice(len(_DRAWN), size=count, p=[spec.add_share, spec.cancel_share,
                                          1 - spec.add_share - spec.cancel_share]).tolist()
    sides = rng.choice(np.array([1, -1]), size=count).tolist()
    steps = rng.choice(np.array([-1, 0, 1]), size=count,
                       p=[spec.drift, 1 - 2 * spec.drift, spec.drift]).tolist()
    ticks = np.where(rng.random(count) < 0.05, 1,
                     -rng.choice(np.array(spec.spread_ticks), size=count)).tolist()
    qtys = (rng.integers(1, spec.max_qty // 100 + 1, size=count) * 100).tolist()
    picks = rng.random(count).tolist()
    flow = _SymbolFlow(spec, symbol)
    mid = spec.start_price // spec.tick
    for i in range(count):
        mid = max(mid + steps[i], 20)
        kind = _DRAWN[kinds[i]]
        if kind is OrderAction.CANCEL and flow.cancel(ts[i], picks[i]):
            continue
        if kind is OrderAction.MARKET:
            flow.market(ts[i], sides[i], qtys[i])
        else:
            flow.add(ts[i], sides[i], (mid + sides[i] * ticks[i]) * spec.tick, qtys[i])
    return flow.rows


def generate_flow(spec: FlowSpec) -> pa.Table:
    """Return the synthetic flow of ``spec`` as a canonical, time-sorted table."""
    streams = RandomStreams(spec.seed)
    parts = []
    for symbol in sorted(spec.symbols):
        flow = _symbol_flow(spec, symbol, streams)
        n = len(flow["ts"])
        action_names = np.array(OrderAction.labels())[np.array(flow["action"], int)]
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
