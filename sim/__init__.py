"""ticktwin: a deterministic discrete-event simulator of an electronic trading platform.

Layers, dependencies pointing one way: ``sim.core`` (pure logic: order book, risk
rules, positions; no SimPy, no I/O) <- ``sim.model`` (SimPy components that wrap
the core with service times, queues, links and faults) <- edges: ``sim.data``
(Parquet in, importers, generator), ``sim.report`` (outputs, budgets),
``sim.cli`` (typer). Time is always an ``int`` of nanoseconds; prices are
integers in ``1/price_scale`` units.
"""

__version__ = "0.1.0"
