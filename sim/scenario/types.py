"""Constrained field types shared by the scenario schema (durations in exact int ns).

Strict on purpose: a duration read from a file needs a unit (``duration = 5`` is refused,
not taken as 5 ns), and counts (``workers``, ``queue_capacity``, ...) are :data:`Count`,
which refuses strings, booleans and floats. Python code may still pass plain ``int``
nanoseconds (defaults, resolved dumps); only numbers the loader read from TOML or a
``--set`` come wrapped in :class:`TomlInt`, which a duration refuses.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from sim.errors import UnitError
from sim.units import parse_duration_ns, parse_size_bytes


class TomlInt(int):
    """An integer as written in a scenario file or ``--set``: a count, never a duration.

    The loader wraps every TOML integer in it; :data:`DurationNs` refuses it, so a bare
    ``5`` must be written ``"5s"`` or ``"5us"``. Validated fields hold plain ``int``.
    """


def _duration(value: Any) -> Any:
    """Parse duration text into int ns; refuse unit-less numbers, floats and booleans."""
    if isinstance(value, str):
        try:
            return parse_duration_ns(value)
        except UnitError as exc:
            raise ValueError(str(exc)) from exc
    if isinstance(value, bool):
        raise ValueError(
            f"{str(value).lower()} is not a duration; write a string with a unit, e.g. \"5ms\""
        )
    if isinstance(value, float):
        raise ValueError("durations are exact: write a string such as '1.5ms', not a float")
    if isinstance(value, TomlInt):
        raise ValueError(
            f'{int(value)} has no unit; write it as a string with a unit, '
            f'e.g. "{int(value)}s" or "{int(value)}us"'
        )
    return value


def _size(value: Any) -> Any:
    """Parse size text into int bytes; refuse floats and booleans."""
    if isinstance(value, bool | float):
        raise ValueError(f"{value!r} is not a size; write e.g. 1500, \"1500B\" or \"64kB\"")
    if isinstance(value, str):
        try:
            return parse_size_bytes(value)
        except UnitError as exc:
            raise ValueError(str(exc)) from exc
    return value


DurationNs = Annotated[int, BeforeValidator(_duration), Field(ge=0)]
"""A non-negative duration, written as ``"250us"`` in TOML and held as int nanoseconds."""

PositiveDurationNs = Annotated[int, BeforeValidator(_duration), Field(gt=0)]
"""A strictly positive duration in int nanoseconds."""

SizeBytes = Annotated[int, BeforeValidator(_size), Field(ge=0)]
"""A size in bytes, written as ``"1500B"`` or ``"64kB"``."""

Count = StrictInt
"""A whole number of things (workers, orders, a multiplier): ``"3"``, ``true`` and ``2.0``
are refused rather than converted."""

Flag = StrictBool
"""A switch: ``true`` or ``false`` only (``"no"`` or ``0`` are refused rather than guessed)."""


class FrozenModel(BaseModel):
    """Base of every config object: immutable and rejecting unknown keys."""

    model_config = ConfigDict(extra="forbid", frozen=True, validate_default=True)


def default_omitted(default: Any, **constraints: Any) -> Any:
    """A field left out of dumps while it equals ``default``.

    The resolved scenario feeds the run digest, so a key added later dumps (and
    digests) exactly as before while it is unused.
    """
    return Field(default=default, exclude_if=lambda value: value == default, **constraints)


def check_unique_names(what: str, names: list[str]) -> None:
    """Raise ``ValueError`` listing the names that appear more than once (``what``: "source")."""
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        raise ValueError(f"{what} names must be unique; repeated: {', '.join(duplicates)}")
