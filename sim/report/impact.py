"""Market impact of injected orders, from the orders and fills tables.

For each order with source ``"inject"``: what happened to it (outcome, reject
reason and stage, filled quantity) and, for its fills as the aggressor (taker),
how many distinct price levels it swept and how far the price moved between its
first and last fill, in price units and in ticks (``report.tick_size``). Given the
``[[inject]]`` entries, each row also says which entry sent the order (``inject``,
the ``i`` of ``inject[i]``) and which of its ``count`` orders it is (``repeat``, from
0), found from the order's ``order_id`` (its position in ``expand_injections`` plus one).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pyarrow as pa

from sim.scenario.inject import INJECT_SOURCE, InjectedOrderConfig, expand_injections


def injected_impact(
    orders: pa.Table,
    fills: pa.Table,
    tick_size: int,
    entries: Sequence[InjectedOrderConfig] = (),
) -> list[dict[str, Any]]:
    """One summary row per injected order, in send order.

    Args:
        orders: The orders table (``OrderRecorder.to_arrow``).
        fills: The fills table, in execution order.
        tick_size: Price units per tick.
        entries: The scenario's ``[[inject]]`` entries; without them rows have no
            ``inject`` and ``repeat`` keys.
    """
    expanded = expand_injections(entries)
    rows = [row for row in orders.to_pylist() if row["source"] == INJECT_SOURCE]
    prices_by_taker: dict[int, list[int]] = {}
    for taker, price in zip(fills["taker_seq"].to_pylist(), fills["price"].to_pylist(),
                            strict=True):
        if taker is not None:
            prices_by_taker.setdefault(taker, []).append(price)
    impact = []
    for row in rows:
        prices = prices_by_taker.get(row["order_seq"], [])
        move = abs(prices[-1] - prices[0]) if prices else 0
        origin: dict[str, int] = {}
        if expanded:
            sent = expanded[row["order_id"] - 1]
            origin = {"inject": sent.index, "repeat": sent.repeat}
        impact.append({
            "order_seq": row["order_seq"],
            **origin,
            "account": row["account"],
            "symbol": row["symbol"],
            "side": "buy" if row["side"] > 0 else "sell",
            "qty": row["qty"],
            "price": row["price"],
            "outcome": row["outcome"],
            "reject_reason": row["reject_reason"],
            "reject_stage": row["reject_stage"],
            "filled_qty": row["filled_qty"],
            "levels_swept": len(set(prices)),
            "price_move": move,
            "price_move_ticks": move // tick_size,
        })
    return impact
