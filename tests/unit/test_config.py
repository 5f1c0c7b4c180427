"""Config loading: discovery, precedence, merging, strict validation, rule selection."""

from __future__ import annotations

from pathlib import Path

import pytest

from layerguard.api import load_config
from layerguard.config import (
    DEFAULT_EXCLUDE,
    ConfigError,
    find_project_root,
    is_rule_enabled,
    lowest_python_minor,
    per_file_ignored_codes,
)
from layerguard.model import Config, Layer, RuleMeta, Severity
from layerguard.presets import FORTRESS_LAYERS


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Error messages show paths relative to the current directory.
    monkeypatch.chdir(tmp_path)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_pyproject(tmp_path: Path, body: str, header: str = "") -> Config:
    write(tmp_path / "pyproject.toml", f"{header}\n[tool.layerguard]\n{body}\n")
    return load_config([tmp_path])


def config_error(tmp_path: Path, body: str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_pyproject(tmp_path, body)
    return str(caught.value)


# --- Project root. ---


def test_root_is_nearest_directory_with_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    source = write(tmp_path / "src" / "app" / "main.py", "")
    assert find_project_root(source) == tmp_path
    assert find_project_root(source.parent) == tmp_path


def test_root_is_found_by_layerguard_toml_too(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "")
    write(tmp_path / "backend" / "layerguard.toml", "")
    source = write(tmp_path / "backend" / "app" / "main.py", "")
    assert find_project_root(source) == tmp_path / "backend"


def test_root_falls_back_to_current_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    if any((d / "pyproject.toml").exists() for d in (tmp_path, *tmp_path.parents)):
        pytest.skip("a pyproject.toml above the temporary directory")
    assert find_project_root(tmp_path / "nothing.py") == Path.cwd()


def test_root_from_first_path(tmp_path: Path) -> None:
    write(tmp_path / "proj" / "pyproject.toml", "")
    config = load_config([tmp_path / "proj" / "app"])
    assert config.root == tmp_path / "proj"


# --- Defaults and presets. ---


def test_defaults_without_any_config(tmp_path: Path) -> None:
    config = load_config([tmp_path])
    assert config.source is None
    assert config.root == tmp_path
    assert config.select == ("LG",)
    assert config.ignore == ()
    assert config.exclude == DEFAULT_EXCLUDE
    assert config.layers == FORTRESS_LAYERS
    assert config.target_version == (3, 10)
    assert config.packages is None
    assert config.parse_timeout == 10.0
    assert config.respect_gitignore is True


def test_pyproject_without_layerguard_table_gives_defaults(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    config = load_config([tmp_path])
    assert config.source is None
    assert config.layers == FORTRESS_LAYERS


def test_default_exclude_is_spec_list(tmp_path: Path) -> None:
    # SPEC's `build` and `dist` are build-output folders (issue 13): skipped unless they are
    # packages, so they live in `build_outputs`, not among the plain globs.
    assert DEFAULT_EXCLUDE == (
        "**/migrations/**",
        "**/alembic/**",
        "**/tests/**",
        "**/test_*.py",
        ".venv",
        "venv",
    )
    assert load_config([tmp_path]).build_outputs == ("build", "dist")


def test_fortress_preset_is_spec_table() -> None:
    assert [layer.name for layer in FORTRESS_LAYERS] == [
        "endpoint",
        "service",
        "repository",
        "schema",
        "model",
    ]
    by_name = {layer.name: layer for layer in FORTRESS_LAYERS}
    assert by_name["endpoint"].modules == (
        "**.api.**",
        "**.endpoints.**",
        "**.routes.**",
        "**.routers.**",
        "**.router",
        "**.controllers.**",
    )
    assert by_name["endpoint"].may_import == ("service", "schema")
    assert by_name["service"].may_import == ("repository", "schema", "model")
    assert by_name["repository"].modules == (
        "**.repositories.**",
        "**.repository",
        "**.repos.**",
        "**.crud.**",
    )
    assert by_name["repository"].may_import == ("schema", "model")
    assert by_name["schema"].may_import == ("model",)
    assert by_name["model"].modules == ("**.models.**", "**.model")
    assert by_name["model"].may_import == ()


def test_preset_none_has_no_layers(tmp_path: Path) -> None:
    assert load_pyproject(tmp_path, 'preset = "none"').layers == ()


def test_every_setting_is_read(tmp_path: Path) -> None:
    config = load_pyproject(
        tmp_path,
        """
packages = ["app", "app.core"]
target-version = "py313"
select = ["LG1"]
ignore = ["LG102"]
exclude = ["scripts/**"]
naming = "snake"
naming-exempt = ["__init__"]
endpoint-max-complexity = 5
session-providers = ["db"]
allow-fastapi-imports = ["Depends", "Query"]
envelope-fields = ["status", "payload"]
secret-fields = ["token"]
type-checking-imports = "ignore"
wiring = ["app.wiring"]
parse-timeout = 2.5
respect-gitignore = false

[tool.layerguard.per-file-ignores]
"app/legacy/**" = ["LG4"]
"__init__.py" = ["LG101", "LG102"]
""",
    )
    assert config.source == tmp_path / "pyproject.toml"
    assert config.packages == ("app", "app.core")
    assert config.target_version == (3, 13)
    assert config.select == ("LG1",)
    assert config.ignore == ("LG102",)
    assert config.exclude == ("scripts/**",)
    assert config.naming == "snake"
    assert config.naming_exempt == ("__init__",)
    assert config.endpoint_max_complexity == 5
    assert config.session_providers == ("db",)
    assert config.allow_fastapi_imports == ("Depends", "Query")
    assert config.envelope_fields == ("status", "payload")
    assert config.secret_fields == ("token",)
    assert config.type_checking_imports == "ignore"
    assert config.wiring == ("app.wiring",)
    assert config.parse_timeout == 2.5
    assert config.respect_gitignore is False
    assert config.per_file_ignores == (
        ("app/legacy/**", ("LG4",)),
        ("__init__.py", ("LG101", "LG102")),
    )


def test_integer_parse_timeout_becomes_float(tmp_path: Path) -> None:
    config = load_pyproject(tmp_path, "parse-timeout = 3")
    assert config.parse_timeout == 3.0
    assert isinstance(config.parse_timeout, float)


def test_config_is_all_tuples(tmp_path: Path) -> None:
    config = load_pyproject(tmp_path, 'select = ["LG1"]\n[tool.layerguard.per-file-ignores]\n"x" = ["LG1"]')
    for value in (config.select, config.exclude, config.per_file_ignores, config.layers):
        assert isinstance(value, tuple)
    assert all(isinstance(codes, tuple) for _, codes in config.per_file_ignores)
    assert all(isinstance(layer.modules, tuple) for layer in config.layers)


# --- Layers. ---


def test_preset_layer_override_keeps_unset_keys(tmp_path: Path) -> None:
    config = load_pyproject(
        tmp_path,
        """
[tool.layerguard.layers.endpoint]
modules = ["app.api.**"]
[tool.layerguard.layers.model]
may-import = ["schema"]
""",
    )
    assert config.layer("endpoint") == Layer("endpoint", ("app.api.**",), ("service", "schema"))
    assert config.layer("model") == Layer("model", ("**.models.**", "**.model"), ("schema",))
    assert [layer.name for layer in config.layers] == [
        "endpoint",
        "service",
        "repository",
        "schema",
        "model",
    ]


def test_new_layers_are_appended_in_config_order(tmp_path: Path) -> None:
    config = load_pyproject(
        tmp_path,
        """
[tool.layerguard.layers.zeta]
modules = ["app.zeta.**"]
may-import = ["alpha", "model"]
[tool.layerguard.layers.service]
may-import = ["zeta"]
[tool.layerguard.layers.alpha]
modules = ["app.alpha.**"]
""",
    )
    assert [layer.name for layer in config.layers] == [
        "endpoint",
        "service",
        "repository",
        "schema",
        "model",
        "zeta",
        "alpha",
    ]
    assert config.layer("zeta") == Layer("zeta", ("app.zeta.**",), ("alpha", "model"))
    assert config.layer("alpha") == Layer("alpha", ("app.alpha.**",), ())
    assert config.layer("service") is not None
    assert config.layer("service").may_import == ("zeta",)  # type: ignore[union-attr]


def test_preset_none_with_own_layers(tmp_path: Path) -> None:
    config = load_pyproject(
        tmp_path,
        """
preset = "none"
[tool.layerguard.layers.cli]
modules = ["layerguard.cli"]
may-import = ["core"]
[tool.layerguard.layers."core layer"]
modules = ["layerguard.model"]
[tool.layerguard.layers.core]
modules = ["layerguard.config"]
""",
    )
    assert [layer.name for layer in config.layers] == ["cli", "core layer", "core"]


def test_layerguard_toml_layers_at_top_level(tmp_path: Path) -> None:
    write(
        tmp_path / "layerguard.toml",
        'preset = "none"\n[layers.top]\nmodules = ["a.**"]\nmay-import = ["bottom"]\n'
        '[layers.bottom]\nmodules = ["b.**"]\n',
    )
    config = load_config([tmp_path])
    assert config.layers == (Layer("top", ("a.**",), ("bottom",)), Layer("bottom", ("b.**",), ()))


# --- extend- twins and the command line. ---


def test_list_keys_replace_and_extend_keys_add(tmp_path: Path) -> None:
    config = load_pyproject(
        tmp_path,
        """
extend-select = ["LG401"]
extend-ignore = ["LG102"]
extend-exclude = ["scripts/**"]
extend-session-providers = ["get_tenant_db"]
extend-secret-fields = ["refresh_token", "api_key"]
""",
    )
    assert config.secret_fields[-3:] == ("otp_secret", "refresh_token", "api_key")
    assert config.select == ("LG", "LG401")
    assert config.ignore == ("LG102",)
    assert config.exclude == (*DEFAULT_EXCLUDE, "scripts/**")
    assert config.session_providers == (
        "get_db",
        "get_session",
        "get_async_session",
        "get_db_session",
        "get_tenant_db",
    )


def test_replace_and_extend_combine(tmp_path: Path) -> None:
    config = load_pyproject(
        tmp_path,
        """
select = ["LG1"]
extend-select = ["LG4"]
ignore = ["LG101"]
extend-ignore = ["LG102"]
exclude = ["gen"]
extend-exclude = ["scripts/**"]
session-providers = ["db"]
extend-session-providers = ["db2"]
secret-fields = ["token"]
extend-secret-fields = ["api_key"]
""",
    )
    assert config.secret_fields == ("token", "api_key")
    assert config.select == ("LG1", "LG4")
    assert config.ignore == ("LG101", "LG102")
    assert config.exclude == ("gen", "scripts/**")
    assert config.session_providers == ("db", "db2")


def test_cli_select_replaces_and_cli_ignore_adds(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[tool.layerguard]\nselect = ["LG1"]\nextend-select = ["LG4"]\nignore = ["LG102"]\n',
    )
    config = load_config([tmp_path], select=["LG401"], ignore=["LG101"])
    assert config.select == ("LG401",)
    assert config.ignore == ("LG102", "LG101")


def test_cli_codes_may_be_comma_separated(tmp_path: Path) -> None:
    config = load_config([tmp_path], select=["LG101,LG102", " LG4 "], ignore="LG401,")
    assert config.select == ("LG101", "LG102", "LG4")
    assert config.ignore == ("LG401",)


def test_cli_bad_code_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'--select' has unknown rule code or prefix \"LG999\""):
        load_config([tmp_path], select=["LG999"])
    with pytest.raises(ConfigError, match=r"'--ignore' has \"lg1\", but rule codes are upper-case"):
        load_config([tmp_path], ignore=["lg1"])


# --- Which file the settings come from. ---


def test_layerguard_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.layerguard]\nnaming = "off"\n')
    write(tmp_path / "layerguard.toml", 'naming = "snake"\n')
    config = load_config([tmp_path])
    assert config.naming == "snake"
    assert config.source == tmp_path / "layerguard.toml"


