"""The canonical L3 event schema every ticktwin input is converted to.

One row per venue event. Time is ``timestamp[ns, UTC]``; prices are int64 in
``1/price_scale`` units (the scale is stored in the Parquet file's key-value
metadata under ``ticktwin.price_scale``); quantities are int64 shares.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Final

import pyarrow as pa


class Action(StrEnum):
    """What a row of the canonical stream does to the book."""

    ADD = "add"
    CANCEL = "cancel"
    MODIFY = "modify"
    MARKET = "market"
    EXECUTE = "execute"
    TRADE = "trade"


ACTION_CODES: Final[dict[str, int]] = {a.value: i for i, a in enumerate(Action)}
"""Stable small-integer codes for actions, used in numpy columns (order of ``Action``)."""

DEFAULT_PRICE_SCALE: Final[int] = 10_000
PRICE_SCALE_KEY: Final[bytes] = b"ticktwin.price_scale"

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
}
"""Optional columns; absent means a plain limit (``add``) or market (``market``) order."""


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
