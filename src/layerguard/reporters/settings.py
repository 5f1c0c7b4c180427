"""`check --show-settings`: the effective configuration, as a `[tool.layerguard]` section.

Printed as valid TOML (strings and lists in JSON's notation, which TOML reads the same), so a
user can copy it into their pyproject.toml, with comments saying where it came from.
"""

from __future__ import annotations

import json
from dataclasses import fields
from pathlib import Path

from layerguard.config import DEFAULT_EXCLUDE
from layerguard.model import Config

# Config fields that are not keys of the section: shown as comments, or as tables.
NOT_KEYS = frozenset({"root", "source", "layers", "build_outputs", "per_file_ignores"})


def render_settings(config: Config) -> str:
    """The effective settings of `config`, with the file they came from."""
    origin = (
        f"from {config.source}"
        if config.source is not None
        else "the defaults: no [tool.layerguard] section or layerguard.toml was found"
    )
    lines = [
        f"# Settings for the project at {config.root},",
        f"# {origin}, merged with the command line.",
        "[tool.layerguard]",
    ]
    for field in fields(config):
        if field.name in NOT_KEYS:
            continue
        value = getattr(config, field.name)
        key = field.name.replace("_", "-")
        if key == "exclude" and config.build_outputs:
            # Build output folders are part of the default only, so the default is kept and what
            # was added to it is shown as `extend-exclude` (an `exclude` would replace both).
            added = [glob for glob in value if glob not in DEFAULT_EXCLUDE]
            lines.append(f"# exclude: the default, {json.dumps(list(DEFAULT_EXCLUDE))}")
            lines.append(f"extend-exclude = {json.dumps(added)}")
            continue
        if key == "auth-dependencies" and not value:
            lines.append("# auth-dependencies: not set, so LG905 (route-without-auth) is off")
        elif value is None:
            lines.append(f"# {key}: {'auto-detected' if key == 'packages' else 'not set'}")
        elif isinstance(value, Path):
            # The `baseline` key: a path relative to the project root.
            shown = value.relative_to(config.root).as_posix() if value.is_relative_to(config.root) else value
            lines.append(f"{key} = {json.dumps(str(shown))}")
        else:
            lines.append(f"{key} = {_toml_value(key, value)}")
    if config.build_outputs:
        folders = ", ".join(config.build_outputs)
        lines.append(f"# and build output folders ({folders}) that hold no __init__.py are excluded")
    else:
        lines.append("# build output folders are not excluded: `exclude` replaces the default")
    lines += ["", "[tool.layerguard.per-file-ignores]"]
    lines += [f"{json.dumps(glob)} = {json.dumps(list(codes))}" for glob, codes in config.per_file_ignores]
    for layer in config.layers:
        lines += [
            "",
            f"[tool.layerguard.layers.{layer.name}]",
            f"modules = {json.dumps(list(layer.modules))}",
            f"may-import = {json.dumps(list(layer.may_import))}",
        ]
    return "\n".join(lines) + "\n"


def _toml_value(key: str, value: object) -> str:
    if key == "target-version" and isinstance(value, tuple):
        return json.dumps(f"py{value[0]}{value[1]}")
    if isinstance(value, tuple):
        return json.dumps(list(value))
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return str(value)
