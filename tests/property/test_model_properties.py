"""Model invariants over small random platforms and order flows (hypothesis).

- stamps never go backwards along an order's path, and a rejected order has no
  stamp past the stage that refused it (but always an ack);
- conservation: every accepted add/market has ``qty = filled + cancelled + resting``,
  and the fills table accounts for exactly the filled quantity of model orders;
- every submitted order ends in exactly one outcome.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.model.platform import run_platform
from sim.model.recorder import STAMPS
from sim.model.testing import LINK_NAMES, events, scenario

DISTRIBUTIONS = st.one_of(
    st.builds(lambda v: {"kind": "constant", "value": v}, st.integers(0, 20_000)),
    st.builds(lambda m: {"kind": "exponential", "mean": m}, st.integers(1, 20_000)),
    st.builds(
        lambda lo, w: {"kind": "uniform", "low": lo, "high": lo + w},
        st.integers(0, 10_000),
        st.integers(0, 10_000),
    ),
)


@st.composite
def topologies(draw: st.DrawFn) -> dict[str, Any]:
    def stage() -> dict[str, Any]:
        return {
            "workers": draw(st.integers(1, 3)),
            "service": draw(DISTRIBUTIONS),
            "queue_capacity": draw(st.integers(0, 6)),
        }

    links = {
        name: {"latency": draw(DISTRIBUTIONS), "fifo": draw(st.booleans())} for name in LINK_NAMES
    }
    return {
        "gateway": stage(),
        "risk": stage(),
        "matching": stage(),
        "publisher": stage(),
        "links": links,
    }


@st.composite
def flows(draw: st.DrawFn) -> list[tuple[Any, ...]]:
    count = draw(st.integers(1, 60))
    gaps = draw(st.lists(st.integers(0, 15_000), min_size=count, max_size=count))
    rows: list[tuple[Any, ...]] = []
    ts = 1_000_000
    for i, gap in enumerate(gaps):
        ts += gap
        kind = draw(st.sampled_from(["add", "add", "add", "cancel", "market", "modify"]))
        side = draw(st.sampled_from([1, -1]))
        price = 100 * draw(st.integers(95, 105))
        qty = draw(st.integers(1, 12))
        symbol = draw(st.integers(0, 1))
        if kind in ("cancel", "modify") and rows:
            target = draw(st.integers(0, len(rows) - 1))
            order_id = rows[target][2]
            symbol = rows[target][6]
            if kind == "cancel":
                rows.append(
                    (ts, "cancel", order_id, side, None, draw(st.none() | st.just(qty)), symbol)
                )
            else:
                rows.append((ts, "modify", order_id, side, price, qty, symbol))
        elif kind == "market":
            rows.append((ts, "market", 10_000 + i, side, None, qty, symbol))
        else:
            rows.append((ts, "add", 10_000 + i, side, price, qty, symbol))
    return rows


def simulate(
    topology: dict[str, Any], rows: list[tuple[Any, ...]], seed: int, risk: dict[str, Any]
) -> Any:
    batch = events(rows, symbols=("AAA", "BBB"))
    return run_platform(scenario(topology, risk, seed), [[batch]], len(rows))


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
RISKS = st.sampled_from([{}, {"max_order_qty": 8}, {"max_notional": 5_000_000 // 100}])


@SETTINGS
@given(topologies(), flows(), st.integers(0, 2**32), RISKS)
def test_stamps_are_monotonic_along_each_path(topology, rows, seed, risk) -> None:
    orders = simulate(topology, rows, seed, risk).orders
    stamps = np.column_stack(
        [orders.column(name).to_numpy(zero_copy_only=False).astype(float) for name in STAMPS]
    )
    for row in stamps:
        reached = row[~np.isnan(row)]
        assert (np.diff(reached) >= 0).all()
        # stamps form a prefix of the path, plus the ack at the end
        present = ~np.isnan(row[:-1])
        assert not (present[1:] & ~present[:-1]).any()
        assert not np.isnan(row[-1])


@SETTINGS
@given(topologies(), flows(), st.integers(0, 2**32), RISKS)
def test_conservation_per_order_and_in_total(topology, rows, seed, risk) -> None:
    result = simulate(topology, rows, seed, risk)
    table = pl.from_arrow(result.orders)
    assert table["outcome"].null_count() == 0
    assert table.height == sum(1 for r in rows if r[1] != "trade")
    accepted = table.filter(
        pl.col("action").is_in(["add", "market"]) & (pl.col("outcome") != "rejected")
    )
    assert (
        accepted["qty"]
        == accepted["filled_qty"] + accepted["cancelled_qty"] + accepted["resting_qty"]
    ).all()
    assert (accepted.filter(pl.col("action") == "market")["resting_qty"] == 0).all()
    fills = pl.from_arrow(result.fills)
    from_fills = (
        fills.filter(pl.col("maker_seq").is_not_null())["qty"].sum()
        + fills.filter(pl.col("taker_seq").is_not_null())["qty"].sum()
    )
    assert from_fills == table["filled_qty"].sum()
    assert (table["filled_notional"] >= 0).all()


@settings(max_examples=20, deadline=None)
@given(topologies(), flows(), st.integers(0, 2**32))
def test_reruns_are_identical(topology, rows, seed) -> None:
    first = simulate(topology, rows, seed, {})
    second = simulate(topology, rows, seed, {})
    assert first.orders.equals(second.orders)
    assert first.fills.equals(second.fills)
    assert first.components == second.components
