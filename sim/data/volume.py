"""Volume multipliers: pure, streaming transforms of ``EventColumns`` batches.

Two ways to ask "what if there were k times as much flow?":

- **compress**: the same events, ``k`` times as fast. Every time is pulled towards an
  origin ``t0`` (the start of the data window): ``ts' = t0 + (ts - t0) // k``, in exact
  integer nanoseconds. Floor division is monotone, so order and sortedness are kept;
  events that end up on the same nanosecond stay in their original order. The book sees
  exactly the original sequence of orders, only closer together.
- **replicate**: ``k`` copies of the flow at the original times, copy ``i`` on cloned
  symbols ``<SYM>.<i>`` (copy 0 keeps the original names), so the books do not interact.
  Order ids become ``id * k + i``: unique per copy, deterministic, and a copy's cancels
  still name its own adds. An id whose product would reach ``2**63`` is a ``DataError``.
  Within a batch the copies are merged stably by time, then copy index, then row.

Both work batch by batch, so a large file is still never held in memory. Symbol codes
stay stable across batches: copy ``i`` of code ``c`` is code ``i * len(symbols) + c``.

The run's per-order records are not streamed: the recorder preallocates one row per
possible order (``rows * copies``). :func:`check_order_capacity` refuses, before
anything is allocated, a run whose order count passes :data:`DEFAULT_MAX_ORDERS`
(raised with the ``TICKTWIN_MAX_ORDERS`` environment variable), saying how much
memory it would need. Measured on the bundled sample (``replicate`` 1x and 4x, full
runs): about 1,050 bytes per order at peak (184 preallocated, the rest fills,
tables and reports) and about 14 s of simulation per 100,000 orders.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Final

import numpy as np

from sim.data.events import EventColumns
from sim.errors import DataError, ScenarioError

__all__ = [
    "BYTES_PER_ORDER",
    "DEFAULT_MAX_ORDERS",
    "MAX_ORDERS_VARIABLE",
    "MAX_ORDER_ID",
    "check_order_capacity",
    "compress",
    "compress_batches",
    "replicate",
    "replicate_batches",
    "replicated_symbols",
]

MAX_ORDER_ID = 2**63 - 1
"""Largest order id an int64 column holds."""


BYTES_PER_ORDER: Final[int] = 1_050
"""Peak memory of one order over a full run (measured; see the module notes)."""
DEFAULT_MAX_ORDERS: Final[int] = 10_000_000
"""Most orders one run may hold (about 10 GiB at peak) unless the variable below says."""
MAX_ORDERS_VARIABLE: Final[str] = "TICKTWIN_MAX_ORDERS"
"""Environment variable that raises (or lowers) :data:`DEFAULT_MAX_ORDERS`."""


def _max_orders() -> int:
    text = os.environ.get(MAX_ORDERS_VARIABLE)
    if text is None:
        return DEFAULT_MAX_ORDERS
    try:
        limit = int(text.replace("_", ""))
    except ValueError:
        limit = 0
    if limit < 1:
        raise ScenarioError(f"{MAX_ORDERS_VARIABLE}={text!r}: expected a positive integer "
                            "(the most orders one run may hold)")
    return limit


def _gib(orders: int) -> str:
    return f"{orders * BYTES_PER_ORDER / 2**30:,.1f} GiB"


def check_order_capacity(rows: int, copies: int) -> None:
    """Refuse a run whose ``rows * copies`` order records would not fit the limit.

    Args:
        rows: Rows of every source together (what the recorder is sized for).
        copies: ``data.volume.multiplier`` in ``replicate`` mode, else 1.

    Raises:
        ScenarioError: naming the orders, the memory they need and the limit.
    """
    limit = _max_orders()
    orders = rows * copies
    if orders <= limit:
        return
    if copies > 1:
        cause = (f"data.volume: replicate x{copies:,} of {rows:,} rows is {orders:,} orders")
        fix = 'lower data.volume.multiplier or use mode = "compress"'
    else:
        cause = f"data.sources: {rows:,} rows are {orders:,} orders"
        fix = "split the data"
    raise ScenarioError(
        f"{cause}, about {_gib(orders)} of memory ({BYTES_PER_ORDER:,} bytes per order); "
        f"the limit is {limit:,} orders (about {_gib(limit)}): {fix}, or set "
        f"{MAX_ORDERS_VARIABLE} to raise it")


def _check_multiplier(multiplier: int) -> None:
    if multiplier < 1:
        raise ValueError(f"volume multiplier must be at least 1, got {multiplier}")


def compress(batch: EventColumns, multiplier: int, origin_ns: int) -> EventColumns:
    """Return ``batch`` with inter-arrival times divided by ``multiplier`` around ``origin_ns``.

    Args:
        batch: Time-sorted events.
        multiplier: ``k >= 1``; 1 returns the batch unchanged.
        origin_ns: The fixed point ``t0`` of ``ts' = t0 + (ts - t0) // k``; use the same
            value for every batch and source of a run.
    """
    _check_multiplier(multiplier)
    if multiplier == 1:
        return batch
    ts = origin_ns + (batch.ts_ns - np.int64(origin_ns)) // np.int64(multiplier)
    return EventColumns(
        ts_ns=ts.astype(np.int64),
        symbol=batch.symbol,
        action=batch.action,
        order_id=batch.order_id,
        side=batch.side,
        price=batch.price,
        qty=batch.qty,
        symbols=batch.symbols,
        tif=batch.tif,
        account=batch.account,
        accounts=batch.accounts,
    )


def replicated_symbols(symbols: tuple[str, ...], copies: int) -> tuple[str, ...]:
    """Symbol names of ``copies`` copies: the originals, then ``<SYM>.1``, ``<SYM>.2``, ..."""
    _check_multiplier(copies)
    return symbols + tuple(f"{name}.{i}" for i in range(1, copies) for name in symbols)


def replicate(batch: EventColumns, copies: int) -> EventColumns:
    """Return ``copies`` copies of ``batch`` on cloned symbols, merged in time order.

    Raises:
        DataError: an order id ``x`` with ``x * copies + copies - 1`` at or above ``2**63``.
    """
    _check_multiplier(copies)
    if copies == 1:
        return batch
    size = len(batch)
    if size and int(batch.order_id.max()) > (MAX_ORDER_ID - (copies - 1)) // copies:
        raise DataError(
            f"volume.multiplier = {copies} (replicate): order id {int(batch.order_id.max())} "
            f"times {copies} does not fit below 2**63; use mode = \"compress\" or a smaller "
            "multiplier"
        )
    copy = np.repeat(np.arange(copies, dtype=np.int64), size)
    # Stacked copy-major, so a stable sort by time breaks ties on copy index, then row.
    order = np.argsort(np.tile(batch.ts_ns, copies), kind="stable")
    width = np.int32(len(batch.symbols))
    symbol = (np.tile(batch.symbol, copies) + copy.astype(np.int32) * width).astype(np.int32)
    order_id = np.tile(batch.order_id, copies) * np.int64(copies) + copy

    def tiled(column: np.ndarray) -> np.ndarray:
        result: np.ndarray = np.tile(column, copies)[order]
        return result

    return EventColumns(
        ts_ns=tiled(batch.ts_ns),
        symbol=symbol[order],
        action=tiled(batch.action),
        order_id=order_id[order],
        side=tiled(batch.side),
        price=tiled(batch.price),
        qty=tiled(batch.qty),
        symbols=replicated_symbols(batch.symbols, copies),
        tif=None if batch.tif is None else tiled(batch.tif),
        account=None if batch.account is None else tiled(batch.account),
        accounts=batch.accounts,
    )


def compress_batches(
    batches: Iterable[EventColumns], multiplier: int, origin_ns: int
) -> Iterator[EventColumns]:
    """Apply :func:`compress` to each batch as it is consumed."""
    for batch in batches:
        yield compress(batch, multiplier, origin_ns)


def replicate_batches(batches: Iterable[EventColumns], copies: int) -> Iterator[EventColumns]:
    """Apply :func:`replicate` to each batch as it is consumed."""
    for batch in batches:
        yield replicate(batch, copies)
