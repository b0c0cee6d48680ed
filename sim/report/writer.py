"""Write a run folder atomically, with a digest over its canonical outputs.

Everything goes to a temporary folder next to the destination, moved into place
only when complete (``sim.outputs``), so a failed run leaves nothing behind.
The digest covers the resolved scenario, the input fingerprints and the content
of the order and fill tables (not Parquet bytes, not library versions), so the
same scenario, data and seed give the same digest on any machine.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Callable, Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sim.outputs import run_folder

VERSIONED_PACKAGES = ("ticktwin", "simpy", "numpy", "polars", "pyarrow", "pydantic")


def table_digest(hasher: Any, table: pa.Table) -> None:
    """Feed a table's column names and values into ``hasher`` in a canonical form."""
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        hasher.update(name.encode() + b"\x00")
        hasher.update(column.is_valid().to_numpy(zero_copy_only=False).tobytes())
        if pa.types.is_integer(column.type) or pa.types.is_floating(column.type):
            values = column.fill_null(0).to_numpy(zero_copy_only=False)
            hasher.update(
                np.ascontiguousarray(values).astype(values.dtype.newbyteorder("<")).tobytes()
            )
        elif _is_text(column.type):
            hasher.update(_joined_text(column))
        else:
            hasher.update(
                "\x1f".join("" if v is None else str(v) for v in column.to_pylist()).encode()
            )


def _is_text(kind: pa.DataType) -> bool:
    """Whether ``kind`` holds strings (plain, large, or dictionary-encoded strings)."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _joined_text(column: pa.Array) -> bytes:
    """UTF-8 of the values joined by 0x1F (nulls as ""), straight from the Arrow buffers.

    The same bytes as joining ``to_pylist()``, without a Python string per row: the
    digest of a 10-million-order run must not build 70 million Python objects.
    """
    if pa.types.is_dictionary(column.type):
        column = column.dictionary_decode()
    text = pc.fill_null(column, "").cast(pa.large_string())
    count = len(text)
    if count == 0:
        return b""
    _, offsets_buffer, data_buffer = text.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int64)[text.offset: text.offset + count + 1]
    data = (np.zeros(0, dtype=np.uint8) if data_buffer is None
            else np.frombuffer(data_buffer, dtype=np.uint8))[offsets[0]: offsets[-1]]
    return np.insert(data, offsets[1:-1] - offsets[0], 0x1F).tobytes()


def run_digest(
    scenario: dict[str, Any], inputs: list[dict[str, Any]], tables: dict[str, pa.Table]
) -> str:
    """SHA-256 over the canonical resolved scenario, input fingerprints and output tables."""
    hasher = hashlib.sha256()
    hasher.update(json.dumps(scenario, sort_keys=True, separators=(",", ":")).encode())
    hasher.update(json.dumps([i["fingerprint"] for i in inputs]).encode())
    for name in sorted(tables):
        hasher.update(name.encode())
        table_digest(hasher, tables[name])
    return hasher.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape a run's numbers."""
    versions = {"python": platform.python_version()}
    for package in VERSIONED_PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = "unknown"
    return versions


def write_run_folder(
    destination: Path,
    tables: dict[str, pa.Table],
    summary: dict[str, Any],
    extra: Callable[[Path], object] | None = None,
    *,
    force: bool = False,
    protected: Iterable[Path] = (),
) -> Path:
    """Write ``<name>.parquet`` per table, ``summary.json`` and extras, then move into place.

    ``extra`` receives the temporary folder to add files (plots, HTML) before the move.
    What may be replaced, and what never is, is decided by ``sim.outputs.run_folder``.
    """
    with run_folder(destination, force=force, protected=protected) as temporary:
        for name, table in tables.items():
            pq.write_table(table, temporary / f"{name}.parquet", compression="zstd")
        (temporary / "summary.json").write_text(
            json.dumps(summary, indent=2, sort_keys=False) + "\n", encoding="utf-8"
        )
        if extra is not None:
            extra(temporary)
    return destination
