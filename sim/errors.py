"""Typed errors raised by the library; only the CLI turns them into messages and exit codes."""


class SimError(Exception):
    """Base class of every error ticktwin raises on purpose."""


class ScenarioError(SimError):
    """A scenario file or override is invalid; the message names the file, key path and value."""


class DataError(SimError):
    """Input data is invalid; the message names the file, row and column."""


class UnitError(SimError, ValueError):
    """A duration or quantity string could not be parsed exactly."""


class OutputError(SimError):
    """An output cannot be written safely; the message names the path and what to do."""


class StrategyError(SimError):
    """A strategy cannot be loaded or misbehaved; the message names the strategy and the problem."""