def test_layerguard_toml_still_takes_requires_python_from_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nrequires-python = ">=3.12"\n')
    write(tmp_path / "layerguard.toml", 'naming = "snake"\n')
    assert load_config([tmp_path]).target_version == (3, 12)


def test_explicit_config_file_other_name_is_top_level(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.layerguard]\nnaming = "off"\n')
    chosen = write(tmp_path / "ci" / "strict.toml", 'naming = "snake"\n')
    config = load_config([tmp_path], config_file=chosen)
    assert config.naming == "snake"
    assert config.source == chosen
    assert config.root == tmp_path  # from the checked path, not the settings file (issue 14)


def test_explicit_pyproject_reads_tool_table(tmp_path: Path) -> None:
    chosen = write(tmp_path / "other" / "pyproject.toml", '[tool.layerguard]\nnaming = "off"\n')
    write(tmp_path / "layerguard.toml", 'naming = "snake"\n')
    config = load_config([tmp_path], config_file=chosen)
    assert config.naming == "off"
    assert config.root == tmp_path  # from the checked path, not the settings file (issue 14)


def test_explicit_relative_config_file(tmp_path: Path) -> None:
    write(tmp_path / "lg.toml", 'naming = "off"\n')
    config = load_config(config_file=Path("lg.toml"))
    assert config.source == tmp_path / "lg.toml"
    assert config.root == tmp_path


