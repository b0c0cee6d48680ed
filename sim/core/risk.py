"""Pre-trade risk checks as pure functions over plain integers.

Checks run in a fixed order and the first failure decides the reason: max
order quantity, then max notional (the fat-finger pair). Notional is compared
exactly in integers: ``price * qty / price_scale > max_notional`` is evaluated
as ``price * qty > max_notional * price_scale``. Later checks (price collar,
positions, rate limits, kill switch) extend :func:`check_order`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class RiskRejectReason(StrEnum):
    """Why the risk checks refused an order."""

    MAX_ORDER_QTY = "max_order_qty"
    MAX_NOTIONAL = "max_notional"


@dataclass(frozen=True, slots=True)
class OrderLimits:
    """Fat-finger limits; ``None`` disables a check.

    Attributes:
        max_order_qty: Largest quantity one order may have.
        max_notional: Largest ``price * qty / price_scale`` in currency units.
        price_scale: Price units per currency unit.
    """

    max_order_qty: int | None = None
    max_notional: int | None = None
    price_scale: int = 10_000


def check_order(limits: OrderLimits, price: int | None, qty: int | None) -> RiskRejectReason | None:
    """Return why an order breaks ``limits``, or None when it passes.

    Args:
        limits: The limits to apply.
        price: Limit price in ``1/price_scale`` units; None (a market order, a
            cancel) skips the notional check, since no price is known yet.
        qty: Order quantity; None (a cancel of the whole order) passes.
    """
    if qty is None:
        return None
    max_qty = limits.max_order_qty
    if max_qty is not None and qty > max_qty:
        return RiskRejectReason.MAX_ORDER_QTY
    max_notional = limits.max_notional
    if (
        max_notional is not None
        and price is not None
        and (price * qty > max_notional * limits.price_scale)
    ):
        return RiskRejectReason.MAX_NOTIONAL
    return None
