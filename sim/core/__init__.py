"""Pure trading logic: order book (and later risk rules and positions).

Nothing here knows about SimPy, clocks or files: every function is a
deterministic transformation of plain data, so it is tested directly,
property tests included. Prices and quantities are ``int`` (prices in
``1/price_scale`` units); there are no floats.

The order book is price-time priority: a dict of price levels per side (FIFO
deques with a cached visible size, :mod:`sim.core.price_levels`), a dict of
resting orders by id, and a sorted key list per side whose last element is the
best price. Stops wait in :mod:`sim.core.stops`. It is three layers, one concept
each: the state and its read-only queries (:mod:`sim.core.book_state`), the
matching mechanics (:mod:`sim.core.matching`), and the public entry points with
validation and fast paths (:class:`OrderBook` in :mod:`sim.core.book`).
Results (:mod:`sim.core.orders`) are read-only and may be shared between calls.
Actions, outcomes and reject reasons are the integer enums of
:mod:`sim.core.vocabulary`, shared by every layer.
"""

from sim.core.book import OrderBook
from sim.core.orders import (
    BookDelta,
    BookResult,
    OrderType,
    RestingOrder,
    SelfTradePrevention,
    Side,
    StopOrder,
    TimeInForce,
    Trade,
)
from sim.core.vocabulary import NEVER, OrderAction, Outcome, RejectReason

__all__ = [
    "NEVER",
    "BookDelta",
    "BookResult",
    "OrderAction",
    "OrderBook",
    "OrderType",
    "Outcome",
    "RejectReason",
    "RestingOrder",
    "SelfTradePrevention",
    "Side",
    "StopOrder",
    "TimeInForce",
    "Trade",
]
