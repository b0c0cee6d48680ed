"""Load the measured values behind an ``empirical`` distribution, in int ns."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import polars as pl

from sim.errors import ScenarioError
from sim.units import NS_PER_UNIT

if TYPE_CHECKING:
    from sim.scenario.distributions import EmpiricalDist


def load_empirical_ns(config: EmpiricalDist) -> npt.NDArray[np.int64]:
    """The file's column as sorted int ns; errors name the file and column."""
    return _load(config.path, config.column, NS_PER_UNIT[config.unit])


@lru_cache(maxsize=32)
def _load(path: Path, column: str, ns_per_unit: int) -> npt.NDArray[np.int64]:
    if not path.exists():
        raise ScenarioError(f"empirical latency file not found: {path}")
    try:
        frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ScenarioError(f"{path}: cannot read empirical latencies ({exc})") from None
    if column not in frame.columns:
        raise ScenarioError(f"{path}: no column {column!r} (columns: {', '.join(frame.columns)})")
    series = frame.get_column(column)
    if not series.dtype.is_integer():
        raise ScenarioError(f"{path}: column {column!r} must hold integers, not {series.dtype}")
    values = series.drop_nulls().to_numpy().astype(np.int64) * ns_per_unit
    if values.size == 0:
        raise ScenarioError(f"{path}: column {column!r} has no values")
    if (values < 0).any():
        row = int(np.flatnonzero(values < 0)[0])
        raise ScenarioError(f"{path}: row {row}, column {column!r}: negative latency")
    values.sort()
    return values
