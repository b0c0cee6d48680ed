"""Fuzzing the scenario and budget loaders: success or a one-line SimError, never a traceback.

Documents are generated from the real schema's key paths (walked from the pydantic
models) with values of random type, plus random text, random bytes, random ``--set``
overrides and random ``[budget]`` tables built from the budget vocabulary.
"""

from __future__ import annotations

import copy
import tomllib
import typing
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.errors import SimError
from sim.report.budget import load_budget
from sim.report.budget_names import metric_names
from sim.scenario import Scenario, load_scenario
from sim.scenario.loader import deep_merge

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The pydantic models inside an annotation (through unions, lists, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation
    for argument in typing.get_args(annotation):
        yield from _models(argument)


def _paths(model: type[BaseModel], prefix: tuple[str, ...] = (), depth: int = 0
           ) -> set[tuple[str, ...]]:
    """Every key path of ``model`` (list items are reached through their model's keys)."""
    found: set[tuple[str, ...]] = set()
    for name, field in model.model_fields.items():
        path = (*prefix, name)
        found.add(path)
        if depth < 5:
            for inner in _models(field.annotation):
                found |= _paths(inner, path, depth + 1)
    return found


PATHS = sorted(_paths(Scenario))
assert ("topology", "gateway", "workers") in PATHS

WORDS = st.sampled_from([
    "5us", "0s", "-1ms", "1.5ns", "2s", "10", "1e3ms", "250µs", "1 parsecs", "", " ",
    "gateway", "risk", "matching", "publisher", "pause", "failover", "kill_switch",
    "link_degrade", "partition", "constant", "exponential", "lognormal", "empirical",
    "buy", "sell", "limit", "market", "unicast", "multicast", "drop", "disconnect",
    "full", "direct", "compress", "replicate", "client_to_gateway", "market_data",
    "x.parquet", "../", "/", "NOPE", "<= 1ms", ">= 0.2", "== 0",
])
SCALARS = st.one_of(
    st.integers(-3, 5),
    st.integers(-(2**70), 2**70),
    st.floats(),
    st.booleans(),
    st.text(max_size=10),
    WORDS,
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.one_of(st.text(max_size=6), WORDS), inner, max_size=3),
    max_leaves=8,
)


def _string(text: str) -> str:
    escaped = []
    for char in text:
        if char in '"\\':
            escaped.append("\\" + char)
        elif ord(char) < 0x20 or char == "\x7f":
            escaped.append(f"\\u{ord(char):04x}")
        else:
            escaped.append(char)
    return '"' + "".join(escaped) + '"'