def test_missing_config_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"^nope\.toml: the configuration file given with --config does not exist"
    ):
        load_config(config_file=tmp_path / "nope.toml")


def test_explicit_pyproject_without_table_is_an_error(tmp_path: Path) -> None:
    chosen = write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    with pytest.raises(ConfigError, match=r"^pyproject\.toml: has no \[tool\.layerguard\] table"):
        load_config(config_file=chosen)


# --- target-version. ---


@pytest.mark.parametrize(
    ("constraint", "expected"),
    [
        (">=3.11", (3, 11)),
        (">= 3.11", (3, 11)),
        (">=3.10,<4", (3, 10)),
        ("<4,>=3.10", (3, 10)),
        (">=3.10, <4.0", (3, 10)),
        ("~=3.12", (3, 12)),
        ("~=3.12.1", (3, 12)),
        ("^3.11", (3, 11)),
        ("~3.11", (3, 11)),
        ("==3.12.*", (3, 12)),
        ("==3.12", (3, 12)),
        ("3.11.*", (3, 11)),
        ("3.11", (3, 11)),
        (">3.10", (3, 10)),
        (">=3.10.2", (3, 10)),
        (">=3.10.0rc1", (3, 10)),
        (">=3.8", (3, 8)),
        (">=2.7", (3, 0)),
        (">=3.9,!=3.9.*", (3, 10)),
        (">=3.9,!=3.9.1", (3, 9)),
        (">=3.10 <4", (3, 10)),
        (">=3.12 || >=3.10,<3.11", (3, 10)),
        ("^2.7", None),
        ("<3.12", None),
        ("*", None),
        ("", None),
        ("not a version", None),
        (">=3.12,<3.11", None),
    ],
)
def test_lowest_python_minor(constraint: str, expected: tuple[int, int] | None) -> None:
    assert lowest_python_minor(constraint) == expected


