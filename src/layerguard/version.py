"""layerguard's version: a module of its own, so reading it imports nothing else of layerguard."""

__version__ = "0.1.0"
