"""Find the project root, read `[tool.layerguard]` or `layerguard.toml`, validate it -> Config.

Validation is strict, as SPEC §3 asks: every unknown key, wrong type or bad value raises a
ConfigError naming the file, the key and what is allowed. Nothing is silently ignored.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from layerguard.files import NotRegularFile, read_regular_file
from layerguard.globs import module_glob_problem, path_glob_matches, path_glob_problem
from layerguard.model import INTERNAL_ERROR, PARSE_ERROR, Config, Layer, RuleMeta, find_rule, selects_any
from layerguard.presets import PRESETS
from layerguard.symbol_kinds import NEUTRAL_KINDS

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

PYPROJECT = "pyproject.toml"
LAYERGUARD_TOML = "layerguard.toml"
TOOL_TABLE = "tool.layerguard"

DEFAULT_EXCLUDE: tuple[str, ...] = (
    "**/migrations/**",
    "**/alembic/**",
    "**/tests/**",
    "**/test_*.py",
    ".venv",
    "venv",
)

TARGET_VERSIONS: dict[str, tuple[int, int]] = {f"py3{minor}": (3, minor) for minor in range(10, 15)}
DEFAULT_TARGET_VERSION = (3, 10)
# `parse-timeout` bounds, seconds: below 1 s a parser process may not even start on a busy
# machine; above an hour a hung file would hold the run for good (and `inf` cannot be waited on).
PARSE_TIMEOUT_RANGE = (1.0, 3600.0)
# A Python version constraint is a few clauses; a longer one is not a constraint worth reading
# (and digit strings past 4,300 make int() raise).
MAX_CONSTRAINT_LENGTH = 1000
# `.python-version` names a version or a few; anything larger is not one.
MAX_VERSION_FILE_BYTES = 64 * 1024
# LG000/LG001 report that layerguard itself could not do its job; a prefix never hides them.
ALWAYS_ON_CODES = frozenset({INTERNAL_ERROR.code, PARSE_ERROR.code})
LAYER_KEYS = ("modules", "may-import")

_SELECTOR_FORM = re.compile(r"LG[0-9]*")
_DOTTED_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
_BARE_TOML_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_POSITION = re.compile(r"\s*\(at line (\d+), column (\d+)\)\s*$")


class ConfigError(Exception):
    """A configuration problem, worded for the user; the CLI prints it and exits 2."""


# --- Where a value came from, so every error can name the file and the key. ---


@dataclass(frozen=True)
class _Where:
    """A TOML table in a file: `file` as shown to the user, `table` as a dotted TOML path."""

    file: str
    table: str
    # The rules a code in `select`/`ignore` may name (the registry, handed in by the caller:
    # config never imports the rules).
    rules: tuple[RuleMeta, ...] = ()

    def error(self, text: str) -> ConfigError:
        prefix = f"{self.file}: [{self.table}] " if self.table else f"{self.file}: "
        return ConfigError(prefix + text)

    def child(self, key: str) -> _Where:
        part = key if _BARE_TOML_KEY.fullmatch(key) else json.dumps(key)
        return _Where(self.file, f"{self.table}.{part}" if self.table else part, self.rules)


def _display(path: Path) -> str:
    """The path relative to the current directory when it lies below it, else absolute."""
    try:
        return path.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def _show(value: object) -> str:
    """A TOML-like rendering of a value for an error message."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(item) for item in value) + "]"
    if isinstance(value, dict):
        return "a table"
    return str(value)


def _kind(value: object) -> str:
    """The TOML type of a value, with its article."""
    kinds: tuple[tuple[type, str], ...] = (
        (bool, "a boolean"),
        (int, "an integer"),
        (float, "a float"),
        (str, "a string"),
        (list, "a list"),
        (dict, "a table"),
    )
    return next((name for cls, name in kinds if isinstance(value, cls)), "a date or time")


def _got(value: object, expected: type | tuple[type, ...] | None = None) -> str:
    """`got "camel"` for a bad value of the right type, `got a string "x"` for a wrong type."""
    right_type = expected is not None and isinstance(value, expected) and not isinstance(value, bool)
    if right_type:
        return f"got {_show(value)}"
    return f"got {_kind(value)}" if isinstance(value, dict) else f"got {_kind(value)} {_show(value)}"


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"'{name}'" for name in names)


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


