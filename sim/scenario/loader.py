"""Load scenario TOML files: ``extends`` chains, ``--set`` overrides, readable errors."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.schema import Scenario

MAX_EXTENDS_DEPTH = 16


def load_scenario(path: Path | str, overrides: Iterable[str] = ()) -> Scenario:
    """Read ``path`` (following ``extends``), apply ``key.path=value`` overrides, validate.

    Relative data paths are resolved against the scenario file's folder.

    Raises:
        ScenarioError: missing file, bad TOML, extends cycle, bad override, or a
            schema violation; the message names the file, key path and value.
    """
    path = Path(path)
    raw = _read_with_parents(path, seen=())
    overrides = list(overrides)
    if not overrides:
        return scenario_from_dict(raw, source=str(path))
    # Overrides apply on top of the resolved defaults, so `--set risk.service.mean=2us`
    # works even where the file relies on the default distribution.
    resolved = scenario_from_dict(raw, source=str(path)).model_dump(mode="json")
    for override in overrides:
        _apply_override(resolved, override, path)
    _resolve_paths(resolved, path.parent)
    return scenario_from_dict(resolved, source=f"{path} (with --set overrides)")


def scenario_from_dict(raw: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a plain dict into a ``Scenario``, naming ``source`` in errors."""
    try:
        return Scenario.model_validate(dict(raw))
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None


def format_validation_error(exc: ValidationError, source: str) -> str:
    """Render pydantic's errors as ``file: key.path: problem (got value)`` lines."""
    lines = []
    for error in exc.errors():
        key = ".".join(str(part) for part in error["loc"] if not _is_union_tag(part))
        problem = error["msg"]
        if error["type"] == "extra_forbidden":
            problem = "unknown key (check the spelling; see the README's scenario reference)"
        bad = error.get("input")
        shown = "" if isinstance(bad, dict) or error["type"] == "missing" else f" (got {bad!r})"
        lines.append(f"{source}: {key or '<top level>'}: {problem}{shown}")
    return "invalid scenario\n  " + "\n  ".join(lines)


def _is_union_tag(part: object) -> bool:
    """Discriminated-union tags (``'lognormal'``) are noise in a key path."""
    return isinstance(part, str) and part in {
        "constant", "uniform", "exponential", "normal", "lognormal", "cubic", "empirical",
        "pause", "link_degrade", "partition", "failover", "kill_switch",
    }


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ScenarioError(f"scenario file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {exc}") from None


def _read_with_parents(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise ScenarioError(f"{path}: extends cycle: {chain}")
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"{path}: extends chain deeper than {MAX_EXTENDS_DEPTH}")
    raw = _read_toml(path)
    _resolve_paths(raw, path.parent)
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        return raw
    if not isinstance(parent_name, str):
        raise ScenarioError(f"{path}: extends: expected a file name, got {parent_name!r}")
    parent_path = path.parent / parent_name
    if not parent_path.exists():
        raise ScenarioError(f"{path}: extends: file not found: {parent_path}")
    parent = _read_with_parents(parent_path, (*seen, resolved))
    return deep_merge(parent, raw)


def deep_merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Merge ``override`` into ``base``: tables merge key by key, everything else replaces.

    A table whose ``kind`` differs from the base's (a distribution switched from
    ``normal`` to ``empirical``) replaces it whole: the old kind's keys mean nothing
    to the new one.
    """
    merged = dict(base)
    for key, value in override.items():
        old = merged.get(key)
        if (
            isinstance(value, Mapping)
            and isinstance(old, Mapping)
            and old.get("kind", value.get("kind")) == value.get("kind", old.get("kind"))
        ):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _apply_override(raw: dict[str, Any], override: str, path: Path) -> None:
    """Apply ``a.b.c=value``; the value is read as TOML when it parses, else as a string.

    A number in the key path picks an item of a list (``faults.0.at=3s``, from 0).
    """
    key, sep, text = override.partition("=")
    key = key.strip()
    if not sep or not key:
        raise ScenarioError(f"--set {override!r}: expected KEY=VALUE, e.g. gateway.workers=4")
    try:
        value: Any = tomllib.loads(f"v = {text.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        value = text.strip()
    parts = key.split(".")
    node: dict[str, Any] | list[Any] = raw
    for index, part in enumerate(parts[:-1]):
        where = ".".join(parts[: index + 1])
        if isinstance(node, list):
            child = node[_list_index(node, part, where, override, path)]
        else:
            child = node.setdefault(part, {})
        if not isinstance(child, dict | list):
            raise ScenarioError(f"--set {override!r}: {where} is a value, not a table ({path})")
        node = child
    if isinstance(node, list):
        node[_list_index(node, parts[-1], key, override, path)] = value
    else:
        node[parts[-1]] = value


def _list_index(items: list[Any], part: str, where: str, override: str, path: Path) -> int:
    """``part`` as an index into ``items``, or an error naming the key and the list's length."""
    if not part.isdigit() or int(part) >= len(items):
        raise ScenarioError(
            f"--set {override!r}: {where}: no item {part!r} in a list of {len(items)} "
            f"(items count from 0) ({path})"
        )
    return int(part)


def _resolve_paths(node: Any, folder: Path) -> None:
    """Make every relative ``path`` value (sources, empirical files) absolute against ``folder``."""
    if isinstance(node, list):
        for item in node:
            _resolve_paths(item, folder)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "path" and isinstance(value, str) and not Path(value).is_absolute():
                node[key] = str((folder / value).resolve())
            else:
                _resolve_paths(value, folder)
