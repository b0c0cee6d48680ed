from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import load_scenario

MINIMAL = """
name = "t"
[data]
sources = [{ path = "ticks.parquet" }]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


def test_minimal_scenario_gets_defaults_and_absolute_paths(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "s.toml", MINIMAL))
    assert scenario.topology.gateway.workers == 2
    assert scenario.data.sources[0].path == (tmp_path / "ticks.parquet").resolve()
    assert scenario.data.sources[0].route == "full"


def test_durations_become_int_ns(tmp_path: Path) -> None:
    text = MINIMAL + (
        '[topology.risk]\nservice = { kind = "lognormal", mean = "1.5us", sigma = 0.3 }\n')
    scenario = load_scenario(write(tmp_path, "s.toml", text))
    assert scenario.topology.risk.service.mean == 1_500  # type: ignore[union-attr]


def test_unknown_key_is_named_with_file_and_path(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", MINIMAL + "[topology.gateway]\nworkerz = 3\n")
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    assert "topology.gateway.workerz" in message
    assert "unknown key" in message


def test_bad_type_names_key_and_value(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", MINIMAL + '[topology.gateway]\nworkers = "many"\n')
    with pytest.raises(ScenarioError, match=r"topology\.gateway\.workers: .*'many'"):
        load_scenario(path)


def test_bad_duration_names_key_and_value(tmp_path: Path) -> None:
    text = MINIMAL + ('[topology.links.gateway_to_risk]\n'
                      'latency = { kind = "constant", value = "5 parsecs" }\n')
    with pytest.raises(ScenarioError) as info:
        load_scenario(write(tmp_path, "s.toml", text))
    message = str(info.value)
    assert "topology.links.gateway_to_risk.latency.value" in message
    assert "unknown time unit 'parsecs'" in message
    assert "'5 parsecs'" in message


def test_float_duration_is_refused(tmp_path: Path) -> None:
    text = MINIMAL + ('[topology.links.gateway_to_risk]\n'
                      'latency = { kind = "constant", value = 1.5 }\n')
    with pytest.raises(ScenarioError, match="durations are exact"):
        load_scenario(write(tmp_path, "s.toml", text))


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"scenario file not found: .*nope\.toml"):
        load_scenario(tmp_path / "nope.toml")


def test_invalid_toml_is_named(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", "name = \n")
    with pytest.raises(ScenarioError, match=r"s\.toml: not valid TOML"):
        load_scenario(path)


def test_missing_required_section(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match=r"data: Field required"):
        load_scenario(write(tmp_path, "s.toml", 'name = "t"\n'))


def test_extends_merges_tables_and_overrides(tmp_path: Path) -> None:
    write(tmp_path, "base.toml", "seed = 5\n" + MINIMAL + "[topology.gateway]\nworkers = 3\n"
                                          "queue_capacity = 7\n")
    child = write(tmp_path, "child.toml", 'extends = "base.toml"\nname = "c"\n'
                                          "[topology.gateway]\nworkers = 9\n")
    scenario = load_scenario(child)
    assert (scenario.name, scenario.seed) == ("c", 5)
    assert scenario.topology.gateway.workers == 9
    assert scenario.topology.gateway.queue_capacity == 7


def test_extends_missing_parent_and_cycle(tmp_path: Path) -> None:
    orphan = write(tmp_path, "o.toml", 'extends = "gone.toml"\n' + MINIMAL)
    with pytest.raises(ScenarioError, match=r"extends: file not found: .*gone\.toml"):
        load_scenario(orphan)
    write(tmp_path, "a.toml", 'extends = "b.toml"\n' + MINIMAL)
    write(tmp_path, "b.toml", 'extends = "a.toml"\n' + MINIMAL)
    with pytest.raises(ScenarioError, match="extends cycle"):
        load_scenario(tmp_path / "a.toml")


def test_set_overrides_are_typed_by_schema(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", MINIMAL)
    scenario = load_scenario(path, ["topology.gateway.workers=4", "seed=11",
                                    "topology.risk.service.mean=2us"])
    assert scenario.topology.gateway.workers == 4
    assert scenario.seed == 11
    assert scenario.topology.risk.service.mean == 2_000  # type: ignore[union-attr]


def test_bad_overrides_are_named(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", MINIMAL)
    with pytest.raises(ScenarioError, match="expected KEY=VALUE"):
        load_scenario(path, ["topology.gateway.workers"])
    with pytest.raises(ScenarioError, match=r"topology\.gateway\.workerz: unknown key"):
        load_scenario(path, ["topology.gateway.workerz=2"])
    with pytest.raises(ScenarioError, match=r"topology\.gateway\.workers.*'lots'"):
        load_scenario(path, ["topology.gateway.workers=lots"])
    with pytest.raises(ScenarioError, match="name is a value, not a table"):
        load_scenario(path, ["name.x=1"])


PAUSES = (
    '[[faults]]\nkind = "pause"\ntarget = "risk"\nat = "1ms"\nduration = "1ms"\n'
    '[[faults]]\nkind = "pause"\ntarget = "gateway"\nat = "2ms"\nduration = "1ms"\n'
)


def test_set_reaches_list_items_by_index(tmp_path: Path) -> None:
    path = write(tmp_path, "s.toml", MINIMAL + PAUSES)
    scenario = load_scenario(path, ["faults.1.at=5ms", "faults.0.target=matching"])
    first, second = scenario.faults
    assert (first.at, first.target) == (1_000_000, "matching")  # type: ignore[union-attr]
    assert (second.at, second.target) == (5_000_000, "gateway")  # type: ignore[union-attr]


@pytest.mark.parametrize("override", ["faults.2.at=5ms", "faults.x.at=5ms", "faults.2=1"])
def test_set_names_a_list_item_that_is_not_there(tmp_path: Path, override: str) -> None:
    path = write(tmp_path, "s.toml", MINIMAL + PAUSES)
    with pytest.raises(ScenarioError, match=r"no item .* in a list of 2 \(items count from 0\)"):
        load_scenario(path, [override])


def test_scenario_is_frozen(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, "s.toml", MINIMAL))
    with pytest.raises(Exception, match="frozen"):
        scenario.seed = 3  # type: ignore[misc]


def test_bundled_scenarios_all_validate() -> None:
    folder = Path(__file__).resolve().parents[3] / "scenarios"
    files = sorted(folder.rglob("*.toml"))
    assert files
    for path in files:
        assert load_scenario(path).name
