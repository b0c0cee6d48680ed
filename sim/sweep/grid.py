"""The grid of a sweep: ``--grid KEY=V1,V2,...`` options (and seeds) expanded into run points.

A point is a list of ``KEY=VALUE`` overrides, applied exactly as ``--set`` applies
them (:func:`sim.scenario.load_scenario`), so every value a ``--set`` accepts works
here and means the same. Values are split on commas outside brackets, braces and
quotes, so a TOML array or inline table can be one value (``k=[1,2],[3,4]``).
Points come in the order given: the first ``--grid`` key varies slowest, the seed
(``--seeds N``: the scenario's seed + 0..N-1) fastest.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

from sim.errors import ScenarioError

MAX_POINTS = 10_000
"""Most runs one sweep may hold; a bigger grid is almost surely a typo in a value list."""

_OPENERS = {"[": "]", "{": "}"}


@dataclass(frozen=True, slots=True)
class Axis:
    """One varied key and its values, as given on the command line."""

    key: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Point:
    """One run of a sweep: its index and the value of every varied key."""

    index: int
    values: tuple[tuple[str, str], ...]
    """``(key, value as given)`` per axis, in axis order."""
    seed: int | None = None
    """The seed of this run when ``--seeds`` asks for several (None: the scenario's own)."""

    def overrides(self) -> list[str]:
        """The point as ``--set`` overrides (``key=value``; ``seed=N`` last when set)."""
        seed = [] if self.seed is None else [f"seed={self.seed}"]
        return [*(f"{key}={value}" for key, value in self.values), *seed]


def split_values(text: str) -> list[str]:
    """``text`` split on commas that are outside brackets, braces and quotes."""
    parts: list[str] = []
    closers: list[str] = []
    quote = ""
    current: list[str] = []
    for char in text:
        if quote:
            quote = "" if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char in _OPENERS:
            closers.append(_OPENERS[char])
        elif closers and char == closers[-1]:
            closers.pop()
        elif char == "," and not closers:
            parts.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    parts.append("".join(current).strip())
    return parts


def parse_axis(option: str) -> Axis:
    """One ``--grid KEY=V1,V2,...`` option; raises ``ScenarioError`` naming it when malformed."""
    key, sep, text = option.partition("=")
    key = key.strip()
    if not sep or not key or not text.strip():
        raise ScenarioError(f"--grid {option!r}: expected KEY=V1,V2,..., e.g. "
                            "topology.gateway.workers=1,2,4")
    values = split_values(text)
    if any(not value for value in values):
        raise ScenarioError(f"--grid {option!r}: {key}: an empty value (two commas in a row, or "
                            "one at an end); list each value once")
    repeated = sorted({value for value in values if values.count(value) > 1})
    if repeated:
        raise ScenarioError(f"--grid {option!r}: {key}: {repeated[0]!r} is listed twice; list "
                            "each value once")
    return Axis(key, tuple(values))


def expand(options: Sequence[str], sets: Sequence[str] = (), seeds: Sequence[int] = ()
           ) -> tuple[list[Axis], list[Point]]:
    """The axes of ``options`` and their cartesian product with ``seeds``, first axis slowest.

    A key may be varied once, and not also be given with ``--set`` (which value would win
    is not obvious to a reader of the command); ``seed`` is not varied when ``seeds`` are
    given. Without ``seeds`` every point runs at the scenario's seed.
    """
    if not options and not seeds:
        raise ScenarioError("--grid: give at least one KEY=V1,V2,... to sweep over")
    axes = [parse_axis(option) for option in options]
    set_keys = {override.partition("=")[0].strip() for override in sets}
    seen: set[str] = set()
    for axis in axes:
        if axis.key in seen:
            raise ScenarioError(f"--grid {axis.key}: given twice; list all its values in one "
                                "--grid")
        if axis.key in set_keys:
            raise ScenarioError(f"--grid {axis.key}: also given with --set; drop one of them")
        if axis.key == "seed" and seeds:
            raise ScenarioError("--grid seed: also given --seeds; drop one of them")
        seen.add(axis.key)
    count = max(1, len(seeds))
    for axis in axes:
        count *= len(axis.values)
    if count > MAX_POINTS:
        raise ScenarioError(f"--grid: {count} runs in the grid, more than {MAX_POINTS}; "
                            "sweep fewer values or seeds")
    seed_list: list[int | None] = list(seeds) or [None]
    combos = itertools.product(itertools.product(*(axis.values for axis in axes)), seed_list)
    points = [Point(index, tuple(zip((axis.key for axis in axes), values, strict=True)), seed)
              for index, (values, seed) in enumerate(combos)]
    return axes, points
