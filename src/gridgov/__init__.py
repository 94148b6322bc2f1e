"""gridgov — integrated command platform for grid-based governance (一网统管)."""

__version__ = "0.1.0"
