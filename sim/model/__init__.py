"""The timed shell: SimPy components that wrap the pure core with time and capacity.

Design notes:

- Nothing here runs a SimPy process per message. A stage (:mod:`server`) is a
  deque, a busy count and one scheduled ``env.timeout`` per service; a link
  (:mod:`link`) schedules one delivery timeout per message; the feed
  (:mod:`feed`) is one callback chain that pre-posts a chunk of orders onto its
  link and applies direct-route history inline up to the next scheduled event.
  Sinks that only record (client execution reports, market data) are link
  *endpoints*, and the market-data publisher is computed in closed form: no
  events where nothing in the model reacts.
- The message travelling through the platform is a plain ``int``: the order's
  sequence number, a row of the :class:`~sim.model.recorder.OrderRecorder`.
  Everything else about the order lives in that recorder's preallocated numpy
  columns, read and written through ``memoryview`` s in the hot path.
- Time is ``int`` nanoseconds; every random draw comes from a named stream
  (``stage.gateway``, ``link.client_to_gateway``, ...) drawn in numpy blocks.
- :func:`~sim.model.platform.run_platform` wires the components, checks the
  wiring before time starts and returns a :class:`~sim.model.platform.RunResult`.
"""
