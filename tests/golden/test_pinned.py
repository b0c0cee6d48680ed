"""Each bundled scenario's digest and headline figures equal the ones in pinned.json.

A rerun comparison cannot notice a refactor that changes results; these pins can. A change
on purpose is recorded with ``pytest tests/golden --update-golden`` (docs/golden.md).
Windows are the ones the behaviour tests use, so every run here is shared with them.
"""

from __future__ import annotations

from typing import Any

import pytest

WINDOWS: dict[str, tuple[str, ...]] = {
    "baseline": (),
    "failover": ("data.duration=6s",),
    "fat_finger": (),
    "volume_10x": ("data.duration=2s",),
    "market_data_fanout": ("data.duration=6s",),
    "wan_binance_tokyo": (),
}
"""Overrides each scenario is pinned under (recorded in pinned.json next to its figures)."""

END_TO_END = ("p50", "p99", "p99_9", "max")
ORDERS = ("submitted", "fill_rate", "reject_rate", "lost")
FAILOVER = {"detection_ns": ("detection_ns",), "outage_duration_ns": ("outage", "duration_ns"),
            "messages_lost": ("messages_lost",), "retransmits": ("retransmits",),
            "orders_delayed": ("orders_delayed",)}
SUBSCRIBER = ("delivered", "dropped", "undelivered")
ABSENT = "(absent)"


def headline(summary: dict[str, Any]) -> dict[str, Any]:
    """The pinned figures of a run summary, flat: ``"end_to_end.p99": 123`` etc."""
    latency = summary["latency_ns"]
    figures: dict[str, Any] = {f"end_to_end.{key}": latency["end_to_end"].get(key)
                               for key in END_TO_END}
    figures |= {f"{name}.p99": stats.get("p99") for name, stats in latency.items()
                if name != "end_to_end"}
    orders = summary["orders"]
    figures |= {f"orders.{key}": orders[key] for key in ORDERS}
    figures |= {f"orders.by_outcome.{key}": value for key, value in orders["by_outcome"].items()}
    figures |= {f"orders.rejects_by_reason.{key}": value
                for key, value in orders["rejects_by_reason"].items()}
    for target, section in summary.get("failover", {}).items():
        for key, path in FAILOVER.items():
            value = section
            for step in path:
                value = value[step]
            figures[f"failover.{target}.{key}"] = value
    for name, counters in summary["components"].items():
        if name.startswith("subscriber."):
            figures |= {f"{name}.{key}": counters[key] for key in SUBSCRIBER}
    return dict(sorted(figures.items()))


def differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``key: old -> new`` for every key whose value differs (or exists on one side only)."""
    return [f"{key}: {old.get(key, ABSENT)} -> {new.get(key, ABSENT)}"
            for key in sorted(old.keys() | new.keys())
            if old.get(key, ABSENT) != new.get(key, ABSENT)]


def entry_of(summary: dict[str, Any], overrides: tuple[str, ...]) -> dict[str, Any]:
    """What pinned.json holds for one scenario."""
    return {"overrides": list(overrides), "digest": summary["digest"],
            "figures": headline(summary)}


def flat(entry: dict[str, Any]) -> dict[str, Any]:
    """An entry as one flat mapping, so overrides and digest diff like the figures."""
    return {"overrides": entry.get("overrides"), "digest": entry.get("digest"),
            **entry.get("figures", {})}


@pytest.mark.parametrize("name", list(WINDOWS))
def test_digest_and_headline_figures_are_the_pinned_ones(
        name: str, golden_run: Any, pinned: Any) -> None:
    """The run's digest and headline figures equal pinned.json's (or are rewritten there)."""
    overrides = WINDOWS[name]
    new = entry_of(golden_run(name, overrides).summary, overrides)
    old = pinned.load().get(name)
    changed = differences(flat(old or {}), flat(new))
    if pinned.update:
        if changed:
            pinned.store(name, new, changed if old else ["(newly pinned)"])
        return
    if old is None:
        pytest.fail(f"{name}: no pinned figures in {pinned.path.name}; record them with "
                    f"`pytest tests/golden --update-golden`", pytrace=False)
    if changed:
        listing = "\n  ".join(changed)
        pytest.fail(f"{name} (overrides {list(overrides)}) differs from {pinned.path.name}, "
                    f"pinned -> now:\n  {listing}\nIf the change is intended, run `pytest "
                    f"tests/golden --update-golden` and state why in the commit message "
                    f"(docs/golden.md).", pytrace=False)
