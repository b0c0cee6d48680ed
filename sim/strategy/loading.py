"""Load the strategies a scenario names: import the class, check it, bind its parameters.

Everything that can go wrong here is the user's input (a path, a parameter, their
``__init__``), so every failure is one :class:`~sim.errors.StrategyError` line that
starts ``strategies[i] (<name>):`` and says what is wrong, before simulated time starts.

Parameters are bound against the class's signature before the class is called, so a
misspelt key reads "unexpected parameter 'sprd'" rather than whatever ``TypeError`` the
class would raise. A strategy file (``"dir/mm.py:Class"``) is executed afresh on each
load under a private module name (``_ticktwin_strategy_<hash>``), so it never shadows an
installed module of the same file name and an edited file is picked up by the next run.
"""

from __future__ import annotations

import copy
import hashlib
import importlib
import importlib.util
import inspect
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from sim.errors import StrategyError
from sim.scenario.schema import Scenario
from sim.scenario.strategy import StrategyConfig
from sim.strategy.api import Strategy

__all__ = ["load_strategies", "load_strategy"]

_KEYWORD_KINDS = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)


def load_strategies(scenario: Scenario) -> list[Strategy]:
    """One constructed strategy per ``[[strategies]]`` entry, in the scenario's order.

    Relative strategy files are found from the scenario file's folder when
    :attr:`Scenario.source` is a file (the loader has usually made them absolute already).
    """
    source = Path(scenario.source)
    scenario_dir = source.parent if source.is_file() else None
    return [load_strategy(config, index, scenario_dir)
            for index, config in enumerate(scenario.strategies)]


def load_strategy(config: StrategyConfig, index: int, scenario_dir: Path | None) -> Strategy:
    """Import ``config.path``'s class, bind ``config.params`` to it and construct it.

    Args:
        config: The ``[[strategies]]`` entry.
        index: Its position in ``[[strategies]]`` (for messages: ``strategies[index]``).
        scenario_dir: Folder a relative ``.py`` path is read from (``None``: the current one).

    Raises:
        StrategyError: a malformed or unknown path, a class that is not a
            :class:`~sim.strategy.api.Strategy`, parameters its ``__init__`` does not take,
            or an exception raised by that ``__init__``; one line naming the strategy.
    """
    where = f"strategies[{index}] ({config.name})"
    cls = _strategy_class(config.path, scenario_dir, where)
    params = copy.deepcopy(config.params)  # the strategy may keep and change them
    _check_params(cls, params, where)
    try:
        strategy = cls(**params)
    except Exception as exc:
        raise StrategyError(
            f"{where}: {cls.__name__}(**params) raised {_one_line(exc)}") from exc
    return strategy


def _strategy_class(path: str, scenario_dir: Path | None, where: str) -> type[Strategy]:
    """The class ``path`` names, checked to derive from :class:`Strategy`."""
    target, sep, class_name = path.rpartition(":")
    if not sep:
        raise StrategyError(f"{where}: path {path!r} has no ':'; write "
                            "'package.module:ClassName' or 'file.py:ClassName'")
    if not target.strip() or not class_name.strip():
        raise StrategyError(f"{where}: path {path!r} needs both sides of ':', as in "
                            "'package.module:ClassName' or 'file.py:ClassName'")
    is_file = target.endswith(".py") or "/" in target or "\\" in target
    module = (_file_module(target, scenario_dir, path, where) if is_file
              else _import_module(target, path, where))
    what = "file" if is_file else "module"
    try:
        found = getattr(module, class_name)
    except AttributeError:
        raise StrategyError(
            f"{where}: path {path!r}: {what} {target!r} has no attribute {class_name!r}"
        ) from None
    if not (isinstance(found, type) and issubclass(found, Strategy)):
        raise StrategyError(f"{where}: path {path!r} is not a sim.strategy.Strategy subclass")
    return found


