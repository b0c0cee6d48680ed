"""How budget figures are printed: short for people, never misleadingly equal.

A check that fails by less than the display precision used to read
``118us, limit <= 118us: FAIL`` (118.4 us rounded to three digits). :func:`format_pair`
prints an actual value and its limit with the fewest digits that tell them apart, so
two different numbers never print the same; :func:`format_value` is the short form
used when nothing is compared. Durations are scaled exactly (``Decimal``), not by
float division, so adjacent values stay distinct at every precision.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

from sim.units import format_ns

_DURATION_UNITS: Final[tuple[tuple[str, int], ...]] = (
    ("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000), ("ns", 1))
_MAX_EXTRA_DIGITS: Final[int] = 30
"""Digits added before falling back to ``repr`` (which tells any two floats apart)."""


def format_value(value: float, unit: str) -> str:
    """Render a figure for people: durations via ``format_ns``, others compactly."""
    if unit == "ns":
        return format_ns(value)
    if float(value).is_integer():
        return str(int(value))
    return f"{value:.6g}"


def _fixed(value: Decimal, significant: int) -> str:
    """``value`` with ``significant`` digits (at least every integer digit), zeros trimmed."""
    whole = len(str(int(abs(value))))
    decimals = max(0, significant - whole)
    text = format(value.quantize(Decimal(1).scaleb(-decimals)).normalize(), "f")
    return "0" if text in {"-0", ""} else text


def _precise(value: float, unit: str, extra: int) -> str:
    """``value`` printed with ``extra`` more digits than :func:`format_value` uses."""
    if extra == 0:
        return format_value(value, unit)
    exact = Decimal(value)
    if unit == "ns":
        magnitude = abs(exact)
        name, scale = next((name, scale) for name, scale in _DURATION_UNITS
                           if magnitude >= scale or scale == 1)
        return f"{_fixed(exact / scale, 3 + extra)}{name}"
    return _fixed(exact, 6 + extra)


def format_pair(actual: float, limit: float, unit: str) -> tuple[str, str]:
    """``actual`` and ``limit`` printed so that different values never print the same.

    The short form is kept when it already tells them apart; otherwise digits are
    added until it does (``118.4us`` against ``118us``).
    """
    for extra in range(_MAX_EXTRA_DIGITS):
        shown = (_precise(actual, unit, extra), _precise(limit, unit, extra))
        if shown[0] != shown[1] or actual == limit:
            return shown
    return repr(float(actual)) + unit, repr(float(limit)) + unit


def format_margin(margin: float, unit: str) -> str:
    """``margin`` (a distance from a limit), never printed as zero when it is not zero."""
    return format_pair(margin, 0.0, unit)[0]
