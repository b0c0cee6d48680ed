"""How a user's CSV or Parquet table maps onto the canonical schema (``--map`` or a map file).

A mapping names, for each canonical column, the source column holding it, and says how
to read times (an explicit epoch unit, or a strftime format and the zone of its wall
clock: never guessed), how to scale decimal prices and quantities into integers, and
how the file spells actions and sides. It is written once, as a TOML map file, or given
as options; options override the file. Unknown keys are refused, as in scenarios.
"""

from __future__ import annotations

import tomllib
import zoneinfo
from pathlib import Path
from typing import Annotated, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from sim.core.vocabulary import OrderAction
from sim.data.schema import DEFAULT_PRICE_SCALE
from sim.errors import DataError

NS_PER_UNIT: Final[dict[str, int]] = {"ns": 1, "us": 1_000, "ms": 1_000_000,
                                      "s": 1_000_000_000}
REQUIRED_KEYS: Final[tuple[str, ...]] = ("ts", "action", "order_id", "side", "price", "qty")
"""Canonical columns a mapping must name (``symbol`` may be a constant instead)."""
OPTIONAL_KEYS: Final[tuple[str, ...]] = ("symbol", "tif", "account")
DEFAULT_SIDES: Final[dict[str, int]] = {"1": 1, "-1": -1, "b": 1, "s": -1, "buy": 1,
                                        "sell": -1, "bid": 1, "ask": -1}
"""Side spellings understood without a side map (compared lower-cased)."""

PositiveInt = Annotated[int, Field(gt=0)]


class TableMapping(BaseModel):
    """A validated mapping from a source table to canonical events."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    columns: dict[str, str]
    """Canonical column -> source column name."""
    symbol: str | None = None
    """Symbol of every row, for files without a symbol column."""
    ts_unit: Literal["ns", "us", "ms", "s"] | None = None
    """Unit of epoch times (integers or exact decimals); UTC by definition."""
    ts_format: str | None = None
    """strftime format of text times (chrono syntax: ``%Y-%m-%d %H:%M:%S%.f``)."""
    tz: str = "UTC"
    """Zone of ``ts_format`` wall-clock times without an offset, and of naive Parquet times."""
    price_scale: PositiveInt = DEFAULT_PRICE_SCALE
    prices_scaled: bool = False
    """Prices are already integers in ``1/price_scale`` units (else decimals, multiplied)."""
    qty_scale: PositiveInt = 1
    actions: dict[str, str] = {}
    """Source action value -> canonical action; when given, any other value is an error."""
    sides: dict[str, int] = {}
    """Source side value -> 1 or -1, replacing :data:`DEFAULT_SIDES`."""

    @field_validator("columns")
    @classmethod
    def _known_columns(cls, columns: dict[str, str]) -> dict[str, str]:
        unknown = sorted(set(columns) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
        if unknown:
            raise ValueError(f"unknown canonical column {unknown[0]!r} (map "
                             f"{', '.join(REQUIRED_KEYS + OPTIONAL_KEYS)})")
        return columns

    @field_validator("actions")
    @classmethod
    def _known_actions(cls, actions: dict[str, str]) -> dict[str, str]:
        labels = OrderAction.labels()
        for raw, label in actions.items():
            if label not in labels:
                raise ValueError(f"{raw}={label}: {label!r} is not a canonical action "
                                 f"({', '.join(labels)})")
        return actions

    @field_validator("sides")
    @classmethod
    def _known_sides(cls, sides: dict[str, int]) -> dict[str, int]:
        for raw, side in sides.items():
            if side not in (1, -1):
                raise ValueError(f"{raw}={side}: a side maps to 1 (buy) or -1 (sell)")
        return {raw.strip().lower(): side for raw, side in sides.items()}

    @field_validator("tz")
    @classmethod
    def _known_zone(cls, tz: str) -> str:
        try:
            zoneinfo.ZoneInfo(tz)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {tz!r} (an IANA name such as "
                             "America/New_York or UTC)") from None
        return tz

    def check_complete(self, where: str) -> None:
        """Refuse a mapping that misses a required column or says nothing about time units.

        Raises:
            DataError: naming ``where`` (the map file or ``--map``) and what to add.
        """
        missing = [key for key in REQUIRED_KEYS if key not in self.columns]
        if missing:
            raise DataError(f"{where}: no source column for {', '.join(missing)} (add e.g. "
                            f"{missing[0]}=<column> to --map, or to [columns] of the map file)")
        if "symbol" not in self.columns and not self.symbol:
            raise DataError(f"{where}: no symbol: map symbol=<column> or give --symbol NAME")
        if self.ts_unit and self.ts_format:
            raise DataError(f"{where}: give --ts-unit (epoch numbers) or --ts-format (text), "
                            "not both")
        if self.ts_unit and self.tz != "UTC":
            raise DataError(f"{where}: --tz {self.tz} applies to --ts-format wall-clock times; "
                            "epoch numbers (--ts-unit) are UTC already")


def parse_pairs(text: str, option: str) -> dict[str, str]:
    """``'a=x,b=y'`` -> ``{'a': 'x', 'b': 'y'}``.

    Raises:
        DataError: an item without ``=`` or with an empty side, naming the option.
    """
    pairs: dict[str, str] = {}
    for item in (part.strip() for part in text.split(",")):
        key, sep, value = item.partition("=")
        if not item:
            continue
        if not sep or not key.strip() or not value.strip():
            raise DataError(f"{option} {text!r}: {item!r} is not KEY=VALUE (comma-separated)")
        pairs[key.strip()] = value.strip()
    return pairs


def load_mapping(map_file: Path | None, overrides: dict[str, object]) -> TableMapping:
    """The map file's mapping (if any) with CLI ``overrides`` applied, validated.

    ``overrides`` holds only the options the user gave (None values are dropped);
    ``columns``, ``actions`` and ``sides`` are merged key by key.

    Raises:
        DataError: an unreadable map file, an unknown key or an invalid value, naming
            the file (or ``--map``) and the key.
    """
    where = str(map_file) if map_file is not None else "--map"
    raw: dict[str, object] = {}
    if map_file is not None:
        try:
            raw = tomllib.loads(map_file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise DataError(f"{map_file}: map file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise DataError(f"{map_file}: not valid TOML ({exc})") from None
    for key, value in overrides.items():
        if value is None:
            continue
        current = raw.get(key)
        if isinstance(value, dict) and isinstance(current, dict):
            raw[key] = {**current, **value}
        else:
            raw[key] = value
    try:
        mapping = TableMapping.model_validate(raw)
    except ValidationError as exc:
        errors = exc.errors()
        error = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
        key = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        raise DataError(f"{where}: {key}: {message}") from None
    mapping.check_complete(where)
    return mapping
