"""Grid expansion: values split like a reader expects, cartesian order, typos refused."""

from __future__ import annotations

import pytest

from sim.errors import ScenarioError
from sim.sweep.grid import Axis, expand, parse_axis, split_values


def test_values_split_on_commas_outside_brackets_braces_and_quotes() -> None:
    assert split_values("1, 2 ,3") == ["1", "2", "3"]
    assert split_values('[1,2],[3, 4],"a,b",{ x = 1, y = 2 }') == [
        "[1,2]", "[3, 4]", '"a,b"', "{ x = 1, y = 2 }"]


def test_points_are_the_cartesian_product_first_axis_slowest() -> None:
    axes, points = expand(["a=1,2", "b.c=x,y,z"])
    assert axes == [Axis("a", ("1", "2")), Axis("b.c", ("x", "y", "z"))]
    assert [point.overrides() for point in points] == [
        ["a=1", "b.c=x"], ["a=1", "b.c=y"], ["a=1", "b.c=z"],
        ["a=2", "b.c=x"], ["a=2", "b.c=y"], ["a=2", "b.c=z"]]
    assert [point.index for point in points] == list(range(6))


@pytest.mark.parametrize(("options", "sets", "message"), [
    ([], [], "give at least one"),
    (["a"], [], "expected KEY=V1,V2"),
    (["=1,2"], [], "expected KEY=V1,V2"),
    (["a="], [], "expected KEY=V1,V2"),
    (["a=1,"], [], "a: an empty value"),
    (["a=1,2,1"], [], "a: '1' is listed twice"),
    (["a=1", "a=2"], [], "--grid a: given twice"),
    (["a=1"], ["a=3"], "--grid a: also given with --set"),
    (["a=" + ",".join(map(str, range(200))), "b=" + ",".join(map(str, range(60)))], [],
     "12000 runs in the grid, more than 10000"),
])
def test_malformed_options_are_refused_naming_the_key(options: list[str], sets: list[str],
                                                      message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        expand(options, sets)


def test_an_axis_keeps_values_as_given() -> None:
    assert parse_axis(" x.y = 10us,1.5ms ").values == ("10us", "1.5ms")


def test_seeds_vary_fastest_and_become_seed_overrides() -> None:
    _, points = expand(["a=1,2"], [], [42, 43])
    assert [point.overrides() for point in points] == [
        ["a=1", "seed=42"], ["a=1", "seed=43"], ["a=2", "seed=42"], ["a=2", "seed=43"]]
    _, alone = expand([], [], [7, 8])
    assert [point.overrides() for point in alone] == [["seed=7"], ["seed=8"]]
    with pytest.raises(ScenarioError, match="--grid seed: also given --seeds"):
        expand(["seed=1,2"], [], [1, 2])
    with pytest.raises(ScenarioError, match="11000 runs in the grid"):
        expand(["a=" + ",".join(map(str, range(1000)))], [], list(range(11)))
