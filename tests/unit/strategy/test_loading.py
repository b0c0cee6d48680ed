"""Loading strategies by import path: module and file paths, params bound, one-line errors."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from sim.cli.base import EXIT_INPUT, GuardedGroup
from sim.errors import SimError, StrategyError
from sim.scenario import load_scenario, scenario_from_dict
from sim.scenario.strategy import StrategyConfig
from sim.strategy import Strategy
from sim.strategy.loading import load_strategies, load_strategy

PACKAGE = "ttstrat_pkg"
MODULE = '''
from sim.strategy import Strategy


class MarketMaker(Strategy):
    def __init__(self, spread_ticks: int, size: int, levels: list[int] | None = None) -> None:
        if size <= 0:
            raise ValueError("size must be positive\\nsecond line")
        self.spread_ticks = spread_ticks
        self.size = size
        self.levels = levels


class Plain(Strategy):
    pass


class Options(Strategy):
    def __init__(self, **options: object) -> None:
        self.options = options


class Thing:
    pass


def function() -> None:
    pass
'''
FILE_STRATEGY = '''
from dataclasses import dataclass

from sim.strategy import Strategy


@dataclass
class Quote:
    price: int


class FromFile(Strategy):
    def __init__(self, size: int = 1) -> None:
        self.size = size
        self.quote = Quote(price=size)
'''


@pytest.fixture
def package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An importable package ``ttstrat_pkg`` with a few classes in ``ttstrat_pkg.mod``."""
    root = tmp_path / "site"
    (root / PACKAGE).mkdir(parents=True)
    (root / PACKAGE / "__init__.py").write_text("")
    (root / PACKAGE / "mod.py").write_text(MODULE)
    (root / PACKAGE / "broken.py").write_text("x = 1\ndef (:\n")
    (root / PACKAGE / "raises.py").write_text("raise RuntimeError('no licence')\n")
    (root / PACKAGE / "needs.py").write_text("import ttstrat_missing_dependency\n")
    monkeypatch.syspath_prepend(str(root))
    yield root
    for name in [name for name in sys.modules if name.startswith(PACKAGE)]:
        del sys.modules[name]


def config(path: str, **keys: Any) -> StrategyConfig:
    return StrategyConfig.model_validate({"name": "mm", "path": path, **keys})


def failure(path: str, scenario_dir: Path | None = None, **keys: Any) -> str:
    with pytest.raises(StrategyError) as caught:
        load_strategy(config(path, **keys), 0, scenario_dir)
    message = str(caught.value)
    assert "\n" not in message
    return message


MM_PARAMS = {"spread_ticks": 2, "size": 100}


def test_module_path_loads_with_params_bound(package: Path) -> None:
    strategy = load_strategy(config(f"{PACKAGE}.mod:MarketMaker", params=MM_PARAMS), 0, None)
    assert type(strategy).__name__ == "MarketMaker"
    assert isinstance(strategy, Strategy)
    assert vars(strategy) == {"spread_ticks": 2, "size": 100, "levels": None}


def test_params_are_a_copy_the_strategy_may_change(package: Path) -> None:
    entry = config(f"{PACKAGE}.mod:MarketMaker", params={**MM_PARAMS, "levels": [1, 2]})
    strategy = load_strategy(entry, 0, None)
    vars(strategy)["levels"].append(3)
    assert entry.params["levels"] == [1, 2]


def test_var_keyword_init_takes_any_params(package: Path) -> None:
    strategy = load_strategy(config(f"{PACKAGE}.mod:Options", params={"a": 1}), 0, None)
    assert vars(strategy) == {"options": {"a": 1}}


def test_file_path_loads_relative_to_the_scenario_folder(tmp_path: Path) -> None:
    """A file named like a stdlib module is loaded privately: ``json`` stays the real one."""
    (tmp_path / "strats").mkdir()
    (tmp_path / "strats" / "json.py").write_text(FILE_STRATEGY)
    before = set(sys.modules)
    strategy = load_strategy(config("strats/json.py:FromFile", params={"size": 7}), 0, tmp_path)
    assert type(strategy).__name__ == "FromFile"
    assert vars(strategy)["size"] == 7
    assert repr(vars(strategy)["quote"]) == "Quote(price=7)"
    assert sys.modules["json"] is json
    added = set(sys.modules) - before
    assert all(name.startswith("_ticktwin_strategy_") for name in added)
    for name in added:
        del sys.modules[name]


