"""Pure fat-finger checks: order of checks, exact integer notional, disabled limits."""

from __future__ import annotations

from sim.core.risk import OrderLimits, RiskRejectReason, check_order

LIMITS = OrderLimits(max_order_qty=100, max_notional=10_000, price_scale=10_000)


def test_within_limits_passes() -> None:
    assert check_order(LIMITS, 1_000_000, 100) is None


def test_quantity_over_limit() -> None:
    assert check_order(LIMITS, 10_000, 101) is RiskRejectReason.MAX_ORDER_QTY


def test_notional_is_exact_at_the_boundary() -> None:
    assert check_order(LIMITS, 1_000_000, 100) is None  # 100.00 x 100 = 10,000: not over
    assert check_order(LIMITS, 1_000_001, 100) is RiskRejectReason.MAX_NOTIONAL


def test_quantity_is_checked_before_notional() -> None:
    assert check_order(LIMITS, 10**9, 10**6) is RiskRejectReason.MAX_ORDER_QTY


def test_missing_price_or_qty_skips_what_needs_it() -> None:
    assert check_order(LIMITS, None, 100) is None
    assert check_order(LIMITS, 10**9, None) is None
    assert check_order(LIMITS, None, 101) is RiskRejectReason.MAX_ORDER_QTY


def test_no_limits_pass_everything() -> None:
    assert check_order(OrderLimits(), 10**12, 10**9) is None
