"""The canonical L3 event schema every ticktwin input is converted to.

One row per venue event. Time is ``timestamp[ns, UTC]``; prices are int64 in
``1/price_scale`` units (the scale is stored in the Parquet file's key-value
metadata under ``ticktwin.price_scale``); quantities are int64 shares. The
``action`` column holds the labels of :class:`sim.core.vocabulary.OrderAction`
(``add``, ``cancel``, ``modify``, ``market``, ``execute``, ``trade``) as strings;
in memory they become its codes.

Notional (``price * qty``, in price units x shares) is what overflows first: the
orders table keeps each order's ``filled_notional`` in int64. A mature engine
bounds it rather than widening every column (exchanges cap order value; our
P&L in :mod:`sim.core.portfolio` is Python ``int`` and never overflows). So a
row whose ``price * qty`` exceeds :data:`MAX_NOTIONAL` (2**62, half of int64, so
two such products still add up) is refused when the file is validated, and an
order whose fills add up past int64 stops the run with a :class:`DataError`
(possible only when one order fills at many prices or after size increases).
Bounding price and quantity separately was measured against real needs and lost:
any pair of limits whose product fits int64 refuses either a Berkshire A share at
scale 10,000 (7e9 units) with big sizes, or satoshi-priced crypto quantities.
"""

from __future__ import annotations

from typing import Final

import pyarrow as pa

MAX_NOTIONAL: Final[int] = 2**62
"""Largest ``price * qty`` of one row (4,611,686,018,427,387,904 price units x shares)."""
INT64_MAX: Final[int] = 2**63 - 1
"""Largest value of an int64 column (an order's ``filled_qty`` and ``filled_notional``)."""

DEFAULT_PRICE_SCALE: Final[int] = 10_000
PRICE_SCALE_KEY: Final[bytes] = b"ticktwin.price_scale"
QTY_SCALE_KEY: Final[bytes] = b"ticktwin.qty_scale"
"""Shares per unit of the source's quantity (crypto lots: 0.001 BTC at scale 1000 is 1)."""
BOOK_KEY: Final[bytes] = b"ticktwin.book"
"""``l3`` (orders; the default when absent) or ``l2`` (price levels: ``level`` and ``trade``)."""
BOOK_L3: Final[str] = "l3"
BOOK_L2: Final[str] = "l2"
LEVEL_ACTION: Final[str] = "level"
"""L2 row: ``qty`` is the new total resting at ``price`` on ``side`` (0 empties the level)."""

REQUIRED_COLUMNS: Final[dict[str, pa.DataType]] = {
    "ts": pa.timestamp("ns", tz="UTC"),
    "symbol": pa.string(),
    "action": pa.string(),
    "order_id": pa.uint64(),
    "side": pa.int8(),
    "price": pa.int64(),
    "qty": pa.int64(),
}
"""Required columns and their logical types (``symbol``/``action`` may be dictionary-encoded)."""

OPTIONAL_COLUMNS: Final[dict[str, pa.DataType]] = {
    "order_type": pa.string(),
    "display_qty": pa.int64(),
    "stop_price": pa.int64(),
    "account": pa.string(),
    "tif": pa.string(),
    "ts_recv": pa.timestamp("ns", tz="UTC"),
}
"""Optional columns; absent means a plain limit (``add``) or market (``market``) order.

``ts_recv`` is a second clock: when the event was received where the file was recorded
(Databento's capture server, a crypto collector), next to the venue's ``ts``."""


def arrow_schema(price_scale: int = DEFAULT_PRICE_SCALE, optional: bool = False) -> pa.Schema:
    """Return the Arrow schema to write canonical files with, carrying the price scale."""
    fields = [
        pa.field(name, pa.dictionary(pa.int32(), pa.string()) if name in ("symbol", "action")
                 else dtype, nullable=(name in ("price", "qty")))
        for name, dtype in REQUIRED_COLUMNS.items()
    ]
    if optional:
        fields += [pa.field(name, dtype) for name, dtype in OPTIONAL_COLUMNS.items()]
    return pa.schema(fields, metadata={PRICE_SCALE_KEY: str(price_scale).encode()})
