"""Putting the `[tool.layerguard]` section into a pyproject.toml as text: everything else stays
byte for byte, and an edit that would change anything else is refused."""

from __future__ import annotations

import sys

import pytest

from layerguard.tomledit import TomlEditError, has_table, put_section

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

SECTION = (
    '[tool.layerguard]\nnaming = "snake"\n\n[tool.layerguard.layers.endpoint]\nmodules = ["app.web.**"]\n'
)
DOTTED = ("tool", "layerguard")


def test_appended_at_the_end_with_comments_and_order_kept() -> None:
    text = '# my project\n[project]\nname = "x"  # the name\n\n[tool.ruff]\nline-length = 100\n'
    assert put_section(text, SECTION, DOTTED) == text + "\n" + SECTION


def test_a_file_without_a_final_newline_or_an_empty_file() -> None:
    assert put_section('[project]\nname = "x"', SECTION, DOTTED) == '[project]\nname = "x"\n\n' + SECTION
    assert put_section("", SECTION, DOTTED) == SECTION


def test_replaces_the_section_and_all_its_sub_tables_where_the_first_one_stood() -> None:
    text = (
        '[project]\nname = "x"\n\n'
        '[tool.layerguard]\nnaming = "off"\nextend-ignore = ["LG105"]\n\n'
        "# ruff settings\n[tool.ruff]\nline-length = 100\n\n"
        '[tool.layerguard.layers.model]\nmodules = ["app.db.**"]\n\n'
        "[tool.mypy]\nstrict = true\n"
    )
    expected = (
        '[project]\nname = "x"\n\n'
        + SECTION
        + "\n# ruff settings\n[tool.ruff]\nline-length = 100\n\n"
        + "[tool.mypy]\nstrict = true\n"
    )
    assert put_section(text, SECTION, DOTTED) == expected


def test_a_header_inside_a_multi_line_string_is_not_a_table() -> None:
    text = (
        '[project]\ndescription = """\n[tool.layerguard]\nnot a table\n"""\n'
        "[tool.other]\nx = '''\n[tool.layerguard.layers.x]\n'''\n"
    )
    result = put_section(text, SECTION, DOTTED)
    assert result == text + "\n" + SECTION
    assert tomllib.loads(result)["project"]["description"] == "[tool.layerguard]\nnot a table\n"


def test_quoted_and_spaced_headers_are_found() -> None:
    text = '[ tool . "layerguard" ]  # old\nnaming = "off"\n\n[tool.ruff]\nx = 1\n'
    assert put_section(text, SECTION, DOTTED) == SECTION + "\n[tool.ruff]\nx = 1\n"


def test_crlf_files_stay_crlf() -> None:
    text = '[project]\r\nname = "x"\r\n'
    result = put_section(text, SECTION, DOTTED)
    assert result == text + "\r\n" + SECTION.replace("\n", "\r\n")


def test_dotted_keys_or_an_inline_table_are_refused() -> None:
    with pytest.raises(TomlEditError, match="edit the file by hand"):
        put_section('[tool]\nlayerguard.naming = "off"\n', SECTION, DOTTED)
    with pytest.raises(TomlEditError, match="edit the file by hand"):
        put_section('tool = { layerguard = { naming = "off" } }\n', SECTION, DOTTED)


def test_invalid_toml_is_refused() -> None:
    with pytest.raises(TomlEditError, match="not valid TOML"):
        put_section("[project\n", SECTION, DOTTED)


def test_has_table() -> None:
    document = tomllib.loads('[tool.layerguard]\nnaming = "off"\n')
    assert has_table(document, DOTTED)
    assert not has_table(document, ("tool", "ruff"))
    assert not has_table({"tool": 1}, DOTTED)


def test_rewriting_a_generated_section_takes_the_comments_of_its_sub_tables_along() -> None:
    generated = (
        '[tool.layerguard]\n# naming: why\nnaming = "off"\n\n'
        '# endpoint: why\n[tool.layerguard.layers.endpoint]\nmodules = ["a.**"]\n'
    )
    text = '[project]\nname = "x"\n\n' + generated + "\n# ruff\n[tool.ruff]\nx = 1\n"
    expected = '[project]\nname = "x"\n\n' + SECTION + "\n# ruff\n[tool.ruff]\nx = 1\n"
    assert put_section(text, SECTION, DOTTED) == expected
    # A sub-table further down leaves with the comment just above it.
    text = generated.replace("\n\n# endpoint", "\n\n[tool.ruff]\nx = 1\n\n# endpoint")
    assert put_section(text, SECTION, DOTTED) == SECTION + "\n[tool.ruff]\nx = 1\n"
