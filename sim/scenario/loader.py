"""Load scenario TOML files: ``extends`` chains, ``--set`` overrides, readable errors."""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.errors import ScenarioError
from sim.scenario.schema import Scenario
from sim.scenario.types import TomlInt

MAX_EXTENDS_DEPTH = 16


def load_scenario(path: Path | str, overrides: Iterable[str] = ()) -> Scenario:
    """Read ``path`` (following ``extends``), apply ``key.path=value`` overrides, validate.

    Relative data paths are resolved against the scenario file's folder.

    Raises:
        ScenarioError: missing file, bad TOML, extends cycle, bad override, or a
            schema violation; the message names the file, key path and value.
    """
    path = resolve_scenario_name(path)
    raw = _read_with_parents(path, seen=())
    overrides = list(overrides)
    scenario = scenario_from_dict(raw, source=str(path))
    if overrides:
        # Overrides apply on top of the resolved defaults, so `--set risk.service.mean=2us`
        # works even where the file relies on the default distribution.
        resolved = scenario.model_dump(mode="json")
        for override in overrides:
            _apply_override(resolved, override, path)
        _resolve_paths(resolved, path.parent)
        scenario = scenario_from_dict(resolved, source=f"{path} (with --set overrides)")
    return scenario


def resolve_scenario_name(path: Path | str) -> Path:
    """``path`` itself, or the bundled scenario it names (``baseline`` -> its installed file).

    A bare name (no folder, no suffix) that is not an existing file is looked up among
    the scenarios shipped in :mod:`sim.examples`, so ``sim run baseline`` works from any
    directory.

    Raises:
        ScenarioError: a bare name that is neither a file nor a bundled scenario; the
            message lists the bundled names.
    """
    path = Path(path)
    text = str(path)
    if path.exists() or path.suffix or "/" in text or "\\" in text:
        return path
    from sim.examples import bundled_scenarios

    bundled = bundled_scenarios()
    if text in bundled:
        return bundled[text]
    near = difflib.get_close_matches(text, list(bundled), n=1)
    hint = f"did you mean {near[0]!r}? " if near else ""
    raise ScenarioError(
        f"scenario not found: {text!r} is neither a file nor a bundled scenario; {hint}give a "
        f".toml file or one of: {', '.join(bundled) or '(none installed)'} (`sim scenarios`)"
    )


def scenario_from_dict(raw: Mapping[str, Any], source: str = "<scenario>") -> Scenario:
    """Validate a plain dict into a ``Scenario``, naming ``source`` in errors.

    ``source`` is kept on the result (:attr:`Scenario.source`) so that checks made later,
    against the data, can name the file too.
    """
    try:
        scenario = Scenario.model_validate(dict(raw))
    except ValidationError as exc:
        raise ScenarioError(format_validation_error(exc, source)) from None
    scenario._source = source
    return scenario


MAX_SHOWN_ERRORS = 3
"""Problems named in one message; the rest are counted (fix those first, then rerun)."""


def format_validation_error(exc: ValidationError, source: str) -> str:
    """Render pydantic's errors as one line: ``file: key.path: problem (got value)``.

    Several problems are joined with ``"; "``; beyond :data:`MAX_SHOWN_ERRORS` they are counted.
    """
    errors = exc.errors()
    parts = [_describe_error(error) for error in errors[:MAX_SHOWN_ERRORS]]
    more = len(errors) - MAX_SHOWN_ERRORS
    tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more > 0 else ""
    return f"{source}: invalid scenario: " + "; ".join(parts) + tail


def _describe_error(error: Any) -> str:
    """``key.path[i].key: problem (got value)`` for one pydantic error, on one line."""
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{_key_part(part)}"
                  for part in error["loc"] if not _is_union_tag(part)).removeprefix(".")
    bad = error.get("input")
    problem = str(error["msg"]).removeprefix("Value error, ").replace("Input should be", "must be")
    if error["type"] == "extra_forbidden":
        problem = "unknown key (check the spelling; see docs/scenarios.md)"
    elif error["type"] in _NOT_AN_INTEGER:
        problem = f"must be a whole number written without quotes, e.g. 4, not {_kind(bad)}"
    elif error["type"] == "bool_type":
        problem = f"must be true or false, not {_kind(bad)}"
    shown = _shown(bad, problem) if error["type"] != "missing" else ""
    return f"{key or '<top level>'}: {' '.join(problem.split())}{shown}"


def _key_part(part: object) -> str:
    """One part of a key path: as written when it is a plain key, else quoted (``'a b'``)."""
    text = str(part)
    return text if text and all(char.isalnum() or char in "_-" for char in text) else repr(text)


_NOT_AN_INTEGER = frozenset({"int_type", "int_from_float", "int_parsing"})


