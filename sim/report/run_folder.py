"""Read a run folder back: ``summary.json`` checked for the shape every reader relies on.

``sim check --run``, ``--baseline``, ``sim diff`` and ``sim report`` read summaries
that users may have edited, truncated or written by hand. The shape below is the
part those readers index into; anything else in the file is kept as is. A wrong
file fails here, once, with the file and the key, instead of as a ``KeyError``
deep inside a comparison.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, StrictInt, ValidationError

from sim.errors import DataError

Number = StrictInt | float


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


class _Orders(_Open):
    submitted: StrictInt
    by_outcome: dict[str, StrictInt]
    rejects_by_reason: dict[str, StrictInt]
    fill_rate: Number
    reject_rate: Number
    lost: StrictInt


class _Summary(_Open):
    schema_version: StrictInt
    orders: _Orders
    latency_ns: dict[str, dict[str, Number | None]]
    throughput: dict[str, Number | None]
    scenario: dict[str, Any] = {}
    sim_start_ns: StrictInt | None = None
    sim_end_ns: StrictInt | None = None


def read_summary(run_dir: Path) -> dict[str, Any]:
    """The content of ``run_dir/summary.json``, checked; a DataError names file and key."""
    path = Path(run_dir) / "summary.json"
    if not Path(run_dir).is_dir():
        raise DataError(f"{run_dir}: not a folder; give a run folder written by `sim run`")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise DataError(f"{path}: missing; is {run_dir} a run folder written by `sim run`?"
                        ) from exc
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text (byte {exc.start}); is it a summary.json "
                        "written by `sim run`?") from exc
    except OSError as exc:
        raise DataError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{path}: not valid JSON (line {exc.lineno}, column {exc.colno}: "
                        f"{exc.msg})") from exc
    try:
        _Summary.model_validate(content)
    except ValidationError as exc:
        first = exc.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top level)"
        raise DataError(f"{path}: {key}: {first['msg'].lower()} "
                        f"({exc.error_count()} problem(s); was it written by `sim run`?)"
                        ) from exc
    summary: dict[str, Any] = content
    return summary