PEP440_SPECIFIERS = [
    ">=3.11",
    ">=3.10,<4",
    "~=3.12",
    "~=3.12.1",
    "==3.12.*",
    ">3.10",
    ">=3.10.2",
    ">=3.8",
    ">=3.9,!=3.9.*",
    ">=3.9,!=3.9.1",
    ">=3.10,<3.10",
    "!=3.10.*,>=3.10,<3.13",
]


@pytest.mark.parametrize("specifier", PEP440_SPECIFIERS)
def test_lowest_python_minor_agrees_with_packaging(specifier: str) -> None:
    specifiers = pytest.importorskip("packaging.specifiers")
    spec = specifiers.SpecifierSet(specifier)
    patches = range(30)
    expected = next(
        ((3, minor) for minor in range(30) if any(spec.contains(f"3.{minor}.{patch}") for patch in patches)),
        None,
    )
    assert lowest_python_minor(specifier) == expected


def test_target_version_from_requires_python(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nrequires-python = ">=3.12,<4"\n')
    assert load_config([tmp_path]).target_version == (3, 12)


def test_target_version_below_310_is_kept(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nrequires-python = ">=3.8"\n')
    assert load_config([tmp_path]).target_version == (3, 8)


def test_target_version_from_poetry(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.poetry.dependencies]\npython = "^3.11"\n')
    assert load_config([tmp_path]).target_version == (3, 11)


def test_requires_python_wins_over_poetry(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nrequires-python = ">=3.13"\n[tool.poetry.dependencies]\npython = "^3.11"\n',
    )
    assert load_config([tmp_path]).target_version == (3, 13)


def test_unbounded_requires_python_falls_through_to_poetry(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        '[project]\nrequires-python = "<4"\n[tool.poetry.dependencies]\npython = "^3.11"\n',
    )
    assert load_config([tmp_path]).target_version == (3, 11)


@pytest.mark.parametrize(
    ("content", "expected"),
    [("3.12\n", (3, 12)), ("3.12.1\n", (3, 12)), ("\n3.13t\n", (3, 13)), ("pypy3.10\n", (3, 10))],
)
def test_target_version_from_python_version_file(
    tmp_path: Path, content: str, expected: tuple[int, int]
) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    write(tmp_path / ".python-version", content)
    assert load_config([tmp_path]).target_version == expected


def test_python_version_file_without_version_falls_back(tmp_path: Path) -> None:
    write(tmp_path / ".python-version", "system\n")
    assert load_config([tmp_path]).target_version == (3, 10)


@pytest.mark.parametrize("content", ["3." + "1" * 5000 + "\n", "\xff\xfe\n", "3.12345\n"])
def test_python_version_file_with_no_readable_version_falls_back(tmp_path: Path, content: str) -> None:
    (tmp_path / ".python-version").write_bytes(content.encode("latin-1"))
    assert load_config([tmp_path]).target_version == (3, 10)


def test_python_version_file_too_large_is_an_error(tmp_path: Path) -> None:
    write(tmp_path / ".python-version", "3.12\n" + "#" * 70_000)
    with pytest.raises(ConfigError, match=r"^\.python-version: is larger than 64 KiB"):
        load_config([tmp_path])


def test_python_version_directory_is_an_error(tmp_path: Path) -> None:
    (tmp_path / ".python-version").mkdir()
    with pytest.raises(ConfigError, match=r"^\.python-version: is not a regular file$"):
        load_config([tmp_path])


def test_requires_python_of_1000_characters_is_still_read(tmp_path: Path) -> None:
    constraint = ">=3.12," + ",".join(["!=3.9.1"] * 124)
    assert len(constraint) <= 1000
    write(tmp_path / "pyproject.toml", f'[project]\nrequires-python = "{constraint}"\n')
    assert load_config([tmp_path]).target_version == (3, 12)


def test_explicit_target_version_wins(tmp_path: Path) -> None:
    config = load_pyproject(
        tmp_path, 'target-version = "py314"', header='[project]\nrequires-python = ">=3.11"'
    )
    assert config.target_version == (3, 14)


# --- Errors: every one names the file and the key. ---


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ('selectt = ["LG1"]', ["unknown key 'selectt'", "did you mean 'select'?", "allowed keys:"]),
        ('target_version = "py311"', ["unknown key 'target_version'", "'target-version'"]),
        ('select = "LG1"', ["'select' must be a list", 'got a string "LG1"']),
        ("select = [1]", ["'select' must be a list"]),
        ('select = ["LG999"]', ["'select' has unknown rule code or prefix \"LG999\"", '"LG1"']),
        ('select = ["lg1"]', ["'select' has \"lg1\"", 'upper-case: write "LG1"']),
        ('select = ["L"]', ["'select' has unknown rule code or prefix \"L\""]),
        ('select = [""]', ["'select' must be a list of non-empty strings"]),
        ('extend-select = ["LG99"]', ["'extend-select'", '"LG99"']),
        ('ignore = ["X100"]', ["'ignore'", '"X100"']),
        ('extend-ignore = ["lg101"]', ["'extend-ignore'", '"LG101"']),
        ('select = ["upward-import"]', ['rule name "upward-import"', 'code "LG101"']),
        ('naming = "camel"', ['\'naming\' must be one of "fortress", "snake", "off", got "camel"']),
        ("naming = 1", ["'naming' must be one of", "got an integer 1"]),
        ('preset = "strict"', ['\'preset\' must be one of "fortress", "none"']),
        ('type-checking-imports = "skip"', ['\'type-checking-imports\' must be one of "count", "ignore"']),
        ('target-version = "py39"', ["'target-version' must be one of \"py310\"", '"py314"', 'got "py39"']),
        ('target-version = "py315"', ["'target-version'"]),
        ("target-version = 3.11", ["'target-version'", "got a float 3.11"]),
        (
            "endpoint-max-complexity = 0",
            ["'endpoint-max-complexity' must be an integer of at least 1, got 0"],
        ),
        ("endpoint-max-complexity = true", ["'endpoint-max-complexity'", "got a boolean true"]),
        ('endpoint-max-complexity = "3"', ["'endpoint-max-complexity'", 'got a string "3"']),
        ("endpoint-max-complexity = 2.5", ["'endpoint-max-complexity'", "got a float 2.5"]),
        ("parse-timeout = 0", ["'parse-timeout' must be a number of seconds from 1 to 3600, got 0"]),
        ("parse-timeout = 0.5", ["'parse-timeout'", "got 0.5"]),
        ("parse-timeout = 3601", ["'parse-timeout'", "got 3601"]),
        ("parse-timeout = inf", ["'parse-timeout'", "got inf"]),
        ('extend-exclude = ["a/[z-a]"]', ["'extend-exclude' has \"a/[z-a]\": bad character range z-a"]),
        ('wiring = ["app.[b-a]x"]', ["'wiring' has \"app.[b-a]x\": bad character range b-a"]),
        ("parse-timeout = -1.5", ["'parse-timeout'", "got -1.5"]),
        ("parse-timeout = false", ["'parse-timeout'", "got a boolean false"]),
        ("parse-timeout = nan", ["'parse-timeout'"]),
        ('respect-gitignore = "yes"', ["'respect-gitignore' must be true or false", 'got a string "yes"']),
        ('exclude = "build"', ["'exclude' must be a list"]),
        ('extend-exclude = ["ok", 2]', ["'extend-exclude' must be a list"]),
        ('session-providers = "get_db"', ["'session-providers' must be a list"]),
        ("extend-session-providers = [true]", ["'extend-session-providers' must be a list"]),
        ('allow-fastapi-imports = "Depends"', ["'allow-fastapi-imports' must be a list"]),
        ("envelope-fields = {}", ["'envelope-fields' must be a list", "got a table"]),
        ('secret-fields = "password"', ["'secret-fields' must be a list"]),
        ('naming-exempt = "base"', ["'naming-exempt' must be a list"]),
        ('wiring = "**.deps"', ["'wiring' must be a list"]),
        ('wiring = ["app/deps.py"]', ["'wiring' has \"app/deps.py\"", "dotted names"]),
        ('packages = "app"', ["'packages' must be a list"]),
        ('packages = ["src/app"]', ["'packages' must list importable package names", '"src/app"']),
        ('per-file-ignores = ["x"]', ["'per-file-ignores' must be a table"]),
        ('layers = ["x"]', ["'layers' must be a table"]),
    ],
)
def test_pyproject_errors_name_file_and_key(tmp_path: Path, body: str, fragments: list[str]) -> None:
    message = config_error(tmp_path, body)
    assert message.startswith("pyproject.toml: [tool.layerguard] "), message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize(
    ("body", "table", "fragments"),
    [
        (
            '[tool.layerguard.per-file-ignores]\n"app/*.py" = "LG1"',
            "[tool.layerguard.per-file-ignores]",
            ["'app/*.py' must be a list", 'got a string "LG1"'],
        ),
        (
            '[tool.layerguard.per-file-ignores]\n"app/*.py" = ["LG999"]',
            "[tool.layerguard.per-file-ignores]",
            ["'app/*.py' has unknown rule code or prefix \"LG999\""],
        ),
        (
            '[tool.layerguard.per-file-ignores]\n"app/*.py" = ["lg101"]',
            "[tool.layerguard.per-file-ignores]",
            ['write "LG101"'],
        ),
        (
            '[tool.layerguard.per-file-ignores]\n"" = ["LG1"]',
            "[tool.layerguard.per-file-ignores]",
            ["empty path glob"],
        ),
        (
            "[tool.layerguard.layers]\nendpoint = 1",
            "[tool.layerguard.layers]",
            ["'endpoint' must be a table", "got an integer 1"],
        ),
        (
            '[tool.layerguard.layers.endpoint]\nmodulez = ["x"]',
            "[tool.layerguard.layers.endpoint]",
            ["unknown key 'modulez'", "did you mean 'modules'?", "'may-import', 'modules'"],
        ),
        (
            '[tool.layerguard.layers.endpoint]\nmay_import = ["service"]',
            "[tool.layerguard.layers.endpoint]",
            ["unknown key 'may_import'", "did you mean 'may-import'?"],
        ),
        (
            '[tool.layerguard.layers.endpoint]\nmodules = "app.api.**"',
            "[tool.layerguard.layers.endpoint]",
            ["'modules' must be a list"],
        ),
        (
            '[tool.layerguard.layers.endpoint]\nmodules = ["app/api/**"]',
            "[tool.layerguard.layers.endpoint]",
            ["'modules' has \"app/api/**\"", "dotted names"],
        ),
        (
            '[tool.layerguard.layers.endpoint]\nmay-import = "service"',
            "[tool.layerguard.layers.endpoint]",
            ["'may-import' must be a list"],
        ),
        (
            '[tool.layerguard.layers.service]\nmay-import = ["repositry"]',
            "[tool.layerguard.layers.service]",
            [
                "'may-import' names \"repositry\", which is not a layer",
                "did you mean 'repository'?",
                "layers: endpoint, service, repository, schema, model",
            ],
        ),
        (
            '[tool.layerguard.layers.domain]\nmay-import = ["model"]',
            "[tool.layerguard.layers.domain]",
            ["must set 'modules'", '"domain" is not a layer of preset "fortress"'],
        ),
        (
            'preset = "none"\n[tool.layerguard.layers.endpoint]\nmay-import = []',
            "[tool.layerguard.layers.endpoint]",
            ["must set 'modules'", 'preset "none" (no layers)'],
        ),
        (
            '[tool.layerguard.layers."my layer"]\nmodules = ["a.**"]\nmay-import = ["nope"]',
            '[tool.layerguard.layers."my layer"]',
            ["'may-import' names \"nope\""],
        ),
    ],
)
def test_nested_table_errors_name_the_table(
    tmp_path: Path, body: str, table: str, fragments: list[str]
) -> None:
    message = config_error(tmp_path, body)
    assert message.startswith(f"pyproject.toml: {table} "), message
    for fragment in fragments:
        assert fragment in message, message


