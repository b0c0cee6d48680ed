"""Report edge: headline figures, run folders, plots, HTML, budgets and comparisons.

Everything here reads the model's output tables; nothing here runs a simulation.
"""
