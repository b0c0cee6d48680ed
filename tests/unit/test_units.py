import pytest

from sim.errors import UnitError
from sim.units import format_ns, parse_duration_ns, parse_size_bytes


@pytest.mark.parametrize(
    ("text", "expected"),
    [("250ns", 250), ("250us", 250_000), ("1.5ms", 1_500_000), ("2s", 2_000_000_000),
     ("0.000000001s", 1), (" 7 us ", 7_000), ("1min", 60_000_000_000), (42, 42)],
)
def test_parse_duration_is_exact_integer_ns(text: str | int, expected: int) -> None:
    value = parse_duration_ns(text)
    assert value == expected
    assert type(value) is int


def test_parse_duration_has_no_float_rounding() -> None:
    # 0.1 + 0.2 style errors would show up here with float arithmetic
    assert parse_duration_ns("0.3ms") == 300_000
    assert parse_duration_ns("1.000000001s") == 1_000_000_001


@pytest.mark.parametrize(
    ("text", "fragment"),
    [("250", "write a number and a unit"), ("abc", "write a number and a unit"),
     ("5 parsecs", "unknown time unit 'parsecs'"), ("1.5ns", "not a whole number"),
     ("", "write a number and a unit")],
)
def test_bad_duration_names_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(UnitError, match=fragment):
        parse_duration_ns(text)


def test_bool_is_not_a_duration() -> None:
    with pytest.raises(UnitError):
        parse_duration_ns(True)


def test_sizes_parse_exactly() -> None:
    assert parse_size_bytes("1500B") == 1500
    assert parse_size_bytes("64kB") == 64_000
    with pytest.raises(UnitError, match="cannot parse size"):
        parse_size_bytes("lots")


def test_format_ns_picks_readable_unit() -> None:
    assert format_ns(250) == "250ns"
    assert format_ns(1_500) == "1.5us"
    assert format_ns(2_500_000) == "2.5ms"