def test_load_strategies_from_a_scenario_file(tmp_path: Path, package: Path) -> None:
    (tmp_path / "mm.py").write_text(FILE_STRATEGY)
    path = tmp_path / "s.toml"
    path.write_text(
        'name = "t"\n[data]\nsources = [{ path = "ticks.parquet" }]\n'
        f'[[strategies]]\nname = "a"\npath = "{PACKAGE}.mod:MarketMaker"\n'
        "params = { spread_ticks = 1, size = 5 }\n"
        '[[strategies]]\nname = "b"\npath = "mm.py:FromFile"\n', encoding="utf-8")
    first, second = load_strategies(load_scenario(path))
    assert (type(first).__name__, vars(first)["size"]) == ("MarketMaker", 5)
    assert (type(second).__name__, vars(second)["size"]) == ("FromFile", 1)


def test_relative_file_without_a_scenario_file_is_read_from_the_current_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "mm.py").write_text(FILE_STRATEGY)
    monkeypatch.chdir(tmp_path)
    scenario = scenario_from_dict({"name": "s", "data": {"sources": [{"path": "x.parquet"}]},
                                   "strategies": [{"name": "b", "path": "mm.py:FromFile"}]})
    assert [type(strategy).__name__ for strategy in load_strategies(scenario)] == ["FromFile"]


@pytest.mark.parametrize(
    ("path", "params", "message"),
    [
        (f"{PACKAGE}.nope:MM", {}, f"path '{PACKAGE}.nope:MM': no module named '{PACKAGE}.nope'"),
        ("ttstrat_absent.mod:MM", {},
         "path 'ttstrat_absent.mod:MM': no module named 'ttstrat_absent'"),
        (f"{PACKAGE}.needs:MM", {},
         f"path '{PACKAGE}.needs:MM': no module named 'ttstrat_missing_dependency' "
         f"(imported by '{PACKAGE}.needs')"),
        (f"{PACKAGE}.mod:Nope", {},
         f"path '{PACKAGE}.mod:Nope': module '{PACKAGE}.mod' has no attribute 'Nope'"),
        (f"{PACKAGE}.mod:Thing", {},
         f"path '{PACKAGE}.mod:Thing' is not a sim.strategy.Strategy subclass"),
        (f"{PACKAGE}.mod:function", {},
         f"path '{PACKAGE}.mod:function' is not a sim.strategy.Strategy subclass"),
        (f"{PACKAGE}.mod:MarketMaker", {"sprd": 1, "size": 1},
         "params: unexpected parameter 'sprd' (MarketMaker takes: spread_ticks, size, levels)"),
        (f"{PACKAGE}.mod:MarketMaker", {"a": 1, "b": 2},
         "params: unexpected parameters 'a', 'b' (MarketMaker takes: spread_ticks, size, "
         "levels)"),
        (f"{PACKAGE}.mod:Plain", {"a": 1}, "params: unexpected parameter 'a' (Plain takes no "
                                           "parameters)"),
        (f"{PACKAGE}.mod:MarketMaker", {"spread_ticks": 1}, "params: missing parameter 'size'"),
        (f"{PACKAGE}.mod:MarketMaker", {}, "params: missing parameters 'spread_ticks', 'size'"),
        (f"{PACKAGE}.mod:MarketMaker", {"spread_ticks": 1, "size": 0},
         "MarketMaker(**params) raised ValueError: size must be positive"),
        (f"{PACKAGE}.mod:MarketMaker", {"spread_ticks": 1, "size": "big"},
         "MarketMaker(**params) raised TypeError: '<=' not supported between instances of "
         "'str' and 'int'"),
        (f"{PACKAGE}.raises:MM", {},
         f"path '{PACKAGE}.raises:MM': importing '{PACKAGE}.raises' raised RuntimeError: "
         "no licence"),
        ("MarketMaker", {}, "path 'MarketMaker' has no ':'; write 'package.module:ClassName' "
                            "or 'file.py:ClassName'"),
        (":MarketMaker", {}, "path ':MarketMaker' needs both sides of ':', as in "
                             "'package.module:ClassName' or 'file.py:ClassName'"),
        (f"{PACKAGE}.mod:", {}, f"path '{PACKAGE}.mod:' needs both sides of ':', as in "
                                "'package.module:ClassName' or 'file.py:ClassName'"),
        ("pkg-x.mod:MM", {}, "path 'pkg-x.mod:MM': 'pkg-x.mod' is neither a module name "
                             "('package.module') nor a .py file"),
        (".mod:MM", {}, "path '.mod:MM': '.mod' is neither a module name ('package.module') "
                        "nor a .py file"),
    ],
)
def test_bad_strategies_fail_with_one_line_naming_the_strategy(
        package: Path, path: str, params: dict[str, Any], message: str) -> None:
    assert failure(path, params=params) == f"strategies[0] (mm): {message}"


