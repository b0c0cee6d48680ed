"""Order vocabulary of the book: enums and the plain records it takes and returns.

Prices and quantities are ``int`` (prices in ``1/price_scale`` units). Records
returned by :class:`~sim.core.book.OrderBook` are read-only by contract: the
book may hand the same :class:`BookResult` object (and its empty lists) to
several callers, so never mutate a result you did not build yourself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum, StrEnum

from sim.core.vocabulary import RejectReason


class Side(IntEnum):
    """Side of an order; the value is the sign of its position change."""

    BUY = 1
    SELL = -1


class OrderType(StrEnum):
    """How an order enters the book."""

    LIMIT = "limit"
    MARKET = "market"
    STOP = "stop"
    STOP_LIMIT = "stop_limit"


class TimeInForce(StrEnum):
    """How long an order's unfilled quantity may live."""

    GTC = "gtc"
    IOC = "ioc"
    FOK = "fok"


class SelfTradePrevention(StrEnum):
    """What the book does when an order would trade against its own account."""

    NONE = "none"
    CANCEL_NEWEST = "cancel_newest"
    CANCEL_OLDEST = "cancel_oldest"
    CANCEL_BOTH = "cancel_both"


@dataclass(frozen=True, slots=True)
class Trade:
    """One fill between a resting maker and an aggressing taker, at the maker's price.

    ``taker_id`` is 0 when the aggressor is not shown (``OrderBook.execute``).
    """

    price: int
    qty: int
    maker_id: int
    taker_id: int
    aggressor_side: Side
    maker_account: str | None
    taker_account: str | None


@dataclass(frozen=True, slots=True)
class BookDelta:
    """Visible size at one price level after an operation (0: the level is gone)."""

    side: Side
    price: int
    new_size: int


@dataclass(slots=True)
class BookResult:
    """What one book operation did. Read-only: results may be shared between calls.

    Attributes:
        accepted: False when the operation was rejected; then nothing changed.
        reject_reason: Why it was rejected, else None.
        trades: Every trade of the operation in execution order, including those of
            stop orders it triggered (their ``taker_id`` tells them apart).
        filled_qty: Quantity of this operation's order that traded during the operation
            (as taker, as the named maker of ``execute``, or as maker for a triggered stop).
        resting_qty: Quantity of this operation's order still live afterwards: on the
            book (visible plus hidden) or held as an untriggered stop.
        cancelled_qty: Quantity of this operation's order removed without trading
            (cancel, IOC/market/FOK leftover, self-trade prevention).
        deltas: Net level changes, one per touched level, in first-touch order; only
            filled when the book was built with ``record_deltas=True``.
        triggered_stop_ids: Stop orders triggered (and entered) during the operation,
            in the order they entered.
        cancelled_orders: ``(order_id, qty)`` removed without trading from orders other
            than this operation's own: makers cancelled by self-trade prevention and the
            unfilled leftovers of triggered stops that could not rest.
    """

    accepted: bool
    reject_reason: RejectReason | None
    trades: list[Trade]
    filled_qty: int
    resting_qty: int
    cancelled_qty: int
    deltas: list[BookDelta]
    triggered_stop_ids: list[int]
    cancelled_orders: list[tuple[int, int]] = field(default_factory=list)


class RestingOrder:
    """An order resting on the book. Owned by the book: read it, do not change it.

    Attributes:
        order_id: Venue order id, unique among live orders.
        side: ``Side.BUY`` (1) or ``Side.SELL`` (-1); stored as the plain int.
        price: Limit price.
        qty: Visible remaining quantity (the current slice of an iceberg).
        hidden_qty: Iceberg quantity not yet shown; 0 for plain orders.
        account: Owner, used by self-trade prevention; None when unknown.
        display_qty: Iceberg slice size; None for plain orders.
    """

    __slots__ = ("account", "display_qty", "hidden_qty", "order_id", "price", "qty", "side")

    def __init__(
        self,
        order_id: int,
        side: int,
        price: int,
        qty: int,
        hidden_qty: int,
        account: str | None,
        display_qty: int | None,
    ) -> None:
        self.order_id = order_id
        self.side = side
        self.price = price
        self.qty = qty
        self.hidden_qty = hidden_qty
        self.account = account
        self.display_qty = display_qty

    def __repr__(self) -> str:
        return (
            f"RestingOrder(order_id={self.order_id}, side={self.side}, price={self.price}, "
            f"qty={self.qty}, hidden_qty={self.hidden_qty}, account={self.account!r}, "
            f"display_qty={self.display_qty})"
        )


@dataclass(slots=True)
class StopOrder:
    """A stop or stop-limit order held off the book until a trade reaches its stop price.

    Attributes:
        order_id: Venue order id.
        side: 1 buy (triggers on a trade >= ``stop_price``) or -1 sell (<= ``stop_price``).
        stop_price: Trigger price.
        price: Limit price once triggered; None for a stop (enters as a market order).
        qty: Quantity it enters with.
        tif: Time in force once triggered.
        display_qty: Iceberg slice size once triggered, or None.
        account: Owner for self-trade prevention, or None.
        sequence: Arrival counter; ties between equal stop prices trigger in this order.
    """

    order_id: int
    side: int
    stop_price: int
    price: int | None
    qty: int
    tif: TimeInForce
    display_qty: int | None
    account: str | None
    sequence: int
