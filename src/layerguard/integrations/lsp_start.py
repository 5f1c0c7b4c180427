"""The language server's start-up: `initialize` and the first `didOpen` answered before pygls loads.

Importing pygls and lsprotocol takes longer (0.3–0.5 s) than a whole warm CLI run, so the
server reads its first messages itself: it answers `initialize` with the capabilities pygls
would compute for this server (`initialize_result`; a test compares them with pygls's), and
publishes the first opened file's findings from the same check the server's first one is
(`Workspace.check(open, narrow=False)`). Then pygls starts and is handed every message read so
far, as if it had read them: it sets up its state from them, answers nothing twice
(`lsp.LayerguardProtocol`), and the opened file is not checked again (`Project.answered`).
Anything unexpected (another first message, a broken configuration, a document that is not a
local Python file) ends this stage at once: pygls gets the messages and answers as it always did.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any, BinaryIO

from layerguard.cards import card_path
from layerguard.config import LAYERGUARD_TOML, PYPROJECT, ConfigError, find_project_root
from layerguard.model import Finding, Severity
from layerguard.version import __version__

SOURCE = "layerguard"
CONFIG_FILES = (PYPROJECT, LAYERGUARD_TOML)
UTF8, UTF16, UTF32 = "utf-8", "utf-16", "utf-32"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_SEVERITIES = {Severity.ERROR: 1, Severity.WARNING: 2}  # LSP's DiagnosticSeverity
_INCREMENTAL_SYNC = 2  # LSP's TextDocumentSyncKind.Incremental, pygls's default


def answer_first() -> FirstAnswer:
    """Answer the first messages on stdin/stdout (`layerguard server` then hands over to
    `lsp.serve_after_start`). The protocol gets its own copy of stdout, which pygls closes at
    the end; `print` goes to stderr, where a stray line cannot break the protocol."""
    protocol_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    sys.stdout = sys.stderr
    start = FirstAnswer(sys.stdin.buffer, protocol_out)
    start.run()
    return start


@dataclass
class FirstProject:
    """What the first answer computed, for the server to keep: the project's root, its
    Workspace (holding the opened file's text), the settings it was loaded with, and the
    findings published for the opened file."""

    root: Path
    workspace: Any  # layerguard.engine.Workspace, imported only once a file is opened
    settings: tuple[tuple[int, int] | None, ...]
    path: Path
    findings: tuple[Finding, ...]


def _is_request_id(value: object) -> bool:
    """A JSON-RPC id as LSP allows it (an integer or a string); anything else is left to pygls,
    which answers it with an error."""
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


@dataclass
class FirstAnswer:
    """Reads and answers the first messages; keeps their bytes for pygls."""

    stdin: BinaryIO
    stdout: BinaryIO
    read: bytearray = field(default_factory=bytearray)  # every byte read, for pygls
    answered: set[Any] = field(default_factory=set)  # ids of requests answered here
    project: FirstProject | None = None

    def run(self) -> None:
        """Answer `initialize`, then, after `initialized`, the first opened file; stop at anything else."""
        request = self._next()
        if request is None or request.get("method") != "initialize" or not _is_request_id(request.get("id")):
            return
        result = initialize_result(request.get("params"))
        if result is None:
            return
        self._send({"jsonrpc": "2.0", "id": request["id"], "result": result})
        self.answered.add(request["id"])
        encoding = result["capabilities"]["positionEncoding"]
        notification = self._next()
        if notification is None or notification.get("method") != "initialized":
            return
        opened = self._next()
        if opened is not None and opened.get("method") == "textDocument/didOpen" and "id" not in opened:
            self._answer_open(opened.get("params"), encoding)

    def replay(self) -> ReplayReader:
        """stdin for pygls: the bytes read here, then the rest of the stream."""
        return ReplayReader(BytesIO(bytes(self.read)), self.stdin)

    def _next(self) -> dict[str, Any] | None:
        """The next message (None at the end of the stream or when it is not a JSON object)."""
        length = None
        while True:
            header = self.stdin.readline()
            self.read += header
            if not header:
                return None
            if header in (b"\r\n", b"\n"):
                break
            name, _, value = header.partition(b":")
            if name.strip().lower() == b"content-length":
                try:
                    length = int(value.strip())
                except ValueError:
                    return None
        if length is None:
            return None
        body = self.stdin.read(length)
        self.read += body
        try:
            message = json.loads(body)
        except ValueError:
            return None
        return message if isinstance(message, dict) else None

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps(message).encode("utf-8")
        self.stdout.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.stdout.flush()

    def _answer_open(self, params: object, encoding: str) -> None:
        document = params.get("textDocument") if isinstance(params, dict) else None
        if not isinstance(document, dict):
            return
        uri, text, version = document.get("uri"), document.get("text"), document.get("version")
        if not (isinstance(uri, str) and isinstance(text, str) and isinstance(version, int)):
            return
        path = local_path(uri)
        if path is None or path.suffix not in (".py", ".pyi"):
            return
        from layerguard.api import load_config
        from layerguard.engine import Workspace

        root = find_project_root(path)
        settings = settings_stamp(root)
        try:
            config = load_config([root])
        except ConfigError:
            return  # the server shows the message, once
        workspace = Workspace(config)
        workspace.update(path, text.encode("utf-8", "surrogatepass"))
        try:
            report = workspace.check([path], narrow=False)
        except Exception:  # the server checks the file again and reports what failed as always
            return
        findings = tuple(f for f in report.findings if f.path == path)
        lines = source_lines(text)
        diagnostics = [diagnostic_json(finding, lines, encoding) for finding in findings]
        self._send(
            {
                "jsonrpc": "2.0",
                "method": "textDocument/publishDiagnostics",
                "params": {"uri": uri, "version": version, "diagnostics": diagnostics},
            }
        )
        self.project = FirstProject(root, workspace, settings, path, findings)


class ReplayReader:
    """A binary stream that yields `first`'s bytes, then `rest`'s: what pygls reads."""

    def __init__(self, first: BytesIO, rest: BinaryIO) -> None:
        self.first, self.rest = first, rest

    def readline(self) -> bytes:
        return self.first.readline() or self.rest.readline()

    def read(self, size: int = -1) -> bytes:
        data = self.first.read(size)
        if size < 0:
            return data + self.rest.read()
        return data + self.rest.read(size - len(data)) if len(data) < size else data


def initialize_result(params: object) -> dict[str, Any] | None:
    """The `InitializeResult` pygls computes for this server's features, or None when the
    client's capabilities are not the plain JSON this function reads (pygls then answers)."""
    capabilities = params.get("capabilities") if isinstance(params, dict) else None
    if not isinstance(capabilities, dict):
        return None
    general = _field(capabilities, "general")
    synchronization = _field(_field(capabilities, "textDocument"), "synchronization")
    encodings = _field(general, "positionEncodings", list)
    will_save = _field(synchronization, "willSave", bool)
    will_save_wait_until = _field(synchronization, "willSaveWaitUntil", bool)
    if None in (general, synchronization, encodings, will_save, will_save_wait_until):
        return None
    if isinstance(encodings, list) and not all(isinstance(kind, str) for kind in encodings):
        return None
    text_document_sync: dict[str, Any] = {"openClose": True, "change": _INCREMENTAL_SYNC}
    # pygls: `client says willSave and the server handles it`, False when the client says
    # anything, absent when it says nothing.
    if will_save is not _ABSENT:
        text_document_sync["willSave"] = False
    if will_save_wait_until is not _ABSENT:
        text_document_sync["willSaveWaitUntil"] = False
    text_document_sync["save"] = True
    return {
        "capabilities": {
            "positionEncoding": position_encoding(encodings if isinstance(encodings, list) else []),
            "textDocumentSync": text_document_sync,
            "hoverProvider": True,
            "codeActionProvider": {"codeActionKinds": ["quickfix"]},
            "executeCommandProvider": {"commands": []},
            "workspace": {
                "workspaceFolders": {"supported": True, "changeNotifications": True},
                "fileOperations": {},
            },
        },
        "serverInfo": {"name": SOURCE, "version": __version__},
    }


_ABSENT = object()


def _field(holder: object, name: str, kind: type = dict) -> Any:
    """`holder[name]`: `_ABSENT` when missing (or null), None when it is not a `kind`."""
    if holder is _ABSENT:
        return _ABSENT
    value = holder.get(name) if isinstance(holder, dict) else None
    if value is None:
        return _ABSENT
    return value if isinstance(value, kind) else None


def position_encoding(offered: Sequence[object]) -> str:
    """pygls's choice: the client's first offer among UTF-8, -16 and -32, else UTF-16."""
    return next((str(kind) for kind in offered if kind in (UTF8, UTF16, UTF32)), UTF16)


def local_path(uri: str) -> Path | None:
    """The absolute file-system path of a `file:` URI, as the server's documents have it."""
    from pygls.uris import to_fs_path  # pygls's own reading of URIs; this module is light

    path = to_fs_path(uri)
    return Path(os.path.abspath(path)) if uri.startswith("file:") and path else None


def settings_stamp(root: Path) -> tuple[tuple[int, int] | None, ...]:
    """The modification time and size of each settings file in `root` (None: none there)."""
    stamps: list[tuple[int, int] | None] = []
    for name in CONFIG_FILES:
        try:
            status = (root / name).stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((status.st_mtime_ns, status.st_size))
    return tuple(stamps)


# --- Translating findings (without lsprotocol: the server's own types come later). ---


def source_lines(text: str) -> list[str]:
    """The lines of `text` as Python and LSP count them: only CR, LF and CRLF end a line."""
    return _LINE_BREAK.split(text)


def client_column(line: str, column: int, encoding: str) -> int:
    """A code-point column of `line` in the client's position encoding (UTF-16 by default)."""
    prefix = line[:column]
    if encoding == UTF32:
        return len(prefix)
    if encoding == UTF8:
        return len(prefix.encode("utf-8", "surrogatepass"))
    return len(prefix) + sum(1 for char in prefix if ord(char) > 0xFFFF)


def client_line_column(lines: Sequence[str], line: int, column: int, encoding: str) -> tuple[int, int]:
    """A 1-based line and 0-based code-point column as an LSP (line, character)."""
    index = min(max(line - 1, 0), len(lines) - 1)
    return index, client_column(lines[index], column, encoding)


def diagnostic_json(finding: Finding, lines: Sequence[str], encoding: str) -> dict[str, Any]:
    """`finding` as an LSP `Diagnostic`, in JSON: what `lsp.diagnostic` gives once serialised."""
    start = client_line_column(lines, finding.line, finding.column, encoding)
    end = client_line_column(lines, finding.end_line, finding.end_column, encoding)
    shown: dict[str, Any] = {
        "range": {
            "start": {"line": start[0], "character": start[1]},
            "end": {"line": end[0], "character": end[1]},
        },
        "severity": _SEVERITIES[finding.severity],
        "code": finding.code,
    }
    card = card_path(finding.code)
    if card is not None:
        shown["codeDescription"] = {"href": card.as_uri()}
    shown.update(source=SOURCE, message=finding.message, data={"name": finding.name})
    return shown