# --- Value validators: each takes the raw value, where it is and its key. ---


def _string_list(value: object, where: _Where, key: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise where.error(f"'{key}' must be a list of non-empty strings, {_got(value)}")
    return tuple(value)


def _dedupe(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _check_selector(selector: str, where: _Where, key: str) -> str:
    if _SELECTOR_FORM.fullmatch(selector) and selects_any(where.rules, selector):
        return selector
    upper = selector.upper()
    if upper != selector and _SELECTOR_FORM.fullmatch(upper) and selects_any(where.rules, upper):
        raise where.error(
            f"'{key}' has {_show(selector)}, but rule codes are upper-case: write {_show(upper)}"
        )
    meta = find_rule(where.rules, selector)
    if meta is not None:
        raise where.error(f"'{key}' has the rule name {_show(selector)}; use its code {_show(meta.code)}")
    raise where.error(
        f"'{key}' has unknown rule code or prefix {_show(selector)}; allowed are \"LG\" "
        f'followed by digits that begin at least one rule\'s code, like "LG1" or "LG101" '
        "(`layerguard rules` lists them)"
    )


def _selectors(value: object, where: _Where, key: str) -> tuple[str, ...]:
    return tuple(_check_selector(item, where, key) for item in _string_list(value, where, key))


def _globs(problem_of: Callable[[str], str | None]) -> Callable[[object, _Where, str], tuple[str, ...]]:
    """A validator of a list of globs, each checked with `problem_of` (None: no problem)."""

    def validate(value: object, where: _Where, key: str) -> tuple[str, ...]:
        globs = _string_list(value, where, key)
        for pattern in globs:
            problem = problem_of(pattern)
            if problem is not None:
                raise where.error(f"'{key}' has {_show(pattern)}: {problem}")
        return globs

    return validate


_path_globs = _globs(path_glob_problem)
_module_globs = _globs(module_glob_problem)


def _callable_names(value: object, where: _Where, key: str) -> tuple[str, ...]:
    names = _string_list(value, where, key)
    for name in names:
        if not _DOTTED_NAME.fullmatch(name):
            raise where.error(
                f"'{key}' must list function or class names like \"get_current_user\" or dotted "
                f'paths like "app.core.auth.get_current_user", got {_show(name)}'
            )
    return names


def _package_names(value: object, where: _Where, key: str) -> tuple[str, ...]:
    names = _string_list(value, where, key)
    for name in names:
        if not _DOTTED_NAME.fullmatch(name):
            raise where.error(
                f'\'{key}\' must list importable package names like "app" or "app.core", got {_show(name)}'
            )
    return names


def _neutral_kinds(value: object, where: _Where, key: str) -> tuple[str, ...]:
    kinds = _string_list(value, where, key)
    for kind in kinds:
        if kind not in NEUTRAL_KINDS:
            allowed = ", ".join(_show(neutral) for neutral in NEUTRAL_KINDS)
            raise where.error(
                f"'{key}' has {_show(kind)}, which is not a neutral kind"
                f"{_did_you_mean(kind, NEUTRAL_KINDS)}; allowed are {allowed}"
            )
    return _dedupe(kinds)


def _choice(*allowed: str) -> Callable[[object, _Where, str], str]:
    def validate(value: object, where: _Where, key: str) -> str:
        if not isinstance(value, str) or value not in allowed:
            choices = ", ".join(_show(choice) for choice in allowed)
            raise where.error(f"'{key}' must be one of {choices}, {_got(value, str)}")
        return value

    return validate


def _target_version(value: object, where: _Where, key: str) -> tuple[int, int]:
    return TARGET_VERSIONS[_choice(*TARGET_VERSIONS)(value, where, key)]


def _bool(value: object, where: _Where, key: str) -> bool:
    if not isinstance(value, bool):
        raise where.error(f"'{key}' must be true or false, {_got(value)}")
    return value


def _complexity(value: object, where: _Where, key: str) -> int:
    # bool is an int subclass: `= true` must not pass as 1.
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise where.error(f"'{key}' must be an integer of at least 1, {_got(value, int)}")
    return value


def _timeout(value: object, where: _Where, key: str) -> float:
    low, high = PARSE_TIMEOUT_RANGE
    # `not low <= value <= high` also refuses nan, which compares false with everything.
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        got = _got(value, (int, float))
        raise where.error(f"'{key}' must be a number of seconds from {low:g} to {high:g}, {got}")
    return float(value)


def _baseline_file(value: object, where: _Where, key: str) -> str:
    """A path relative to the project root that stays inside it: `layerguard baseline` writes
    there, so a checked repository must not point it at a file elsewhere (`../../.bashrc`)."""
    if not isinstance(value, str) or not value.strip() or "\0" in value:
        raise where.error(f"'{key}' must be a file path relative to the project root, {_got(value, str)}")
    if os.path.isabs(value) or Path(value).drive or ".." in Path(value.replace("\\", "/")).parts:
        raise where.error(
            f"'{key}' must be a file path inside the project, relative to its root, got {_show(value)}"
        )
    return value


def _table(value: object, where: _Where, key: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise where.error(f"'{key}' must be a table, {_got(value)}")
    return value


def _per_file_ignores(value: object, where: _Where, key: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    table = _table(value, where, key)
    inner = where.child(key)
    for pattern in table:
        if not pattern:
            raise inner.error('has an empty path glob; write a glob such as "scripts/**"')
        problem = path_glob_problem(pattern)
        if problem is not None:
            raise inner.error(f"has the path glob {_show(pattern)}: {problem}")
    return tuple((pattern, _selectors(codes, inner, pattern)) for pattern, codes in table.items())


@dataclass(frozen=True)
class _LayerOverride:
    """One `[layers.NAME]` table: the keys it sets, and where it was written."""

    name: str
    modules: tuple[str, ...] | None
    may_import: tuple[str, ...] | None
    where: _Where


def _layer_overrides(value: object, where: _Where, key: str) -> tuple[_LayerOverride, ...]:
    table = _table(value, where, key)
    return tuple(_layer_override(spec, where.child(key), name) for name, spec in table.items())


def _layer_override(value: object, where: _Where, name: str) -> _LayerOverride:
    table = _table(value, where, name)
    layer_where = where.child(name)
    _reject_unknown_keys(table, LAYER_KEYS, layer_where)
    modules = table.get("modules")
    may_import = table.get("may-import")
    return _LayerOverride(
        name=name,
        modules=None if modules is None else _module_globs(modules, layer_where, "modules"),
        may_import=None if may_import is None else _string_list(may_import, layer_where, "may-import"),
        where=layer_where,
    )


_Validator = Callable[[object, _Where, str], Any]

KEYS: dict[str, _Validator] = {
    "preset": _choice(*PRESETS),
    "packages": _package_names,
    "target-version": _target_version,
    "select": _selectors,
    "extend-select": _selectors,
    "ignore": _selectors,
    "extend-ignore": _selectors,
    "exclude": _path_globs,
    "extend-exclude": _path_globs,
    "per-file-ignores": _per_file_ignores,
    "naming": _choice("fortress", "snake", "off"),
    "naming-exempt": _string_list,
    "endpoint-max-complexity": _complexity,
    "session-providers": _string_list,
    "extend-session-providers": _string_list,
    "allow-fastapi-imports": _string_list,
    "envelope-fields": _string_list,
    "secret-fields": _string_list,
    "extend-secret-fields": _string_list,
    "secret-names": _string_list,
    "extend-secret-names": _string_list,
    "auth-dependencies": _callable_names,
    "public-routes": _path_globs,
    "extend-public-routes": _path_globs,
    "type-checking-imports": _choice("count", "ignore"),
    "wiring": _module_globs,
    "neutral-kinds": _neutral_kinds,
    "baseline": _baseline_file,
    "parse-timeout": _timeout,
    "respect-gitignore": _bool,
    "layers": _layer_overrides,
}


def _reject_unknown_keys(table: Mapping[str, object], allowed: Sequence[str], where: _Where) -> None:
    for key in table:
        if key not in allowed:
            raise where.error(
                f"unknown key '{key}'{_did_you_mean(key, allowed)}; allowed keys: {_quoted(sorted(allowed))}"
            )


def _validate(table: Mapping[str, object], where: _Where) -> dict[str, Any]:
    """Each key of the layerguard table, checked and converted; keys absent stay absent."""
    _reject_unknown_keys(table, tuple(KEYS), where)
    return {key: KEYS[key](value, where, key) for key, value in table.items()}


# --- Reading files. ---


def _read_regular_file(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a regular file (at most `limit` + 1); anything else is a ConfigError."""
    try:
        return read_regular_file(path, limit=limit)
    except NotRegularFile:
        raise ConfigError(f"{_display(path)}: is not a regular file") from None


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file parsed; any problem is a ConfigError naming the file (and line when known)."""
    shown = _display(path)
    try:
        text = _read_regular_file(path).decode("utf-8")
    except OSError as error:
        raise ConfigError(f"{shown}: cannot be read ({error.strerror or error})") from error
    except UnicodeDecodeError as error:
        raise ConfigError(f"{shown}: is not UTF-8 text, which TOML requires") from error
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(shown, str(error)) from error
    except (RecursionError, MemoryError):
        # tomllib recurses once per nested array or inline table (a table of any tool counts).
        raise ConfigError(f"{shown}: invalid TOML: arrays or inline tables nested too deeply") from None


def _toml_error(shown: str, message: str) -> ConfigError:
    """`file:line:column: invalid TOML: reason`, the position taken from tomllib's message."""
    position = _TOML_POSITION.search(message)
    if position is None:
        return ConfigError(f"{shown}: invalid TOML: {message}")
    reason = message[: position.start()]
    return ConfigError(f"{shown}:{position[1]}:{position[2]}: invalid TOML: {reason}")


def _tool_table(document: Mapping[str, Any], path: Path) -> dict[str, Any] | None:
    """`[tool.layerguard]` of a parsed pyproject.toml, or None when it has none."""
    tool = document.get("tool", {})
    section = tool.get("layerguard") if isinstance(tool, dict) else None
    if section is not None and not isinstance(section, dict):
        raise ConfigError(f"{_display(path)}: 'tool.layerguard' must be a table, {_got(section)}")
    return section


@dataclass(frozen=True)
class _Settings:
    """The raw layerguard table, the file it came from and the root's pyproject document."""

    table: dict[str, Any]
    where: _Where | None
    source: Path | None
    pyproject: dict[str, Any] | None


def _explicit_settings(config_file: Path, root: Path) -> _Settings:
    shown = _display(config_file)
    if not config_file.is_file():
        raise ConfigError(
            f"{shown}: the configuration file given with --config does not exist or is not a file"
        )
    document = read_toml(config_file)
    if config_file.name != PYPROJECT:
        # The project's own pyproject.toml (target version from `requires-python`).
        pyproject = _read_optional(root / PYPROJECT)
        return _Settings(document, _Where(shown, ""), config_file, pyproject)
    section = _tool_table(document, config_file)
    if section is None:
        raise ConfigError(
            f"{shown}: has no [{TOOL_TABLE}] table; add one or pass a layerguard.toml to --config"
        )
    return _Settings(section, _Where(shown, TOOL_TABLE), config_file, document)


def _discovered_settings(root: Path) -> _Settings:
    pyproject_path = root / PYPROJECT
    pyproject = _read_optional(pyproject_path)
    own_file = root / LAYERGUARD_TOML
    if own_file.is_file():
        return _Settings(read_toml(own_file), _Where(_display(own_file), ""), own_file, pyproject)
    section = _tool_table(pyproject, pyproject_path) if pyproject is not None else None
    if section is None:
        return _Settings({}, None, None, pyproject)
    return _Settings(section, _Where(_display(pyproject_path), TOOL_TABLE), pyproject_path, pyproject)


def _read_optional(path: Path) -> dict[str, Any] | None:
    return read_toml(path) if path.is_file() else None


# --- The public entry points. ---


def find_project_root(start: Path) -> Path:
    """The nearest directory from `start` upward holding pyproject.toml or layerguard.toml."""
    start = Path(os.path.abspath(start))
    directory = start if start.is_dir() else start.parent
    for candidate in (directory, *directory.parents):
        if (candidate / PYPROJECT).is_file() or (candidate / LAYERGUARD_TOML).is_file():
            return candidate
    return Path.cwd()


def load_config(
    paths: Sequence[Path] = (),
    *,
    rules: Sequence[RuleMeta],
    config_file: Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
) -> Config:
    """The effective configuration for a run: defaults, preset, config file and CLI merged.
    `rules`: every rule a selector may name (`layerguard.checks.ALL_METAS`)."""
    # The project root always comes from the checked paths: a shared settings file kept
    # elsewhere (`--config ~/team/layerguard.toml`) must not move the root there, where the
    # excludes and the layer globs would stop matching the project's files.
    root = find_project_root(Path(paths[0]) if paths else Path.cwd())
    if config_file is not None:
        settings = _explicit_settings(Path(os.path.abspath(config_file)), root)
    else:
        settings = _discovered_settings(root)
    return _configured(root, settings, rules, select, ignore)


def load_config_text(
    pyproject: str,
    *,
    root: Path,
    rules: Sequence[RuleMeta],
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
) -> Config:
    """The configuration a pyproject.toml holding `pyproject` at `root` gives, read from the text
    alone (projects held in memory: `Workspace.in_memory`)."""
    path = root / PYPROJECT
    try:
        document = tomllib.loads(pyproject)
    except tomllib.TOMLDecodeError as error:
        raise _toml_error(_display(path), str(error)) from error
    section = _tool_table(document, path)
    where = _Where(_display(path), TOOL_TABLE) if section is not None else None
    settings = _Settings(section or {}, where, path if section is not None else None, document)
    return _configured(root, settings, rules, select, ignore)


def _configured(
    root: Path,
    settings: _Settings,
    rules: Sequence[RuleMeta],
    select: Sequence[str] | None,
    ignore: Sequence[str] | None,
) -> Config:
    where = dataclasses.replace(settings.where, rules=tuple(rules)) if settings.where is not None else None
    values = _validate(settings.table, where) if where is not None else {}
    cli_select = _cli_selectors(select, "--select", rules)
    cli_ignore = _cli_selectors(ignore, "--ignore", rules) or ()
    return _build_config(root, settings, values, cli_select, cli_ignore)


def with_command_line_selectors(
    config: Config,
    select: Sequence[str] | str | None,
    ignore: Sequence[str] | str | None,
    *,
    rules: Sequence[RuleMeta],
) -> Config:
    """`config` with `--select` (replacing select and extend-select) and `--ignore` (added to
    ignore) applied, checked like the config's own selectors."""
    cli_select = _cli_selectors(select, "--select", rules)
    cli_ignore = _cli_selectors(ignore, "--ignore", rules) or ()
    return dataclasses.replace(
        config,
        select=config.select if cli_select is None else _dedupe(cli_select),
        ignore=_dedupe(config.ignore + cli_ignore),
    )


def _cli_selectors(
    codes: Sequence[str] | str | None, flag: str, rules: Sequence[RuleMeta]
) -> tuple[str, ...] | None:
    """Command-line codes, comma-separated or not, checked like the config's."""
    if codes is None:
        return None
    items = [codes] if isinstance(codes, str) else list(codes)
    split = [part.strip() for item in items for part in item.split(",") if part.strip()]
    where = _Where("command line", "", tuple(rules))
    return tuple(_check_selector(code, where, flag) for code in split)


def _build_config(
    root: Path,
    settings: _Settings,
    values: dict[str, Any],
    cli_select: tuple[str, ...] | None,
    cli_ignore: tuple[str, ...],
) -> Config:
    preset = values.get("preset", "fortress")
    select = values.get("select", _default("select")) + values.get("extend-select", ())
    ignore = values.get("ignore", ()) + values.get("extend-ignore", ()) + cli_ignore
    target = values.get("target-version") or _inferred_target_version(root, settings.pyproject)
    return Config(
        root=root,
        source=settings.source,
        preset=preset,
        packages=values.get("packages"),
        target_version=target,
        select=_dedupe(cli_select if cli_select is not None else select),
        ignore=_dedupe(ignore),
        exclude=_dedupe(values.get("exclude", DEFAULT_EXCLUDE) + values.get("extend-exclude", ())),
        # The rest of the default `exclude` (`Config.build_outputs`): an `exclude` that replaces
        # the default drops it too; one that names `build` excludes every `build` folder.
        build_outputs=() if "exclude" in values else _default("build_outputs"),
        per_file_ignores=values.get("per-file-ignores", ()),
        naming=values.get("naming", _default("naming")),
        naming_exempt=values.get("naming-exempt", _default("naming_exempt")),
        endpoint_max_complexity=values.get("endpoint-max-complexity", _default("endpoint_max_complexity")),
        session_providers=_dedupe(
            values.get("session-providers", _default("session_providers"))
            + values.get("extend-session-providers", ())
        ),
        allow_fastapi_imports=values.get("allow-fastapi-imports", _default("allow_fastapi_imports")),
        envelope_fields=values.get("envelope-fields", _default("envelope_fields")),
        secret_fields=_dedupe(
            values.get("secret-fields", _default("secret_fields")) + values.get("extend-secret-fields", ())
        ),
        secret_names=_dedupe(
            values.get("secret-names", _default("secret_names")) + values.get("extend-secret-names", ())
        ),
        auth_dependencies=values.get("auth-dependencies", _default("auth_dependencies")),
        public_routes=_dedupe(
            values.get("public-routes", _default("public_routes")) + values.get("extend-public-routes", ())
        ),
        type_checking_imports=values.get("type-checking-imports", _default("type_checking_imports")),
        wiring=values.get("wiring", _default("wiring")),
        neutral_kinds=values.get("neutral-kinds", _default("neutral_kinds")),
        baseline=root / values["baseline"] if "baseline" in values else None,
        parse_timeout=values.get("parse-timeout", _default("parse_timeout")),
        respect_gitignore=values.get("respect-gitignore", _default("respect_gitignore")),
        layers=_merge_layers(preset, values.get("layers", ())),
    )


def _default(field_name: str) -> Any:
    """The default of a Config field: model.py is the one place defaults are written."""
    return next(f.default for f in dataclasses.fields(Config) if f.name == field_name)


# --- Layers. ---


def _merge_layers(preset: str, overrides: Sequence[_LayerOverride]) -> tuple[Layer, ...]:
    """The preset's layers with their overrides applied, then new layers in config order."""
    layers = {layer.name: layer for layer in PRESETS[preset]}
    for override in overrides:
        old = layers.get(override.name)
        if old is not None:
            layers[override.name] = Layer(
                old.name,
                old.modules if override.modules is None else override.modules,
                old.may_import if override.may_import is None else override.may_import,
            )
        elif override.modules is not None:
            layers[override.name] = Layer(override.name, override.modules, override.may_import or ())
        else:
            raise override.where.error(_missing_modules_message(override.name, preset))
    for override in overrides:
        _check_may_import(override.may_import or (), tuple(layers), override.where)
    return tuple(layers.values())


def _missing_modules_message(name: str, preset: str) -> str:
    preset_names = ", ".join(layer.name for layer in PRESETS[preset]) or "no layers"
    return (
        f"must set 'modules' (a list of module globs such as \"app.{name}.**\"), since "
        f'"{name}" is not a layer of preset "{preset}" ({preset_names})'
    )


def _check_may_import(names: Sequence[str], layer_names: Sequence[str], where: _Where) -> None:
    for name in names:
        if name not in layer_names:
            raise where.error(
                f"'may-import' names {_show(name)}, which is not a layer"
                f"{_did_you_mean(name, layer_names)}; layers: {', '.join(layer_names) or 'none'}"
            )


# --- target-version inferred from the project's own metadata. ---


def _inferred_target_version(root: Path, pyproject: Mapping[str, Any] | None) -> tuple[int, int]:
    """requires-python, else Poetry's python, else .python-version, else py310."""
    inferred = inferred_target_version(root, pyproject)
    return inferred[0] if inferred is not None else DEFAULT_TARGET_VERSION


def inferred_target_version(
    root: Path, pyproject: Mapping[str, Any] | None
) -> tuple[tuple[int, int], str] | None:
    """The lowest Python the project's own files name, and where (for `init`'s comment):
    requires-python, else Poetry's python, else .python-version; None when none names one.

    An unreadable constraint or version file is passed over, as a missing one is; one too
    large to be a version, or a .python-version that is not a regular file, is a ConfigError."""
    for table, key, constraint in _python_constraints(pyproject or {}):
        if len(constraint) > MAX_CONSTRAINT_LENGTH:
            raise _Where(_display(root / PYPROJECT), table).error(
                f"'{key}' is {len(constraint)} characters long, more than a Python version "
                f"constraint can be (at most {MAX_CONSTRAINT_LENGTH}); shorten it, or set "
                f"target-version in [{TOOL_TABLE}]"
            )
        version = lowest_python_minor(constraint)
        if version is not None:
            named = key if table == "project" else f"[{table}] {key}"
            return version, f"{named} = {json.dumps(constraint)} in pyproject.toml"
    version_file = root / ".python-version"
    version = python_version_file(version_file)
    return (version, version_file.name) if version is not None else None


def _python_constraints(pyproject: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """(table, key, constraint) for requires-python and Poetry's python, those set."""
    project = pyproject.get("project")
    tool = pyproject.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    dependencies = poetry.get("dependencies") if isinstance(poetry, dict) else None
    candidates = [
        ("project", "requires-python", project.get("requires-python") if isinstance(project, dict) else None),
        (
            "tool.poetry.dependencies",
            "python",
            dependencies.get("python") if isinstance(dependencies, dict) else None,
        ),
    ]
    return [(table, key, value) for table, key, value in candidates if isinstance(value, str)]


_VERSION_IN_LINE = re.compile(r"(?<!\d)(\d{1,4})\.(\d{1,4})(?!\d)")


def python_version_file(path: Path) -> tuple[int, int] | None:
    """`3.12` or `3.12.1` (also `pypy3.10`, `3.13t`) from the first line of a .python-version.

    None when it is missing or names no version (pyenv's `system`); a ConfigError when it is
    not a regular file, cannot be read or is larger than a version file can be."""
    shown = _display(path)
    try:
        data = _read_regular_file(path, MAX_VERSION_FILE_BYTES)
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as error:
        raise ConfigError(f"{shown}: cannot be read ({error.strerror or error})") from error
    if len(data) > MAX_VERSION_FILE_BYTES:
        raise ConfigError(
            f"{shown}: is larger than {MAX_VERSION_FILE_BYTES // 1024} KiB; it should name a Python "
            "version such as 3.12"
        )
    lines = data.decode("utf-8", "replace").splitlines()
    first = next((line.strip() for line in lines if line.strip()), "")
    match = _VERSION_IN_LINE.search(first)
    return (int(match[1]), int(match[2])) if match else None


_OPERATORS = r"===|~=|==|!=|<=|>=|<|>|\^|~|="
_OPERATOR_SPACE = re.compile(rf"({_OPERATORS})\s+")
# A release with an optional wildcard or pre-, post- or dev-release suffix (`3.10.0rc1`).
_CLAUSE = re.compile(
    rf"({_OPERATORS})?v?(\d+(?:\.\d+)*)(\.\*)?(?:[-_.]?(?:a|b|c|rc|alpha|beta|pre|preview|post|dev)\d*)*"
)
_LOWER_BOUND_OPS = frozenset({"===", "~=", "==", "=", ">=", ">", "^", "~", ""})
_HIGHEST_MINOR_TRIED = 99


@dataclass(frozen=True)
class _Clause:
    op: str
    release: tuple[int, ...]
    wildcard: bool


def lowest_python_minor(constraint: str) -> tuple[int, int] | None:
    """The lowest `(3, minor)` some version of which satisfies a PEP 440 or Poetry constraint.

    None when the constraint sets no lower bound or cannot be read. Poetry's `||`
    alternatives, `^` and `~`, and space- or comma-separated clauses are understood.
    """
    candidates = [_lowest_minor(alternative) for alternative in constraint.split("||")]
    found = [candidate for candidate in candidates if candidate is not None]
    return min(found) if found else None


def _lowest_minor(constraint: str) -> tuple[int, int] | None:
    clauses = _parse_clauses(constraint)
    if not clauses or not any(clause.op in _LOWER_BOUND_OPS for clause in clauses):
        return None
    for minor in range(_HIGHEST_MINOR_TRIED + 1):
        if all(_series_allows(clause, minor) for clause in clauses):
            return (3, minor)
    return None


def _parse_clauses(constraint: str) -> list[_Clause] | None:
    """The clauses of one alternative, or None when any part is not a version clause."""
    joined = _OPERATOR_SPACE.sub(r"\1", constraint.strip())
    tokens = [token for token in re.split(r"[\s,]+", joined) if token and token != "*"]
    matches = [_CLAUSE.fullmatch(token) for token in tokens]
    if any(match is None for match in matches):
        return None
    return [
        _Clause(match[1] or "", tuple(int(part) for part in match[2].split(".")), bool(match[3]))
        for match in matches
        if match is not None
    ]


def _series_allows(clause: _Clause, minor: int) -> bool:
    """Whether some release 3.minor.* satisfies the clause."""
    series = (3, minor)
    release = clause.release
    head = (*release, 0, 0)[:2]
    op = clause.op
    if op in (">=", ">"):
        return series >= head
    if op == "<":
        return (3, minor, 0) < _padded(release, 3)
    if op == "<=":
        return (3, minor, 0) <= _padded(release, 3)
    if op == "!=":
        return not (clause.wildcard and release[:2] == series and len(release) <= 2)
    if op in ("==", "===", "=", ""):
        return release[:2] == series if len(release) >= 2 else release[0] == 3
    if op == "~=":
        return series >= head and release[:-1] == series[: len(release) - 1]
    if op == "^":
        return series >= head and release[0] == 3
    # Poetry's `~3.11` allows 3.11.*; `~3` allows 3.*.
    return series >= head and (len(release) < 2 or series == head)


def _padded(release: tuple[int, ...], length: int) -> tuple[int, ...]:
    return (release + (0,) * length)[:length]


# --- Rule selection and per-file ignores. ---


def is_rule_enabled(config: Config, meta: RuleMeta) -> bool:
    """Whether a rule runs, by ruff's rule: the longest matching selector decides, ignore wins ties.

    An opt-in rule is selected only by its exact code. LG000 (internal-error) and LG001
    (parse-error) are always enabled, unless `ignore` names them by their exact code.
    """
    code = meta.code
    if code in ALWAYS_ON_CODES:
        return code not in config.ignore
    if not setting_is_set(config, meta):
        return False
    selected = _longest_match(config.select, code, exact=meta.opt_in)
    if selected is None:
        return False
    ignored = _longest_match(config.ignore, code, exact=False)
    return ignored is None or selected > ignored


def setting_is_set(config: Config, meta: RuleMeta) -> bool:
    """The setting a rule needs (`RuleMeta.requires_setting`) has a value, or it needs none."""
    key = meta.requires_setting
    return not key or bool(getattr(config, key.replace("-", "_")))


def _longest_match(selectors: Iterable[str], code: str, *, exact: bool) -> int | None:
    lengths = [
        len(selector) for selector in selectors if (selector == code if exact else code.startswith(selector))
    ]
    return max(lengths, default=None)


def per_file_ignored_codes(config: Config, relative_posix_path: str) -> tuple[str, ...]:
    """Codes and prefixes that `per-file-ignores` suppresses in this file, in config order."""
    codes = (
        code
        for pattern, pattern_codes in config.per_file_ignores
        if path_glob_matches(pattern, relative_posix_path)
        for code in pattern_codes
    )
    return _dedupe(codes)
