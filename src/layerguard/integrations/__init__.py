"""Adapters that let other tools run layerguard: the flake8 plugin."""
