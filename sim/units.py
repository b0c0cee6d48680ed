"""Exact parsing of durations and sizes into integers.

Time in ticktwin is always an ``int`` of nanoseconds. Strings such as ``"250us"``,
``"1.5ms"`` or ``"2s"`` are parsed with ``Decimal`` so no float rounding ever
enters a timestamp; a value that is not a whole number of nanoseconds is an error.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import Final

from sim.errors import UnitError

NS_PER_UNIT: Final[dict[str, int]] = {
    "ns": 1,
    "us": 1_000,
    "µs": 1_000,
    "ms": 1_000_000,
    "s": 1_000_000_000,
    "min": 60_000_000_000,
    "h": 3_600_000_000_000,
}

_DURATION = re.compile(r"^\s*([+-]?[0-9]+(?:\.[0-9]*)?|[+-]?\.[0-9]+)\s*([a-zµ]+)\s*$")
_SIZE_UNITS: Final[dict[str, int]] = {"b": 1, "kb": 1_000, "mb": 1_000_000, "gb": 1_000_000_000}


def parse_duration_ns(text: str | int) -> int:
    """Parse ``"250us"``-style text (or an int of ns) into integer nanoseconds, exactly.

    Raises:
        UnitError: the text has no known unit, is not a number, or is not a whole
            number of nanoseconds.
    """
    if isinstance(text, bool):
        raise UnitError(f"expected a duration such as '250us', got {text!r}")
    if isinstance(text, int):
        return text
    match = _DURATION.match(text)
    if match is None:
        raise UnitError(
            f"cannot parse duration {text!r}: write a number and a unit, e.g. '250us', "
            f"'1.5ms', '2s' (units: {', '.join(NS_PER_UNIT)})"
        )
    number, unit = match.groups()
    if unit not in NS_PER_UNIT:
        raise UnitError(
            f"unknown time unit {unit!r} in {text!r}; use one of {', '.join(NS_PER_UNIT)}"
        )
    try:
        value = Decimal(number) * NS_PER_UNIT[unit]
    except InvalidOperation as exc:  # pragma: no cover - regex guards the number
        raise UnitError(f"cannot parse number in duration {text!r}") from exc
    if value != value.to_integral_value():
        raise UnitError(f"duration {text!r} is not a whole number of nanoseconds")
    return int(value)


def parse_size_bytes(text: str | int) -> int:
    """Parse ``"1500B"``, ``"64kB"`` or an int into a whole number of bytes."""
    if isinstance(text, int) and not isinstance(text, bool):
        return text
    match = re.match(r"^\s*([0-9]+(?:\.[0-9]*)?)\s*([A-Za-z]+)\s*$", str(text))
    if match is None or match.group(2).lower() not in _SIZE_UNITS:
        raise UnitError(f"cannot parse size {text!r}: write e.g. '1500B', '64kB', '1MB'")
    value = Decimal(match.group(1)) * _SIZE_UNITS[match.group(2).lower()]
    if value != value.to_integral_value():
        raise UnitError(f"size {text!r} is not a whole number of bytes")
    return int(value)


def parse_rate_per_s(text: str | int | float) -> Decimal:
    """Parse ``"10Gbps"``-free plain rates: a number of items per second as ``Decimal``."""
    try:
        return Decimal(str(text))
    except InvalidOperation as exc:
        raise UnitError(f"cannot parse rate {text!r}: write a number per second") from exc


def format_ns(value_ns: int | float) -> str:
    """Render a duration in the largest unit that keeps it readable (for tables, not parsing)."""
    magnitude = abs(value_ns)
    for unit, scale in (("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)):
        if magnitude >= scale:
            return f"{value_ns / scale:.3g}{unit}" if magnitude < 1000 * scale else (
                f"{value_ns / scale:.0f}{unit}")
    return f"{value_ns:.0f}ns"