def test_layerguard_toml_errors_name_that_file(tmp_path: Path) -> None:
    write(tmp_path / "layerguard.toml", 'naming = "camel"\n')
    with pytest.raises(ConfigError) as caught:
        load_config([tmp_path])
    assert str(caught.value) == (
        'layerguard.toml: \'naming\' must be one of "fortress", "snake", "off", got "camel"'
    )


def test_layerguard_toml_layer_error(tmp_path: Path) -> None:
    write(tmp_path / "layerguard.toml", '[layers.endpoint]\nmodules = ["a"]\nextra = 1\n')
    with pytest.raises(ConfigError, match=r"^layerguard\.toml: \[layers\.endpoint\] unknown key 'extra'"):
        load_config([tmp_path])


def test_tool_layerguard_not_a_table(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool]\nlayerguard = 1\n")
    with pytest.raises(ConfigError, match=r"^pyproject\.toml: 'tool\.layerguard' must be a table"):
        load_config([tmp_path])


def test_invalid_toml_names_file_line_and_column(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n[tool.layerguard\n')
    with pytest.raises(ConfigError) as caught:
        load_config([tmp_path])
    assert str(caught.value).startswith("pyproject.toml:3:17: invalid TOML: ")


def test_invalid_layerguard_toml(tmp_path: Path) -> None:
    write(tmp_path / "layerguard.toml", "naming = \n")
    with pytest.raises(ConfigError, match=r"^layerguard\.toml:1:\d+: invalid TOML: "):
        load_config([tmp_path])


def test_non_utf8_config(tmp_path: Path) -> None:
    (tmp_path / "layerguard.toml").write_bytes(b'naming = "\xff"\n')
    with pytest.raises(ConfigError, match=r"^layerguard\.toml: is not UTF-8"):
        load_config([tmp_path])


def test_error_path_is_shown_relative_to_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path / "proj" / "layerguard.toml", "bogus = 1\n")
    with pytest.raises(ConfigError, match=r"^proj/layerguard\.toml: unknown key 'bogus'"):
        load_config([tmp_path / "proj"])


# --- Rule selection. ---


def meta(code: str, *, opt_in: bool = False) -> RuleMeta:
    return RuleMeta(code, f"rule-{code.lower()}", Severity.ERROR, "summary", opt_in=opt_in)


def enabled(
    code: str, select: tuple[str, ...], ignore: tuple[str, ...] = (), *, opt_in: bool = False
) -> bool:
    config = Config(root=Path("."), select=select, ignore=ignore)
    return is_rule_enabled(config, meta(code, opt_in=opt_in))


@pytest.mark.parametrize(
    ("code", "select", "ignore", "expected"),
    [
        ("LG101", ("LG",), (), True),
        ("LG101", ("LG1",), (), True),
        ("LG101", ("LG101",), (), True),
        ("LG101", ("LG4",), (), False),
        ("LG101", (), (), False),
        # The longer selector decides, whichever list it is in.
        ("LG101", ("LG",), ("LG1",), False),
        ("LG101", ("LG101",), ("LG1",), True),
        ("LG102", ("LG101",), ("LG1",), False),
        ("LG101", ("LG1",), ("LG",), True),
        ("LG101", ("LG10",), ("LG1",), True),
        # On a tie, ignore wins.
        ("LG101", ("LG1",), ("LG1",), False),
        ("LG101", ("LG101",), ("LG101",), False),
    ],
)
def test_is_rule_enabled(code: str, select: tuple[str, ...], ignore: tuple[str, ...], expected: bool) -> None:
    assert enabled(code, select, ignore) is expected


@pytest.mark.parametrize(
    ("select", "ignore", "expected"),
    [
        (("LG",), (), False),
        (("LG8",), (), False),
        (("LG80",), (), False),
        (("LG805",), (), True),
        (("LG", "LG805"), (), True),
        (("LG805",), ("LG8",), True),
        (("LG805",), ("LG805",), False),
    ],
)
def test_opt_in_rule_needs_its_exact_code(
    select: tuple[str, ...], ignore: tuple[str, ...], expected: bool
) -> None:
    assert enabled("LG805", select, ignore, opt_in=True) is expected


@pytest.mark.parametrize("code", ["LG000", "LG001"])
def test_pipeline_codes_are_always_on_unless_ignored_exactly(code: str) -> None:
    assert enabled(code, ("LG4",))
    assert enabled(code, ())
    assert enabled(code, ("LG",), ("LG",))
    assert enabled(code, ("LG",), ("LG0",))
    assert enabled(code, ("LG",), ("LG00",))
    assert not enabled(code, ("LG",), (code,))


def test_is_rule_enabled_from_loaded_config(tmp_path: Path) -> None:
    config = load_pyproject(tmp_path, 'extend-ignore = ["LG1"]\nextend-select = ["LG101"]')
    assert is_rule_enabled(config, meta("LG101"))
    assert not is_rule_enabled(config, meta("LG102"))
    assert is_rule_enabled(config, meta("LG401"))


# --- Per-file ignores. ---


def test_per_file_ignored_codes(tmp_path: Path) -> None:
    config = load_pyproject(
        tmp_path,
        """
[tool.layerguard.per-file-ignores]
"__init__.py" = ["LG101"]
"app/legacy/**" = ["LG4", "LG101"]
"app/*.py" = ["LG102"]
"scripts" = ["LG1"]
""",
    )
    assert per_file_ignored_codes(config, "app/legacy/__init__.py") == ("LG101", "LG4")
    assert per_file_ignored_codes(config, "app/legacy/deep/x.py") == ("LG4", "LG101")
    assert per_file_ignored_codes(config, "app/main.py") == ("LG102",)
    assert per_file_ignored_codes(config, "app/sub/main.py") == ()
    assert per_file_ignored_codes(config, "tools/scripts/run.py") == ("LG1",)
    assert per_file_ignored_codes(config, "app/services/user.py") == ()


# --- LG905's keys. ---


def test_auth_dependencies_and_public_routes_are_read(tmp_path: Path) -> None:
    config = load_pyproject(
        tmp_path,
        'auth-dependencies = ["get_current_user", "app.core.auth.ApiKeyChecker"]\n'
        'extend-public-routes = ["**/status"]',
    )
    assert config.auth_dependencies == ("get_current_user", "app.core.auth.ApiKeyChecker")
    assert config.public_routes == (*Config(root=tmp_path).public_routes, "**/status")
    assert load_pyproject(tmp_path, 'public-routes = ["/ping"]').public_routes == ("/ping",)


def test_lg905_is_off_until_auth_dependencies_is_set(tmp_path: Path) -> None:
    from layerguard.checks import lookup

    meta = lookup("LG905")
    assert meta is not None
    assert not is_rule_enabled(load_pyproject(tmp_path, ""), meta)
    assert is_rule_enabled(load_pyproject(tmp_path, 'auth-dependencies = ["get_current_user"]'), meta)
    assert not is_rule_enabled(
        load_pyproject(tmp_path, 'auth-dependencies = ["get_current_user"]\nignore = ["LG905"]'), meta
    )


@pytest.mark.parametrize(
    ("body", "wanted"),
    [
        ('auth-dependencies = ["get current user"]', "'auth-dependencies' must list function or class names"),
        ("auth-dependencies = []", ""),
        ('auth-dependencies = "get_current_user"', "'auth-dependencies' must be a list of non-empty strings"),
        ('public-routes = ["[z-a]"]', "'public-routes' has \"[z-a]\""),
        ("extend-public-routes = [1]", "'extend-public-routes' must be a list of non-empty strings"),
    ],
)
def test_bad_auth_settings_name_the_file_and_key(tmp_path: Path, body: str, wanted: str) -> None:
    if not wanted:
        assert load_pyproject(tmp_path, body).auth_dependencies == ()
        return
    message = config_error(tmp_path, body)
    assert message.startswith("pyproject.toml: [tool.layerguard] ")
    assert wanted in message
