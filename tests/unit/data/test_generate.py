from pathlib import Path
from typing import Any

import pytest

from sim.data.generate import FlowSpec, generate_flow, write_events
from sim.data.reader import inspect_source
from sim.errors import DataError


def test_same_spec_same_bytes(tmp_path: Path) -> None:
    spec = FlowSpec(symbols=("X", "Y"), duration_ns=200_000_000, rate_per_s=2000, seed=3)
    write_events(generate_flow(spec), tmp_path / "a.parquet")
    write_events(generate_flow(spec), tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()


def test_flow_is_valid_and_has_the_requested_mix(tmp_path: Path) -> None:
    spec = FlowSpec(symbols=("X",), duration_ns=2_000_000_000, rate_per_s=5000, seed=1)
    table = generate_flow(spec)
    write_events(table, tmp_path / "f.parquet")
    info = inspect_source(tmp_path / "f.parquet")
    assert abs(info.rows - 10_000) < 400  # Poisson count around rate x duration
    actions = table.column("action").to_pylist()
    shares = {a: actions.count(a) / len(actions) for a in ("add", "cancel", "market")}
    assert abs(shares["add"] - 0.6) < 0.03
    assert abs(shares["cancel"] - 0.3) < 0.03
    prices = [p for p in table.column("price").to_pylist() if p is not None]
    assert all(p % spec.tick == 0 for p in prices)


def test_one_symbols_flow_does_not_depend_on_the_others() -> None:
    alone = generate_flow(FlowSpec(symbols=("X",), duration_ns=100_000_000, seed=2))
    both = generate_flow(FlowSpec(symbols=("W", "X"), duration_ns=100_000_000, seed=2))
    x_only = both.filter(both.column("symbol").to_numpy(zero_copy_only=False) == "X")
    assert x_only.column("order_id").to_pylist() == alone.column("order_id").to_pylist()
    assert x_only.column("price").to_pylist() == alone.column("price").to_pylist()


def test_cancels_name_live_orders_of_the_same_side() -> None:
    table = generate_flow(FlowSpec(symbols=("X",), duration_ns=500_000_000, seed=4))
    live: dict[int, int] = {}
    for action, order_id, side in zip(table.column("action").to_pylist(),
                                      table.column("order_id").to_pylist(),
                                      table.column("side").to_pylist(), strict=True):
        if action == "add":
            live[order_id] = side
        elif action == "cancel":
            assert live.pop(order_id) == side


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rate_per_s": 0}, "--rate 0: must be at least 1 event per second"),
        ({"rate_per_s": -5}, "--rate -5: must be at least 1 event per second"),
        ({"duration_ns": 0}, "--duration 0ns: must be longer than zero"),
        ({"add_share": 1.5}, "--add-share 1.5: a share must be between 0 and 1"),
        ({"cancel_share": -0.1}, "--cancel-share -0.1: a share must be between 0 and 1"),
        ({"add_share": float("nan")}, "--add-share nan: a share must be between 0 and 1"),
        ({"add_share": 0.7, "cancel_share": 0.4},
         "--add-share 0.7 + --cancel-share 0.4 exceed 1 (the rest are market orders)"),
        ({"symbols": ()}, "--symbols '': give at least one non-empty symbol name, "
                          "comma-separated"),
        ({"symbols": ("A", " ")}, "--symbols 'A, ': give at least one non-empty symbol name, "
                                  "comma-separated"),
        ({"symbols": ("A", "A")}, "--symbols 'A,A': each symbol may appear once"),
        ({"symbols": ("A", "B"), "rate_per_s": 1_000_001},
         "--rate 1000001 for 10s on 2 symbol(s) is about 20,000,020 events, above the limit of "
         "20,000,000 (about 9 GiB while generating); generate several files or lower --rate "
         "or --duration"),
    ],
)
def test_flow_spec_refuses_what_cannot_be_drawn(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(DataError) as caught:
        FlowSpec(**fields)
    assert str(caught.value) == message


def test_flow_spec_at_the_event_limit_is_accepted() -> None:
    assert FlowSpec(symbols=("A", "B"), rate_per_s=1_000_000).rate_per_s == 1_000_000
