"""Example strategies to name in a scenario: ``path = "sim.strategy.examples.<module>:<Class>"``."""
