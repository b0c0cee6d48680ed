"""``python -m sim``: the same command line as ``sim``."""

from sim.cli import main

main()