def _import_module(target: str, path: str, where: str) -> ModuleType:
    """Import the dotted module ``target``; any failure is a :class:`StrategyError`."""
    if not all(part.isidentifier() for part in target.split(".")):
        raise StrategyError(f"{where}: path {path!r}: {target!r} is neither a module name "
                            "('package.module') nor a .py file")
    try:
        return importlib.import_module(target)
    except ModuleNotFoundError as exc:
        missing = exc.name or target
        inside = "" if f"{target}.".startswith(f"{missing}.") else f" (imported by {target!r})"
        raise StrategyError(
            f"{where}: path {path!r}: no module named {missing!r}{inside}") from None
    except SyntaxError as exc:
        raise StrategyError(f"{where}: path {path!r}: {_syntax(exc)}") from None
    except Exception as exc:
        raise StrategyError(
            f"{where}: path {path!r}: importing {target!r} raised {_one_line(exc)}") from exc


def _file_module(target: str, scenario_dir: Path | None, path: str, where: str) -> ModuleType:
    """Execute the strategy file ``target`` as a module of its own, private name."""
    file = Path(target)
    if not file.is_absolute() and scenario_dir is not None:
        file = scenario_dir / file
    if file.suffix != ".py":
        raise StrategyError(f"{where}: path {path!r}: a strategy file must end in .py")
    if not file.is_file():
        raise StrategyError(f"{where}: path {path!r}: file not found: {_shown(file)}")
    resolved = file.resolve()
    name = "_ticktwin_strategy_" + hashlib.sha256(str(resolved).encode()).hexdigest()[:16]
    spec = importlib.util.spec_from_file_location(name, resolved)
    if spec is None or spec.loader is None:
        raise StrategyError(f"{where}: path {path!r}: cannot load {_shown(file)} as Python")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and typing look classes' modules up there
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        del sys.modules[name]
        raise StrategyError(f"{where}: path {path!r}: {_syntax(exc)}") from None
    except Exception as exc:
        del sys.modules[name]
        raise StrategyError(
            f"{where}: path {path!r}: running {_shown(file)} raised {_one_line(exc)}"
        ) from exc
    return module


def _check_params(cls: type[Strategy], params: dict[str, Any], where: str) -> None:
    """Bind ``params`` to ``cls``'s signature; say which keys are unknown or missing."""
    try:
        signature = inspect.signature(cls)
    except (TypeError, ValueError):  # no signature to check against: let the call decide
        return
    try:
        signature.bind(**params)
    except TypeError as exc:
        raise StrategyError(f"{where}: params: {_param_problem(cls, signature, params, exc)}"
                            ) from None


def _param_problem(cls: type[Strategy], signature: inspect.Signature, params: dict[str, Any],
                   exc: TypeError) -> str:
    """What is wrong with ``params`` for ``signature``, in the scenario's words."""
    taken = [name for name, parameter in signature.parameters.items()
             if parameter.kind in _KEYWORD_KINDS]
    takes_any = any(parameter.kind is inspect.Parameter.VAR_KEYWORD
                    for parameter in signature.parameters.values())
    unexpected = [key for key in params if key not in taken and not takes_any]
    if unexpected:
        offered = (f"{cls.__name__} takes: {', '.join(taken)}" if taken
                   else f"{cls.__name__} takes no parameters")
        return f"unexpected {_names('parameter', unexpected)} ({offered})"
    missing = [name for name, parameter in signature.parameters.items()
               if parameter.default is inspect.Parameter.empty and name not in params
               and parameter.kind not in (inspect.Parameter.VAR_POSITIONAL,
                                          inspect.Parameter.VAR_KEYWORD)]
    if missing:
        return f"missing {_names('parameter', missing)}"
    return str(exc)


def _names(noun: str, names: list[str]) -> str:
    """``parameter 'a'`` or ``parameters 'a', 'b'``."""
    return f"{noun}{'s' if len(names) > 1 else ''} {', '.join(repr(n) for n in names)}"


def _syntax(exc: SyntaxError) -> str:
    """``syntax error in <file> line <n>: <what>`` on one line."""
    what = " ".join(str(exc.msg).split())
    return f"syntax error in {_shown(exc.filename)} line {exc.lineno}: {what}"


def _shown(path: Path | str | None) -> str:
    """``path`` as written when it prints on one line, else quoted with escapes."""
    text = str(path)
    return text if text.isprintable() else repr(text)


def _one_line(exc: BaseException) -> str:
    """``Type: first line of the message`` (or just ``Type``), at most 200 characters."""
    first = (str(exc).strip().splitlines() or [""])[0][:200]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
