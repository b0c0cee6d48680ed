"""Scenario files: TOML validated into frozen pydantic models.

``schema`` defines the typed sections (one place for every default);
``loader`` reads TOML, resolves ``extends`` chains, applies ``--set`` overrides
and turns validation failures into ``ScenarioError`` naming file, key and value.
"""

from sim.scenario.loader import load_scenario, scenario_from_dict
from sim.scenario.schema import Scenario

__all__ = ["Scenario", "load_scenario", "scenario_from_dict"]