def test_syntax_error_in_a_module_names_file_and_line(package: Path) -> None:
    file = package / PACKAGE / "broken.py"
    assert failure(f"{PACKAGE}.broken:MM") == (
        f"strategies[0] (mm): path '{PACKAGE}.broken:MM': syntax error in {file} line 2: "
        "invalid syntax")


def test_syntax_error_in_a_file_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text("\n\nclass MM(:\n")
    before = set(sys.modules)
    message = failure("bad.py:MM", tmp_path)
    assert message == (f"strategies[0] (mm): path 'bad.py:MM': syntax error in "
                       f"{tmp_path / 'bad.py'} line 3: invalid syntax")
    assert set(sys.modules) == before


def test_missing_file_and_non_python_file_are_refused(tmp_path: Path) -> None:
    (tmp_path / "mm.txt").write_text("")
    assert failure("nope.py:MM", tmp_path) == (
        f"strategies[0] (mm): path 'nope.py:MM': file not found: {tmp_path / 'nope.py'}")
    assert failure("strats/mm.txt:MM", tmp_path) == (
        "strategies[0] (mm): path 'strats/mm.txt:MM': a strategy file must end in .py")


def test_file_without_the_class_and_file_raising_on_import(tmp_path: Path) -> None:
    (tmp_path / "mm.py").write_text(FILE_STRATEGY)
    (tmp_path / "boom.py").write_text("1 / 0\n")
    assert failure("mm.py:Nope", tmp_path) == (
        "strategies[0] (mm): path 'mm.py:Nope': file 'mm.py' has no attribute 'Nope'")
    assert failure("boom.py:MM", tmp_path) == (
        f"strategies[0] (mm): path 'boom.py:MM': running {tmp_path / 'boom.py'} raised "
        "ZeroDivisionError: division by zero")


def test_the_index_and_name_in_messages_are_the_entry_s(package: Path) -> None:
    entry = StrategyConfig.model_validate({"name": "taker-2", "path": f"{PACKAGE}.mod:Nope"})
    with pytest.raises(StrategyError, match=r"^strategies\[3\] \(taker-2\): path"):
        load_strategy(entry, 3, None)


def test_strategy_errors_end_a_command_with_exit_2() -> None:
    """The CLI boundary treats StrategyError as bad input: one line on stderr, exit 2."""
    assert issubclass(StrategyError, SimError)
    app = typer.Typer(cls=GuardedGroup)

    @app.command()
    def run() -> None:
        raise StrategyError("strategies[0] (mm): params: missing parameter 'size'")

    @app.command()
    def other() -> None:
        """A second command, so ``run`` is a subcommand as in ``sim``."""

    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == EXIT_INPUT
    assert "strategies[0] (mm): params: missing parameter 'size'" in result.output
