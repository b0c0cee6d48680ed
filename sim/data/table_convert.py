"""Convert one batch of a user's table into canonical columns, exactly, listing bad cells.

Numbers are parsed from their decimal text (``61837.63`` at price scale 100 is 6183763),
never through a float; a value with more decimals than the scale holds, text that is
not a decimal, or a result beyond int64 is a finding, not a rounding. Epoch times use
the same parser with the unit's nanoseconds as the scale, so ``1723161255.208`` seconds
is exact. Text times go through polars' ``to_datetime`` with the mapping's explicit
format and zone (ambiguous or non-existent wall-clock times are findings); the result is
always UTC nanoseconds. A cell that fails becomes null in the output and a finding names
its row, so a validator can list every problem and an importer can stop at the first.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc

from sim.data.checks import Finding, Mask, finding
from sim.data.schema import INT64_MAX, QTY_SCALE_KEY, arrow_schema
from sim.data.table_map import DEFAULT_SIDES, NS_PER_UNIT, TableMapping
from sim.errors import DataError

_DECIMAL: Final[str] = r"^\s*(?P<neg>[-+]?)(?P<int>\d+)(?:\.(?P<frac>\d*))?\s*$"
_MAX_INT_DIGITS: Final[int] = 18
_UTC: Final[pa.DataType] = pa.timestamp("ns", tz="UTC")


def output_schema(mapping: TableMapping) -> pa.Schema:
    """The canonical schema the import writes, with the mapped optional columns."""
    schema = arrow_schema(mapping.price_scale)
    for name in ("tif", "account"):
        if name in mapping.columns:
            schema = schema.append(pa.field(name, pa.string()))
    return schema.with_metadata({**(schema.metadata or {}),
                                 QTY_SCALE_KEY: str(mapping.qty_scale).encode()})


def _mask(array: pa.Array | pa.ChunkedArray) -> Mask:
    result: Mask = np.asarray(array.fill_null(False).to_numpy(zero_copy_only=False), dtype=bool)
    return result


def _decimal_digits(scale: int) -> int | None:
    """``d`` when ``scale == 10**d``, else None (only whole numbers can be scaled then)."""
    digits = len(str(scale)) - 1
    return digits if scale == 10**digits else None


def scaled_integers(name: str, values: pa.Array, scale: int
                    ) -> tuple[pa.Array, list[Finding]]:
    """``values`` x ``scale`` as int64, exactly; bad cells become null and findings."""
    if pa.types.is_integer(values.type):
        return _scaled_ints(name, values, scale)
    text = values if pa.types.is_string(values.type) else values.cast(pa.string())
    parts = pc.extract_regex(text, _DECIMAL)
    present = _mask(text.is_valid())
    syntax = present & ~_mask(parts.is_valid())
    parts = parts.fill_null({"neg": "", "int": "0", "frac": ""})
    whole = pc.utf8_ltrim(parts.field("int"), characters="0")
    fraction = pc.utf8_rtrim(parts.field("frac"), characters="0")
    digits = _decimal_digits(scale)
    fraction_length = pc.utf8_length(fraction).to_numpy(zero_copy_only=False)
    precise = present & ~syntax & (fraction_length > (digits or 0))
    long = present & ~syntax & (pc.utf8_length(whole).to_numpy(zero_copy_only=False)
                                > _MAX_INT_DIGITS)
    ok = present & ~syntax & ~precise & ~long
    okay = pa.array(ok)
    whole_v = pc.cast(pc.if_else(okay, pc.if_else(pc.equal(whole, ""), "0", whole), "0"),
                      pa.int64()).to_numpy()
    padded = pc.utf8_rpad(fraction, width=digits or 0, padding="0")
    fraction_v = pc.cast(pc.if_else(pc.and_(okay, pc.greater(pc.utf8_length(padded), 0)),
                                    padded, "0"), pa.int64()).to_numpy()
    big = ok & (whole_v > (INT64_MAX - fraction_v) // scale)
    ok &= ~big
    value = np.where(ok, whole_v, 0) * scale + np.where(ok, fraction_v, 0)
    value = np.where(_mask(pc.equal(parts.field("neg"), "-")), -value, value)
    found = [
        finding(name, "not a decimal number", syntax, text),
        finding(name, f"more decimals than scale {scale} holds", precise, text,
                f"{_first(text, precise)} has more decimals than scale {scale} holds (raise "
                f"the {name} scale, or check the column)"),
        finding(name, "too large for int64 after scaling", long | big, text),
    ]
    return pa.array(value, pa.int64(), mask=~ok), [item for item in found if item]


def _first(values: pa.Array, mask: Mask) -> str:
    return repr(values[int(np.flatnonzero(mask)[0])].as_py()) if mask.any() else ""


def _scaled_ints(name: str, values: pa.Array, scale: int) -> tuple[pa.Array, list[Finding]]:
    raw = values.cast(pa.int64(), safe=False).fill_null(0).to_numpy(zero_copy_only=False)
    present = _mask(values.is_valid())
    big = present & (np.abs(raw) > INT64_MAX // scale)
    if pa.types.is_uint64(values.type):
        big |= _mask(pc.greater(values, pa.scalar(INT64_MAX, pa.uint64())))
    ok = present & ~big
    result = pa.array(np.where(ok, raw, 0) * scale, pa.int64(), mask=~ok)
    item = finding(name, "too large for int64 after scaling", big, values)
    return result, [item] if item else []


def check_time_reading(path: object, ts_type: pa.DataType, mapping: TableMapping) -> None:
    """Refuse to guess: a time column that is not a timestamp needs a unit or a format.

    Raises:
        DataError: naming the file and the column.
    """
    if not pa.types.is_timestamp(ts_type) and mapping.ts_unit is None \
            and mapping.ts_format is None:
        raise DataError(f"{path}: column {mapping.columns['ts']!r} holds {ts_type} times: give "
                        "--ts-unit (epoch numbers) or --ts-format (text); times are never "
                        "guessed")


def convert_ts(values: pa.Array, mapping: TableMapping) -> tuple[pa.Array, list[Finding]]:
    """Source times -> UTC ns timestamps (epoch unit, text format, or a timestamp column)."""
    if pa.types.is_timestamp(values.type):
        return _zoned(pl.from_arrow(values), mapping.tz, values)
    if mapping.ts_unit is not None:
        ns, found = scaled_integers("ts", values, NS_PER_UNIT[mapping.ts_unit])
        return ns.cast(_UTC), found
    if mapping.ts_format is None:
        raise DataError(f"column {mapping.columns['ts']!r} holds {values.type} times: give "
                        "--ts-unit (epoch numbers) or --ts-format (text); times are never "
                        "guessed")
    text = values.cast(pa.string())
    series = pl.Series(values=text)
    parsed = series.str.to_datetime(mapping.ts_format, time_unit="ns", strict=False,
                                    exact=True)
    return _zoned(parsed, mapping.tz, text)


def _zoned(series: pl.Series | pl.DataFrame, tz: str, source: pa.Array
           ) -> tuple[pa.Array, list[Finding]]:
    """Attach ``tz`` to naive times (ambiguous/non-existent -> null), convert to UTC ns."""
    assert isinstance(series, pl.Series)
    dtype = series.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        series = series.dt.replace_time_zone(tz, ambiguous="null", non_existent="null")
    utc = series.dt.convert_time_zone("UTC").dt.cast_time_unit("ns")
    result = utc.to_arrow().cast(_UTC)
    bad = _mask(source.is_valid()) & _mask(result.is_null())
    kind = "not a time in the given format/zone (or ambiguous in that zone)"
    item = finding("ts", kind, bad, source)
    return result, [item] if item else []


def _lookup(values: pa.Array, table: dict[str, object], value_type: pa.DataType
            ) -> tuple[pa.Array, Mask]:
    """Map ``values`` (as trimmed text) through ``table``; return results and unmatched cells."""
    keys = pa.array(list(table), pa.string())
    index = pc.index_in(values, value_set=keys)
    mapped = pa.array(list(table.values()), value_type).take(index)
    unmatched = _mask(values.is_valid()) & _mask(index.is_null())
    return mapped, unmatched


def convert_action(values: pa.Array, mapping: TableMapping) -> tuple[pa.Array, list[Finding]]:
    """Source actions -> canonical labels (through the action map when there is one)."""
    text = pc.utf8_trim_whitespace(values.cast(pa.string()))
    if not mapping.actions:
        return text, []
    mapped, unmatched = _lookup(text, dict(mapping.actions), pa.string())
    bad = _first(text, unmatched).strip("'")
    item = finding("action", "unmapped action", unmatched, text,
                   f"unmapped action {bad!r} (add it to --action-map, e.g. '{bad}=add', "
                   "or to [actions] of the map file)")
    return mapped, [item] if item else []


def convert_side(values: pa.Array, mapping: TableMapping) -> tuple[pa.Array, list[Finding]]:
    """Source sides -> int8 1/-1 (integers kept; text through the side map)."""
    if pa.types.is_integer(values.type) and not mapping.sides:
        return values.cast(pa.int8(), safe=False), []
    text = pc.utf8_lower(pc.utf8_trim_whitespace(values.cast(pa.string())))
    sides = mapping.sides or DEFAULT_SIDES
    mapped, unmatched = _lookup(text, dict(sides), pa.int8())
    item = finding("side", "unknown side", unmatched, text,
                   f"unknown side {_first(text, unmatched)} (expected one of "
                   f"{', '.join(sides)}; map others with --side-map)")
    return mapped, [item] if item else []


def convert_order_id(values: pa.Array) -> tuple[pa.Array, list[Finding]]:
    """Source order ids -> uint64 (non-negative whole numbers below 2**63)."""
    if pa.types.is_integer(values.type):
        negative = _mask(pc.less(values, 0)) if pa.types.is_signed_integer(values.type) else \
            np.zeros(len(values), bool)
        ids = pc.if_else(pa.array(negative), None, values).cast(pa.uint64(), safe=False)
        item = finding("order_id", "not a whole number from 0 to 2**63 - 1", negative, values)
        return ids, [item] if item else []
    text = pc.utf8_trim_whitespace(values.cast(pa.string()))
    good = _mask(pc.match_substring_regex(text, r"^\d{1,18}$|^[1-8]\d{18}$"))
    bad = _mask(text.is_valid()) & ~good
    ids = pc.cast(pc.if_else(pa.array(good), text, None), pa.uint64())
    item = finding("order_id", "not a whole number from 0 to 2**63 - 1", bad, text)
    return ids, [item] if item else []


def convert_batch(batch: pa.RecordBatch, mapping: TableMapping, schema: pa.Schema
                  ) -> tuple[pa.RecordBatch, list[Finding]]:
    """One source batch -> one canonical batch of ``schema``, with every conversion problem."""
    column = mapping.columns
    found: list[Finding] = []
    ts, items = convert_ts(batch.column(column["ts"]), mapping)
    found += items
    if "symbol" in column:
        symbol = pc.utf8_trim_whitespace(batch.column(column["symbol"]).cast(pa.string()))
    else:
        symbol = pa.array([mapping.symbol] * batch.num_rows, pa.string())
    action, items = convert_action(batch.column(column["action"]), mapping)
    found += items
    order_id, items = convert_order_id(batch.column(column["order_id"]))
    found += items
    side, items = convert_side(batch.column(column["side"]), mapping)
    found += items
    price_scale = 1 if mapping.prices_scaled else mapping.price_scale
    price, items = scaled_integers("price", batch.column(column["price"]), price_scale)
    found += items
    qty, items = scaled_integers("qty", batch.column(column["qty"]), mapping.qty_scale)
    found += items
    arrays: list[pa.Array] = [ts, symbol.dictionary_encode(), action.dictionary_encode(),
                              order_id, side, price, qty]
    arrays += [batch.column(column[name]).cast(pa.string())
               for name in ("tif", "account") if name in schema.names]
    return pa.record_batch(arrays, schema=schema), found


def without_failed(checked: list[Finding], conversion: list[Finding], rows: int
                   ) -> list[Finding]:
    """Canonical findings minus rows whose cell in that column failed conversion.

    A cell that could not be converted is null in the canonical batch; reporting the null
    again ("price is required") would be noise on top of the conversion finding.
    """
    failed: dict[str, npt.NDArray[np.bool_]] = {}
    for item in conversion:
        failed.setdefault(item.column, np.zeros(rows, dtype=bool))[item.rows] = True
    kept = []
    for item in checked:
        mask = failed.get(item.column)
        keep = item.rows if mask is None else item.rows[~mask[item.rows]]
        if len(keep):
            kept.append(Finding(item.column, item.kind, keep, item.message, item.sample))
    return kept
