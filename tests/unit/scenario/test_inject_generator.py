"""``[[inject]]`` generators (count, every, qty_step): schema, expansion and run-start checks."""

from __future__ import annotations

from typing import Any

import pytest

from sim.errors import ScenarioError
from sim.runner import canonical_scenario
from sim.scenario.inject import InjectedOrderConfig, check_injections, expand_injections
from sim.scenario.loader import scenario_from_dict

BASE: dict[str, Any] = {"name": "s", "data": {"sources": [{"path": "x.parquet"}]}}
ORDER: dict[str, Any] = {"at": "2s", "symbol": "SYMA", "side": "buy", "qty": 10, "price": 100}
TRAIN: dict[str, Any] = {**ORDER, "count": 5, "every": "10ms"}


def _entry(**change: Any) -> InjectedOrderConfig:
    return InjectedOrderConfig.model_validate({**ORDER, **change})


def test_a_train_expands_to_count_orders_every_apart_with_growing_qty() -> None:
    (entry,) = scenario_from_dict({**BASE, "inject": [{**TRAIN, "qty_step": 1000}]}).inject
    orders = expand_injections([entry])
    assert [order.at for order in orders] == [
        2_000_000_000, 2_010_000_000, 2_020_000_000, 2_030_000_000, 2_040_000_000
    ]
    assert [order.qty for order in orders] == [10, 1010, 2010, 3010, 4010]
    assert [(order.index, order.repeat) for order in orders] == [(0, k) for k in range(5)]
    assert all(order.config is entry for order in orders)


def test_expansion_keeps_entry_order_and_single_orders_are_one_each() -> None:
    entries = [_entry(at="5s"), _entry(count=2, every="1s"), _entry(at="1s", qty=7)]
    orders = expand_injections(entries)
    assert [(o.index, o.repeat, o.at, o.qty) for o in orders] == [
        (0, 0, 5 * 10**9, 10), (1, 0, 2 * 10**9, 10), (1, 1, 3 * 10**9, 10), (2, 0, 10**9, 7),
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"count": 3}, r"inject\[0\]\.every: .*count = 3 needs every"),
        ({"count": 0}, r"inject\[0\]\.count"),
        ({"every": "0s"}, r"inject\[0\]\.every"),
        ({"every": 1.5}, r"inject\[0\]\.every: .*durations are exact"),
        ({"count": 3, "every": "1ms", "qty_step": -5}, r"inject\[0\]\.qty_step: .*qty 0"),
    ],
)
def test_bad_generator_keys_are_refused_naming_the_key(
    change: dict[str, Any], message: str
) -> None:
    with pytest.raises(ScenarioError, match=message):
        scenario_from_dict({**BASE, "inject": [{**ORDER, **change}]})


def test_a_negative_qty_step_is_fine_while_the_last_order_keeps_qty_above_zero() -> None:
    (entry,) = scenario_from_dict(
        {**BASE, "inject": [{**ORDER, "count": 3, "every": "1ms", "qty_step": -4}]}
    ).inject
    assert [order.qty for order in expand_injections([entry])] == [10, 6, 2]


def test_defaults_stay_out_of_the_canonical_dump_so_old_digests_hold() -> None:
    plain = canonical_scenario(scenario_from_dict({**BASE, "inject": [ORDER]}))
    spelled = canonical_scenario(scenario_from_dict(
        {**BASE, "inject": [{**ORDER, "count": 1, "qty_step": 0}]}
    ))
    assert plain == spelled
    assert set(plain["inject"][0]) == {
        "at", "account", "symbol", "side", "qty", "type", "price", "price_offset_bps"
    }
    train = canonical_scenario(scenario_from_dict({**BASE, "inject": [{**TRAIN, "qty_step": 3}]}))
    assert (train["inject"][0]["count"], train["inject"][0]["every"]) == (5, 10_000_000)
    assert train["inject"][0]["qty_step"] == 3
    assert scenario_from_dict(train).inject == scenario_from_dict(
        {**BASE, "inject": [{**TRAIN, "qty_step": 3}]}
    ).inject  # the dump loads back to the same entries


def test_a_train_whose_last_order_is_after_the_window_names_inject_index_count() -> None:
    entries = [_entry(), _entry(count=5, every="10ms")]  # last order at 2.04s
    with pytest.raises(
        ScenarioError,
        match=r"inject\[1\]\.count: order 5 of 5 \(at \+ 4 \* every = 2040000000 ns\).*"
              r"at most 4 orders fit",
    ):
        check_injections(entries, ["SYMA"], 2_030_000_000)
    check_injections(entries, ["SYMA"], 2_040_000_000)  # the window's last instant is inside


def test_a_train_starting_after_the_window_still_names_inject_index_at() -> None:
    with pytest.raises(ScenarioError, match=r"inject\[0\]\.at: 2000000000 ns"):
        check_injections([_entry(count=5, every="10ms")], ["SYMA"], 10**9)