def _kind(value: object) -> str:
    """``a string``, ``a boolean``, ``a float`` ...: what was written instead."""
    names = {bool: "a boolean", str: "a string", float: "a float", int: "a number",
             list: "a list", dict: "a table"}
    return next((name for kind, name in names.items() if isinstance(value, kind)),
                f"a {type(value).__name__}")


def _shown(bad: object, problem: str) -> str:
    """`` (got 'x')`` unless the problem already quotes the value or it is a whole table."""
    if isinstance(bad, dict):
        return ""
    if isinstance(bad, bool):
        text = str(bad).lower()  # as TOML spells it
    else:
        text = repr(int(bad) if isinstance(bad, TomlInt) else bad)
    if len(text) > 80:
        text = text[:77] + "..."
    quoted = isinstance(bad, str) and text in problem
    return "" if quoted or problem.startswith(f"{text} ") else f" (got {' '.join(text.split())})"


def _is_union_tag(part: object) -> bool:
    """Discriminated-union tags (``'lognormal'``) are noise in a key path."""
    return isinstance(part, str) and part in {
        "constant", "uniform", "exponential", "normal", "lognormal", "cubic", "empirical",
        "pause", "link_degrade", "partition", "failover", "kill_switch",
    }


def _read_toml(path: Path, what: str = "scenario file") -> dict[str, Any]:
    """The TOML document at ``path`` with every integer wrapped in :class:`TomlInt`."""
    if path.is_dir():
        raise ScenarioError(f"{what} {path} is a directory; give a .toml file")
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ScenarioError(f"{what} not found: {path}") from None
    except OSError as exc:
        raise ScenarioError(f"{what} {path}: cannot read it ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            f"{what} {path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset "
            f"{exc.start}); save it as UTF-8"
        ) from None
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError(f"{path}: not valid TOML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise ScenarioError(f"{path}: not valid TOML: nested too deeply") from None
    marked: dict[str, Any] = _mark_integers(document)
    return marked


def _mark_integers(node: Any) -> Any:
    """``node`` with every ``int`` (not ``bool``) made a :class:`TomlInt`."""
    if isinstance(node, dict):
        return {key: _mark_integers(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_mark_integers(item) for item in node]
    if isinstance(node, int) and not isinstance(node, bool):
        return TomlInt(node)
    return node


def extends_chain(path: Path | str) -> list[Path]:
    """``path`` and the files it extends, child first (for locating lines; never raises).

    Call it on a file :func:`load_scenario` has read: a broken link ends the chain.
    """
    chain = [Path(path)]
    while len(chain) <= MAX_EXTENDS_DEPTH:
        try:
            parent = tomllib.loads(chain[-1].read_text(encoding="utf-8")).get("extends")
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
            break
        if not isinstance(parent, str) or not parent.strip():
            break
        following = chain[-1].parent / parent
        if following.resolve() in {link.resolve() for link in chain} or not following.is_file():
            break
        chain.append(following)
    return chain


def _read_with_parents(path: Path, seen: tuple[Path, ...]) -> dict[str, Any]:
    resolved = path.resolve()
    if resolved in seen:
        chain = " -> ".join(str(p) for p in (*seen, resolved))
        raise ScenarioError(f"{path}: extends cycle: {chain}")
    if len(seen) >= MAX_EXTENDS_DEPTH:
        raise ScenarioError(f"{path}: extends chain deeper than {MAX_EXTENDS_DEPTH}")
    raw = _read_toml(path, "scenario file" if not seen else "extends: scenario file")
    _resolve_paths(raw, path.parent)
    parent_name = raw.pop("extends", None)
    if parent_name is None:
        return raw
    if not isinstance(parent_name, str) or not parent_name.strip():
        raise ScenarioError(f"{path}: extends: expected a file name, got {parent_name!r}")
    parent_path = path.parent / parent_name
    if not parent_path.exists():
        raise ScenarioError(f"{path}: extends: file not found: {parent_path}")
    if parent_path.is_dir():
        raise ScenarioError(f"{path}: extends: {parent_path} is a directory; name a .toml file")
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
        raise ScenarioError(
            f"--set {override!r}: expected KEY=VALUE, e.g. topology.gateway.workers=4"
        )
    try:
        value: Any = _mark_integers(tomllib.loads(f"v = {text.strip()}")["v"])
    except (tomllib.TOMLDecodeError, RecursionError):
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
            elif key == "strategies" and isinstance(value, list):
                _resolve_strategy_paths(value, folder)
            else:
                _resolve_paths(value, folder)


def _resolve_strategy_paths(entries: list[Any], folder: Path) -> None:
    """A strategy's ``"file.py:Class"`` is made absolute; ``"pkg.module:Class"`` is a module."""
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        for key, value in entry.items():
            if key == "path" and isinstance(value, str):
                target, sep, name = value.rpartition(":")
                if sep and target.endswith(".py") and not Path(target).is_absolute():
                    entry[key] = f"{(folder / target).resolve()}:{name}"
            else:
                _resolve_paths(value, folder)
