"""The run digest reads string columns from Arrow buffers: same bytes as joining Python strings."""

from __future__ import annotations

import hashlib

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.report.writer import table_digest


def reference_digest(table: pa.Table) -> str:
    """The digest as it was defined: string columns joined from ``to_pylist``."""
    hasher = hashlib.sha256()
    for name in table.column_names:
        column = table.column(name).combine_chunks()
        hasher.update(name.encode() + b"\x00")
        hasher.update(column.is_valid().to_numpy(zero_copy_only=False).tobytes())
        hasher.update("\x1f".join("" if v is None else str(v)
                                  for v in column.to_pylist()).encode())
    return hasher.hexdigest()


def digest(table: pa.Table) -> str:
    hasher = hashlib.sha256()
    table_digest(hasher, table)
    return hasher.hexdigest()


texts = st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=30)


@settings(max_examples=150, deadline=None)
@given(values=texts, split=st.integers(min_value=0, max_value=30),
       start=st.integers(min_value=0, max_value=5))
def test_plain_large_dictionary_chunked_and_sliced_strings(values: list[str | None],
                                                           split: int, start: int) -> None:
    plain = pa.array(values, pa.string())
    variants = [
        plain,
        pa.array(values, pa.large_string()),
        plain.dictionary_encode(),
        pa.chunked_array([plain[:split], plain[split:]], pa.string()),
        plain[min(start, len(values)):],
    ]
    for column in variants:
        table = pa.table({"s": column})
        assert digest(table) == reference_digest(table)


def test_known_bytes() -> None:
    table = pa.table({"s": pa.array(["ab", None, "", "é"])})
    expected = hashlib.sha256()
    expected.update(b"s\x00" + bytes([1, 0, 1, 1]) + "ab\x1f\x1f\x1fé".encode())
    assert digest(table) == expected.hexdigest()
