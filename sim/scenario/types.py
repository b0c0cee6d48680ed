"""Constrained field types shared by the scenario schema (durations in exact int ns)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from sim.errors import UnitError
from sim.units import parse_duration_ns, parse_size_bytes


def _duration(value: Any) -> Any:
    """Parse duration text into int ns; leave other types for pydantic to reject."""
    if isinstance(value, str):
        try:
            return parse_duration_ns(value)
        except UnitError as exc:
            raise ValueError(str(exc)) from exc
    if isinstance(value, float):
        raise ValueError("durations are exact: write a string such as '1.5ms', not a float")
    return value


def _size(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_size_bytes(value)
        except UnitError as exc:
            raise ValueError(str(exc)) from exc
    return value


DurationNs = Annotated[int, BeforeValidator(_duration), Field(ge=0, strict=False)]
"""A non-negative duration, written as ``"250us"`` in TOML and held as int nanoseconds."""

PositiveDurationNs = Annotated[int, BeforeValidator(_duration), Field(gt=0)]
"""A strictly positive duration in int nanoseconds."""

SizeBytes = Annotated[int, BeforeValidator(_size), Field(ge=0)]
"""A size in bytes, written as ``"1500B"`` or ``"64kB"``."""


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
