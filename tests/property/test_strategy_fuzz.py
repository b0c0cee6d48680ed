"""Fuzzing ``[[strategies]]``: junk tables load or fail with ScenarioError/StrategyError.

Tables mix the real keys, unknown keys and values of random type; paths point at
good and bad modules and files (a syntax error, a missing class, a class whose
``__init__`` trips over odd parameter types) and at random text. Whatever comes
in, validation and loading end in a strategy or one of the two typed errors.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.errors import ScenarioError, StrategyError
from sim.scenario import Scenario, scenario_from_dict
from sim.scenario.strategy import StrategyConfig
from sim.scenario.types import TomlInt
from sim.strategy import Strategy
from sim.strategy.loading import load_strategy

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])

GOOD = '''
from sim.strategy import Strategy


class Good(Strategy):
    def __init__(self, size: int = 1, *, side: int = 1) -> None:
        if size <= 0:
            raise ValueError("size must be positive")
        self.size = size
        self.side = side


class Anything(Strategy):
    def __init__(self, *args: object, **options: object) -> None:
        self.options = options
'''

PATHS = st.sampled_from([
    "good.py:Good", "good.py:Anything", "good.py:Nope", "good.py:", "bad.py:Good",
    "missing.py:Good", "dir/good.txt:Good", "sim.strategy.api:Strategy",
    "sim.strategy.api:ReportStatus", "sim.strategy.api:BookUpdate", "sim.errors:SimError",
    "sim.strategy:Strategy", "ttfuzz_nope.mod:X", "sim.nope:X", ":", "a:", ":b", "", ".x:Y",
    "sim..api:Strategy", "good.py:Good:Extra", "/:x", "\x00.py:X", "a\nb.py:X",
])
WORDS = st.sampled_from(["5us", "0s", "-1ms", "1.5ns", "", " ", "direct", "platform",
                         "constant", "AA", "mm", "feed", "inject", "size", "side"])
SCALARS = st.one_of(st.integers(-3, 5), st.integers(-(2**70), 2**70), st.floats(),
                    st.booleans(), st.text(max_size=8), WORDS)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(st.one_of(st.text(max_size=6), WORDS), inner, max_size=3),
    max_leaves=8,
)
LINK = st.fixed_dictionaries({}, optional={
    "latency": st.fixed_dictionaries({"kind": st.just("constant"),
                                      "value": st.sampled_from(["0s", "1us", "2ms"])}),
    "fifo": st.booleans()})
PARAMS = st.dictionaries(
    st.one_of(st.sampled_from(["size", "side", "self", "args", "", "x y"]), st.text(max_size=6)),
    st.one_of(st.integers(-2, 100), VALUES), max_size=3)
PLAUSIBLE: dict[str, st.SearchStrategy[Any]] = {
    "params": PARAMS,
    "account": st.sampled_from(["acct", "mm"]),
    "symbols": st.lists(st.sampled_from(["AA", "BB"]), min_size=1, max_size=2),
    "compute": st.sampled_from(["0s", "5us", "1ms"]),
    "feed": LINK, "entry": LINK, "response": LINK,
    "entry_by_action": st.fixed_dictionaries({}, optional={"submit": LINK, "cancel": LINK}),
    "route": st.sampled_from(["direct", "platform"]),
}
KEYS = sorted(PLAUSIBLE)


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    """A mostly plausible table: a name and path, some keys, a few of them junk."""
    odd = st.sampled_from([False, False, False, False, True])  # true about one time in five
    entry: dict[str, Any] = {
        "name": draw(st.text(max_size=6) if draw(odd) else st.sampled_from(["mm", "a", "b-2"])),
        "path": draw(st.text(max_size=12) if draw(odd) else PATHS),
    }
    for key in draw(st.lists(st.sampled_from(KEYS), unique=True, max_size=4)):
        entry[key] = draw(PLAUSIBLE[key])
    for key in draw(st.lists(st.sampled_from([*KEYS, "name", "path", "colour"]), unique=True,
                             max_size=2 if draw(odd) else 0)):
        entry[key] = draw(VALUES)
    return entry


def _as_toml(node: Any) -> Any:
    """``node`` with its ints wrapped like the scenario loader wraps TOML integers."""
    if isinstance(node, dict):
        return {key: _as_toml(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_as_toml(item) for item in node]
    if isinstance(node, int) and not isinstance(node, bool):
        return TomlInt(node)
    return node


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scenario folder holding a good strategy file and one with a syntax error."""
    path = tmp_path_factory.mktemp("strategies")
    (path / "good.py").write_text(GOOD)
    (path / "bad.py").write_text("class Good(:\n")
    return path


def _validated(raw: dict[str, Any]) -> Scenario | None:
    """The scenario, or None after checking its refusal is one ScenarioError line."""
    try:
        return scenario_from_dict(raw)
    except ScenarioError as exc:
        message = str(exc)
    assert "\n" not in message
    return None


def _loaded(config: StrategyConfig, index: int, folder: Path) -> Strategy | None:
    """The strategy, or None after checking its refusal is one line naming the entry."""
    try:
        return load_strategy(config, index, folder)
    except StrategyError as exc:
        message = str(exc)
    assert "\n" not in message
    assert message.startswith(f"strategies[{index}] ({config.name}): ")
    return None


def _check_built(config: StrategyConfig, strategy: Strategy) -> None:
    """A loaded strategy is the named class, built from the entry's params."""
    assert isinstance(strategy, Strategy)
    assert type(strategy).__name__ == config.path.rpartition(":")[2]
    if type(strategy).__name__ == "Good":
        assert vars(strategy)["size"] == config.params.get("size", 1)


@SETTINGS
@given(tables=st.lists(entries(), max_size=3, unique_by=lambda table: repr(table["name"]))
       | st.lists(entries(), max_size=3), from_toml=st.booleans())
def test_junk_strategy_tables_load_or_raise_typed_errors(
        folder: Path, tables: list[dict[str, Any]], from_toml: bool) -> None:
    raw = {"name": "s", "data": {"sources": [{"name": "feed", "path": "x.parquet"}]},
           "strategies": tables}
    scenario = _validated(_as_toml(raw) if from_toml else raw)
    for index, config in enumerate(scenario.strategies if scenario else []):
        strategy = _loaded(config, index, folder)
        if strategy is not None:
            _check_built(config, strategy)


@SETTINGS
@given(params=st.dictionaries(st.sampled_from(["size", "side", "other"]), VALUES, max_size=3))
def test_good_strategy_params_are_bound_or_refused(
        folder: Path, params: dict[str, Any]) -> None:
    """Every params table for ``Good`` either builds it or names what is wrong."""
    config = StrategyConfig.model_validate({"name": "g", "path": "good.py:Good",
                                            "params": params})
    if "other" in params:
        with pytest.raises(StrategyError, match=r"^strategies\[0\] \(g\): params: unexpected "
                                                r"parameter 'other' \(Good takes: size, side\)$"):
            load_strategy(config, 0, folder)
        return
    strategy = _loaded(config, 0, folder)
    if strategy is not None:
        _check_built(config, strategy)
