"""In-memory inputs for tests and benchmarks: tiny event batches, scenarios, synthetic flow.

Nothing here reads files: tests build exactly the events they need, and the
pipeline benchmark builds a million orders without touching disk.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from sim.core.vocabulary import OrderAction
from sim.data.events import NO_PRICE, NO_QTY, EventColumns
from sim.scenario.link import LINK_NAMES
from sim.scenario.schema import Scenario

Row = tuple[Any, ...]
"""``(ts_ns, action label, order_id, side, price | None, qty | None[, symbol code])``."""



def events(rows: Sequence[Row], symbols: tuple[str, ...] = ("AAA",)) -> EventColumns:
    """One batch of canonical events from plain tuples (see :data:`Row`)."""
    return EventColumns(
        ts_ns=np.array([r[0] for r in rows], dtype=np.int64),
        symbol=np.array([r[6] if len(r) > 6 else 0 for r in rows], dtype=np.int32),
        action=np.array([OrderAction.parse(r[1]) for r in rows], dtype=np.int8),
        order_id=np.array([r[2] for r in rows], dtype=np.int64),
        side=np.array([r[3] for r in rows], dtype=np.int8),
        price=np.array([NO_PRICE if r[4] is None else r[4] for r in rows], dtype=np.int64),
        qty=np.array([NO_QTY if r[5] is None else r[5] for r in rows], dtype=np.int64),
        symbols=symbols,
    )


def constant_topology(
    gateway: int = 5_000,
    risk: int = 3_000,
    matching: int = 2_000,
    publisher: int = 1_000,
    link: int = 10_000,
    workers: int = 1,
    queue_capacity: int = 100_000,
) -> dict[str, Any]:
    """A topology (as scenario data) with constant service times and link latencies."""

    def stage(ns: int) -> dict[str, Any]:
        service = {"kind": "constant", "value": ns}
        return {"workers": workers, "service": service, "queue_capacity": queue_capacity}

    links = {name: {"latency": {"kind": "constant", "value": link}} for name in LINK_NAMES}
    return {
        "gateway": stage(gateway),
        "risk": stage(risk),
        "matching": stage(matching),
        "publisher": stage(publisher),
        "links": links,
    }


def scenario(
    topology: dict[str, Any] | None = None,
    risk: dict[str, Any] | None = None,
    seed: int = 7,
    sources: Sequence[tuple[str, str]] = (("clients", "full"),),
) -> Scenario:
    """A validated scenario whose sources are placeholders (batches are passed in memory)."""
    data = {"sources": [{"name": n, "path": f"{n}.parquet", "route": r} for n, r in sources]}
    body: dict[str, Any] = {"name": "test", "seed": seed, "data": data}
    if topology is not None:
        body["topology"] = topology
    if risk is not None:
        body["risk"] = risk
    return Scenario.model_validate(body)


def synthetic_orders(
    count: int,
    seed: int = 42,
    symbols: int = 4,
    rate_per_s: int = 20_000,
    depth_ticks: int = 10,
) -> EventColumns:
    """``count`` orders: 60% limit adds, 30% cancels of live earlier adds, 10% market orders.

    Adds are priced on a 100-unit tick grid 1 to ``depth_ticks`` ticks behind a mid
    that jitters by up to two ticks (5% of adds cross by one tick); arrivals are
    Poisson; cancels pick a live add of the same symbol uniformly.
    """
    rng = np.random.default_rng(seed)
    gaps = rng.exponential(1e9 / rate_per_s, count)
    ts = 1_700_000_000_000_000_000 + np.cumsum(gaps).astype(np.int64)
    kind = rng.choice(3, size=count, p=[0.6, 0.3, 0.1]).tolist()
    side = rng.choice(np.array([1, -1], dtype=np.int8), size=count)
    symbol = rng.integers(0, symbols, size=count).astype(np.int32)
    mid = 1_000_000 + rng.integers(-2, 3, size=count) * 100
    offset = rng.integers(1, depth_ticks + 1, size=count) * 100
    crossing = rng.random(count) < 0.05
    price = np.where(crossing, mid + side * 100, mid - side * offset).astype(np.int64)
    qty = (rng.integers(1, 6, size=count) * 100).astype(np.int64)
    order_id = np.arange(1, count + 1, dtype=np.int64)
    action = np.full(count, OrderAction.ADD, dtype=np.int8)
    live: list[list[int]] = [[] for _ in range(symbols)]
    picks = rng.random(count).tolist()
    for i, (what, code) in enumerate(zip(kind, symbol.tolist(), strict=True)):
        pool = live[code]
        if what == 0:
            pool.append(i)
        elif what == 1 and pool:
            slot = int(picks[i] * len(pool))
            pool[slot], pool[-1] = pool[-1], pool[slot]
            target = pool.pop()
            action[i] = OrderAction.CANCEL
            order_id[i], side[i] = order_id[target], side[target]
            price[i], qty[i] = NO_PRICE, NO_QTY
        else:
            action[i] = OrderAction.MARKET
            price[i] = NO_PRICE
    names = tuple(f"SYM{i}" for i in range(symbols))
    return EventColumns(ts, symbol, action, order_id, side, price, qty, names)


def batches(columns: EventColumns, size: int = 65_536) -> Iterator[EventColumns]:
    """Slice one big batch into reader-sized ones (views, no copies)."""
    for start in range(0, len(columns), size):
        part = slice(start, start + size)
        yield EventColumns(
            columns.ts_ns[part],
            columns.symbol[part],
            columns.action[part],
            columns.order_id[part],
            columns.side[part],
            columns.price[part],
            columns.qty[part],
            columns.symbols,
        )