def toml_value(value: Any) -> str:
    """``value`` as an inline TOML value (tables inline, keys quoted)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "nan"
        if value in (float("inf"), float("-inf")):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{_string(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def _bundled() -> list[dict[str, Any]]:
    """The bundled scenarios as plain TOML dicts, each merged with the file it extends."""
    folder = Path(__file__).resolve().parents[2] / "scenarios"
    base = tomllib.loads((folder / "baseline.toml").read_text(encoding="utf-8"))
    found = []
    for path in sorted(folder.glob("*.toml")):
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        if raw.pop("extends", None) is not None:
            raw = deep_merge(base, raw)
        raw["data"]["sources"] = [{"path": "ticks.parquet"}]
        found.append(raw)
    return found


BUNDLED = _bundled()


def _leaves(node: Any, prefix: tuple[str | int, ...] = ()) -> Iterator[tuple[str | int, ...]]:
    """Every key path of a dict (list items by index), tables and lists included."""
    items = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        yield (*prefix, key)
        if isinstance(value, dict | list):
            yield from _leaves(value, (*prefix, key))


def _set(document: Any, path: tuple[str | int, ...], value: Any) -> None:
    """Set ``path`` in ``document``, making tables on the way; skip a path that does not fit."""
    node: Any = document
    for index, part in enumerate(path):
        if isinstance(node, list) != isinstance(part, int):
            return  # a list index into a table or a key into a list
        if index == len(path) - 1:
            node[part] = value
            return
        child: Any = node[part] if isinstance(part, int) else node.get(part)
        if not isinstance(child, dict | list):
            child = node[part] = {}
        node = child


PLAUSIBLE = st.one_of(WORDS, st.integers(-2, 3), st.booleans(), st.floats(-1, 2), VALUES)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    """A scenario dict: a bundled scenario (or nothing) with a few keys set to random values."""
    document: dict[str, Any] = {}
    if draw(st.integers(0, 4)):
        document = copy.deepcopy(draw(st.sampled_from(BUNDLED)))
    existing = sorted(_leaves(document), key=repr)
    choices = st.sampled_from(PATHS) if not existing else st.one_of(
        st.sampled_from(PATHS), st.sampled_from(existing))
    for path in draw(st.lists(choices, max_size=3)):
        _set(document, path, draw(PLAUSIBLE))
    if draw(st.integers(0, 5)) == 0:
        document[draw(st.text(max_size=8))] = draw(VALUES)
    return document


def render(document: dict[str, Any]) -> str:
    return "".join(f"{_string(key)} = {toml_value(value)}\n" for key, value in document.items())


def holds_up(call: Callable[[], object]) -> None:
    """``call`` succeeds or raises a SimError with a one-line message; anything else fails."""
    try:
        call()
    except SimError as exc:
        message = str(exc)
        assert message, "empty error message"
        assert "\n" not in message, message


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz")


@SETTINGS
@given(document=documents())
def test_generated_scenarios_load_or_fail_cleanly(folder: Path, document: dict[str, Any]) -> None:
    path = folder / "scenario.toml"
    path.write_text(render(document), encoding="utf-8")
    holds_up(lambda: load_scenario(path))


OVERRIDES = st.builds(
    lambda path, value: f"{'.'.join(path)}={value}",
    st.one_of(st.sampled_from(PATHS), st.lists(st.text(max_size=5), min_size=1, max_size=3)
              .map(tuple)),
    st.one_of(VALUES.map(toml_value), st.text(max_size=10)),
)


@SETTINGS
@given(overrides=st.lists(OVERRIDES | st.text(max_size=12), min_size=1, max_size=3))
def test_generated_overrides_apply_or_fail_cleanly(folder: Path, overrides: list[str]) -> None:
    path = folder / "base.toml"
    path.write_text('name = "fuzz"\n[data]\nsources = [{ path = "ticks.parquet" }]\n',
                    encoding="utf-8")
    holds_up(lambda: load_scenario(path, overrides))


@SETTINGS
@given(content=st.one_of(st.binary(max_size=200), st.text(max_size=200).map(str.encode)))
def test_random_bytes_as_scenario_or_budget_fail_cleanly(folder: Path, content: bytes) -> None:
    path = folder / "noise.toml"
    path.write_bytes(content)
    holds_up(lambda: load_scenario(path))
    holds_up(lambda: load_budget(path))


METRICS = metric_names()
BUDGET_KEYS = st.one_of(
    st.sampled_from(METRICS),
    st.sampled_from(METRICS).map(lambda name: name[:-1]),  # a typo
    st.sampled_from(METRICS).map(lambda name: name.replace(".", "..", 1)),
    st.text(max_size=12),
)
CHECKS = st.one_of(
    st.builds(lambda op, limit: f"{op} {limit}", st.sampled_from(["<=", "<", ">=", ">", "==",
                                                                   "=>", ""]),
              st.one_of(WORDS, st.floats().map(repr), st.integers().map(str))),
    VALUES,
)


@SETTINGS
@given(table=st.dictionaries(BUDGET_KEYS, CHECKS, max_size=6), dotted=st.booleans())
def test_generated_budgets_parse_or_fail_cleanly(
    folder: Path, table: dict[str, Any], dotted: bool
) -> None:
    rows = [f"{key if dotted and key.replace('_', '').replace('.', '').isalnum() else _string(key)}"
            f" = {toml_value(value)}" for key, value in table.items()]
    path = folder / "budget.toml"
    path.write_text("[budget]\n" + "\n".join(rows) + "\n", encoding="utf-8")
    holds_up(lambda: load_budget(path))
    scenario = folder / "with_budget.toml"
    scenario.write_text('name = "fuzz"\n[data]\nsources = [{ path = "ticks.parquet" }]\n'
                        "[budget]\n" + "\n".join(rows) + "\n", encoding="utf-8")
    holds_up(lambda: load_scenario(scenario))
