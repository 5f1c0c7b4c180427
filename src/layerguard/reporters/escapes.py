"""Control characters from the checked tree (in file names, messages, source lines) made harmless.

A name or a line can hold ESC sequences that would restyle, retitle or clear the reader's
terminal, and line breaks that would split one finding into two for a line-based parser. The
formats people read show them as Python escapes; JSON and SARIF keep them, escaped as JSON.
"""

from __future__ import annotations

import re

# C0, DEL and C1: what terminals act on rather than show.
_CONTROLS = [*range(0x20), 0x7F, *range(0x80, 0xA0)]
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
_VISIBLE = {code: _NAMED.get(chr(code), f"\\x{code:02x}") for code in _CONTROLS}
_VISIBLE_BUT_TABS = {code: shown for code, shown in _VISIBLE.items() if code != ord("\t")}
_VISIBLE_BUT_LINE_BREAKS = {code: shown for code, shown in _VISIBLE.items() if chr(code) not in "\r\n"}
# json.dumps(ensure_ascii=False) escapes C0 itself but writes DEL and C1 raw.
_JSON = {code: f"\\u{code:04x}" for code in _CONTROLS if code >= 0x7F}
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_DEL_OR_C1 = re.compile(r"[\x7f-\x9f]")


def visible(text: str) -> str:
    """`text` with every control character written as an escape: ESC as `\\x1b`, LF as `\\n`."""
    return _translated(text, _VISIBLE)


def visible_but_tabs(text: str) -> str:
    """`visible`, tabs kept (a source line's tabs are expanded to spaces for display)."""
    return _translated(text, _VISIBLE_BUT_TABS)


def visible_but_line_breaks(text: str) -> str:
    """`visible`, CR and LF kept (GitHub's workflow commands escape those their own way)."""
    return _translated(text, _VISIBLE_BUT_LINE_BREAKS)


def _translated(text: str, table: dict[int, str]) -> str:
    # Searched for first: translate() looks every character up in the table, 0.1 s for the
    # paths, messages and lines of prefect's 5,909 findings, nearly all without a control.
    return text.translate(table) if _ANY_CONTROL.search(text) else text


def one_line(message: str) -> str:
    """A message on one line: its line breaks (a multi-line call quoted in it) become spaces,
    any other control character an escape."""
    return visible(" ".join(message.splitlines()))


def json_safe(document: str) -> str:
    """A JSON document with DEL and C1 escaped as well: they only occur inside its strings, so
    the escapes decode to the same values."""
    # Searched for first, as in `_translated` (0.2 s for prefect's SARIF).
    return document.translate(_JSON) if _DEL_OR_C1.search(document) else document
