"""`layerguard server` end to end: the real server process driven by pytest-lsp's client over
stdio. Its diagnostics must be the CLI's for the same content, follow edits (also into other
open files), and its code actions and hovers must do what they say."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from layerguard.integrations.lsp import client_column, noqa_edit, source_lines
from layerguard.model import Finding, Severity
from tests.cli_runner import run_cli

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WAIT = 60.0  # seconds for a diagnostic: a slow shared machine, never a hang
SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "layerguard", "server"])
NEOVIM = client_capabilities("neovim")
# The server takes the client's first choice: UTF-8 for neovim, so columns past a non-ASCII
# character differ from the CLI's code points and `shown` converts them back.
ENCODING = "utf-8"


async def initialize(client: LanguageClient, root: Path) -> None:
    result = await client.initialize_session(
        types.InitializeParams(
            capabilities=NEOVIM,
            root_uri=root.as_uri(),
            workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
        )
    )
    assert result.capabilities.position_encoding == ENCODING


@pytest.fixture
def app(tmp_path: Path) -> Path:
    copy = tmp_path / "fortress_app"
    shutil.copytree(FIXTURES / "fortress_app", copy, ignore=shutil.ignore_patterns(".layerguard_cache"))
    return copy


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient, app: Path) -> AsyncIterator[None]:
    await initialize(lsp_client, app)
    yield
    await lsp_client.shutdown_session()


# --- Driving the client. ---


class Editor:
    """The documents a test has open, with their text and version, as an editor keeps them."""

    def __init__(self, client: LanguageClient) -> None:
        self.client = client
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    async def open(self, path: Path) -> list[types.Diagnostic]:
        uri = path.as_uri()
        self.texts[uri] = path.read_text(encoding="utf-8")
        self.versions[uri] = 1
        self.client.diagnostics.pop(uri, None)
        self.client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                types.TextDocumentItem(uri=uri, language_id="python", version=1, text=self.texts[uri])
            )
        )
        return await diagnostics_of(self.client, uri)

    def change(self, path: Path, text: str) -> None:
        """Replace the whole buffer (nothing saved)."""
        uri = path.as_uri()
        self.texts[uri] = text
        self.versions[uri] += 1
        self.client.text_document_did_change(
            types.DidChangeTextDocumentParams(
                types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]),
                [types.TextDocumentContentChangeWholeDocument(text=text)],
            )
        )

    def apply(self, path: Path, edit: types.WorkspaceEdit) -> str:
        """Apply a code action's edit to the buffer, as the editor would, and send it."""
        uri = path.as_uri()
        assert edit.changes is not None and set(edit.changes) == {uri}
        text = apply_text_edits(self.texts[uri], edit.changes[uri])
        self.change(path, text)
        return text


async def diagnostics_of(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    """The next diagnostics published for `uri` (the test pops the old ones first)."""

    async def arrived() -> None:
        while uri not in client.diagnostics:
            await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)

    await asyncio.wait_for(arrived(), WAIT)
    return list(client.diagnostics[uri])


async def next_diagnostics(client: LanguageClient, uri: str) -> list[types.Diagnostic]:
    client.diagnostics.pop(uri, None)
    return await diagnostics_of(client, uri)


def offset(text: str, position: types.Position) -> int:
    """A UTF-16 LSP position as an index into `text`."""
    lines = text.splitlines(keepends=True)
    before = sum(len(line) for line in lines[: position.line])
    line = lines[position.line] if position.line < len(lines) else ""
    units = 0
    for index, char in enumerate(line):
        if units >= position.character:
            return before + index
        units += 2 if ord(char) > 0xFFFF else 1
    return before + len(line.rstrip("\r\n"))


def apply_text_edits(text: str, edits: Iterable[types.TextEdit]) -> str:
    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
        text = text[: offset(text, edit.range.start)] + edit.new_text + text[offset(text, edit.range.end) :]
    return text


def shown(
    diagnostics: Iterable[types.Diagnostic], text: str, encoding: str
) -> list[tuple[int, int, int, int, str, str]]:
    """Diagnostics as (line, column, end line, end column, code, message), 1-based code points
    like the CLI's JSON, from positions in the negotiated `encoding` (neovim's client: UTF-8)."""
    lines = source_lines(text)

    def column(position: types.Position) -> int:
        line = lines[position.line]
        return next(
            (n for n in range(len(line) + 1) if client_column(line, n, encoding) >= position.character),
            len(line),
        )

    return sorted(
        (d.range.start.line + 1, column(d.range.start) + 1, d.range.end.line + 1, column(d.range.end) + 1,
         str(d.code), d.message)
        for d in diagnostics
    )  # fmt: skip


def cli_findings(root: Path) -> dict[Path, list[tuple[int, int, int, int, str, str]]]:
    """`layerguard check --format json` per absolute path, in `shown`'s shape."""
    result = run_cli("check", "--format", "json", "--no-cache", cwd=root)
    assert result.returncode in (0, 1), result.stderr
    found: dict[Path, list[tuple[int, int, int, int, str, str]]] = {}
    for item in json.loads(result.stdout):
        found.setdefault((root / item["path"]).resolve(), []).append(
            (
                item["line"],
                item["column"],
                item["end_line"],
                item["end_column"],
                item["code"],
                item["message"],
            )
        )
    return {path: sorted(items) for path, items in found.items()}


def codes(diagnostics: Iterable[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


# --- The tests. ---


@pytest.mark.asyncio
async def test_diagnostics_on_open_equal_the_cli_findings(client: LanguageClient, app: Path) -> None:
    editor = Editor(client)
    expected = cli_findings(app)
    checked = sorted((app / "app").rglob("*.py"))
    published = {path.resolve(): await editor.open(path) for path in checked}
    assert {
        path: shown(found, path.read_text(), ENCODING) for path, found in published.items() if found
    } == expected
    broken = published[(app / "app/legacy/broken.py").resolve()]
    assert codes(broken) == ["LG001"]
    first = broken[0]
    assert first.source == "layerguard"
    assert first.severity == types.DiagnosticSeverity.Error
    assert first.code_description is not None and first.code_description.href.endswith("LG001-parse-error.md")


@pytest.mark.asyncio
async def test_an_unsaved_edit_updates_the_diagnostics_with_the_buffers_version(
    client: LanguageClient, app: Path
) -> None:
    editor = Editor(client)
    service = app / "app/services/UserService.py"
    assert codes(await editor.open(service)) == ["LG101", "LG201", "LG202", "LG401"]
    editor.change(service, service.read_text().replace("from fastapi import HTTPException\n", ""))
    after = await next_diagnostics(client, service.as_uri())
    # The buffer's text counts, not the disk's: without the import, neither the import nor the
    # raise of an unknown name is reported.
    assert codes(after) == ["LG101", "LG401"]
    assert "HTTPException" in service.read_text()


@pytest.mark.asyncio
async def test_an_edit_republishes_another_open_file_whose_findings_it_changes(
    client: LanguageClient, app: Path
) -> None:
    editor = Editor(client)
    service, endpoint = app / "app/services/UserService.py", app / "app/api/v1/endpoints/users.py"
    assert "LG101" in codes(await editor.open(service))
    await editor.open(endpoint)
    # The imported endpoint function becomes a constant: a neutral kind, no layer violation.
    text = endpoint.read_text()
    edited = text[: text.index("def format_user_name")] + 'format_user_name = "{first} {last}"\n'
    client.diagnostics.pop(service.as_uri(), None)
    editor.change(endpoint, edited)
    assert "LG101" not in codes(await diagnostics_of(client, service.as_uri()))
    endpoint.write_text(edited)
    assert "LG101" not in [f[4] for f in cli_findings(app)[service.resolve()]]


@pytest.mark.asyncio
async def test_a_noqa_code_action_silences_the_finding(client: LanguageClient, app: Path) -> None:
    editor = Editor(client)
    service = app / "app/services/UserService.py"
    diagnostics = await editor.open(service)
    [lg202] = [d for d in diagnostics if d.code == "LG202"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=service.as_uri()),
            range=lg202.range,
            context=types.CodeActionContext(diagnostics=[lg202]),
        )
    )
    assert actions is not None
    [noqa] = [a for a in actions if isinstance(a, types.CodeAction) and "noqa" in a.title]
    assert noqa.edit is not None
    text = editor.apply(service, noqa.edit)
    assert "from fastapi import HTTPException  # noqa: LG202\n" in text
    assert codes(await next_diagnostics(client, service.as_uri())) == ["LG101", "LG201", "LG401"]


@pytest.mark.asyncio
async def test_a_fix_code_action_rewrites_the_annotation(client: LanguageClient, app: Path) -> None:
    editor = Editor(client)
    service = app / "app/services/UserService.py"
    diagnostics = await editor.open(service)
    [lg401] = [d for d in diagnostics if d.code == "LG401"]
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=service.as_uri()),
            range=lg401.range,
            context=types.CodeActionContext(diagnostics=[lg401]),
        )
    )
    assert actions is not None
    [fix] = [a for a in actions if isinstance(a, types.CodeAction) and a.is_preferred]
    assert fix.edit is not None
    text = editor.apply(service, fix.edit)
    assert "async def display_name(self, user_id: int) -> str | None:" in text
    assert codes(await next_diagnostics(client, service.as_uri())) == ["LG101", "LG201", "LG202"]


@pytest.mark.asyncio
async def test_hover_on_a_finding_shows_its_rule_card(client: LanguageClient, app: Path) -> None:
    editor = Editor(client)
    service = app / "app/services/UserService.py"
    [lg101] = [d for d in await editor.open(service) if d.code == "LG101"]
    hover = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=service.as_uri()), lg101.range.start)
    )
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value.startswith("# LG101")
    assert "## What it does" in hover.contents.value
    elsewhere = await client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(uri=service.as_uri()), types.Position(10, 0))
    )
    assert elsewhere is None


@pytest.mark.asyncio
async def test_saving_the_settings_reloads_them(client: LanguageClient, app: Path) -> None:
    editor = Editor(client)
    service = app / "app/services/UserService.py"
    assert "LG401" in codes(await editor.open(service))
    pyproject = app / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'extend-ignore = ["LG401"]\n')
    client.diagnostics.pop(service.as_uri(), None)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(pyproject.as_uri()))
    )
    assert codes(await diagnostics_of(client, service.as_uri())) == ["LG101", "LG201", "LG202"]


@pytest.mark.asyncio
async def test_settings_changed_with_no_notification_count_from_the_next_edit(
    client: LanguageClient, app: Path
) -> None:
    editor = Editor(client)
    service = app / "app/services/UserService.py"
    assert "LG401" in codes(await editor.open(service))
    pyproject = app / "pyproject.toml"
    pyproject.write_text(pyproject.read_text() + 'extend-ignore = ["LG401"]\n')
    editor.change(service, service.read_text() + "\n")
    assert codes(await next_diagnostics(client, service.as_uri())) == ["LG101", "LG201", "LG202"]


@pytest.mark.asyncio
async def test_a_watched_settings_file_reloads_and_a_broken_one_is_one_message(
    client: LanguageClient, app: Path
) -> None:
    editor = Editor(client)
    service = app / "app/services/UserService.py"
    await editor.open(service)
    own = app / "layerguard.toml"
    own.write_text("select = [\n")  # invalid TOML

    def created(path: Path, kind: types.FileChangeType) -> None:
        client.workspace_did_change_watched_files(
            types.DidChangeWatchedFilesParams([types.FileEvent(uri=path.as_uri(), type=kind)])
        )

    client.diagnostics.pop(service.as_uri(), None)
    created(own, types.FileChangeType.Created)
    assert await diagnostics_of(client, service.as_uri()) == []
    created(own, types.FileChangeType.Changed)  # the same error again: no second message
    await asyncio.sleep(0.5)
    errors = [m for m in client.messages if m.type == types.MessageType.Error]
    assert len(errors) == 1 and "layerguard.toml" in errors[0].message and "invalid TOML" in errors[0].message
    own.write_text('select = ["LG2"]\n')
    created(own, types.FileChangeType.Changed)
    assert codes(await next_diagnostics(client, service.as_uri())) == ["LG201", "LG202"]


@pytest.mark.asyncio
async def test_a_file_that_does_not_parse_is_an_lg001_and_the_server_goes_on(
    client: LanguageClient, app: Path
) -> None:
    editor = Editor(client)
    service = app / "app/services/UserService.py"
    await editor.open(service)
    editor.change(service, "def broken(:\n")
    assert codes(await next_diagnostics(client, service.as_uri())) == ["LG001"]
    editor.change(service, "from typing import Optional\n\nx: Optional[int] = None\n")
    assert "LG401" in codes(await next_diagnostics(client, service.as_uri()))


@pytest.mark.asyncio
async def test_several_projects_each_with_their_own_settings(
    client: LanguageClient, app: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other"
    (other / "pkg").mkdir(parents=True)
    (other / "pyproject.toml").write_text('[tool.layerguard]\nextend-ignore = ["LG401"]\n')
    module = other / "pkg/__init__.py"
    module.write_text("from typing import Optional\n\nx: Optional[int] = None\n")
    editor = Editor(client)
    assert "LG401" in codes(await editor.open(app / "app/services/UserService.py"))
    assert codes(await editor.open(module)) == []


# --- Positions and noqa edits, the pure parts. ---


def test_columns_are_converted_to_the_clients_units() -> None:
    line = 'x = "😋é"; y'
    assert client_column(line, 9, types.PositionEncodingKind.Utf32) == 9
    assert client_column(line, 9, types.PositionEncodingKind.Utf16) == 10  # the emoji is 2 units
    assert client_column(line, 9, types.PositionEncodingKind.Utf8) == 13  # 4 + 2 bytes
    assert source_lines("a\r\nb\x0cc\rd\n") == ["a", "b\x0cc", "d", ""]  # form feed ends no line


def finding_at(line: int, code: str = "LG101") -> Finding:
    return Finding(Path("/p/x.py"), line, 0, line, 1, code, "name", Severity.ERROR, "message")


def test_noqa_goes_after_a_multi_line_statement_and_merges_into_one_there() -> None:
    text = 'query = f"""\nSELECT {x}\n"""  # noqa: LG502\nimport y\n'
    edit = noqa_edit(text, finding_at(1, "LG101"))
    assert edit is not None
    assert (edit.line, edit.column, edit.content) == (3, len('"""  # noqa: LG502'), ",LG101")
    assert noqa_edit(text, finding_at(2, "LG502")) is None  # already there
    assert noqa_edit("import y  # noqa\n", finding_at(1)) is None  # a bare noqa silences all
    plain = noqa_edit("import y   \n", finding_at(1))
    assert plain is not None and (plain.column, plain.content) == (8, "  # noqa: LG101")


# --- The start-up (`lsp_start`): the first answers come before pygls loads. ---


@pytest_lsp.fixture(config=SERVER)
async def uninitialized(lsp_client: LanguageClient) -> AsyncIterator[LanguageClient]:
    yield lsp_client
    await lsp_client.shutdown_session()


@pytest.mark.asyncio
async def test_the_first_answers_are_pyglss_and_the_opened_file_goes_on_being_served(
    uninitialized: LanguageClient, app: Path
) -> None:
    """pytest-lsp's client against the start-up path: `initialize` answered with the
    capabilities pygls computes, the first diagnostics the CLI's, then edits, code actions and
    hovers on that file served by pygls as usual."""
    from tests.unit.test_lsp_start import pygls_initialize_result

    lsp_client = uninitialized
    result = await lsp_client.initialize_session(
        types.InitializeParams(capabilities=NEOVIM, root_uri=app.as_uri())
    )
    expected = pygls_initialize_result(lsp_client.protocol._converter.unstructure(NEOVIM))
    assert lsp_client.protocol._converter.unstructure(result) == expected
    editor = Editor(lsp_client)
    path = (app / "app/services/UserService.py").resolve()
    first = await editor.open(path)
    assert shown(first, path.read_text(), ENCODING) == cli_findings(app)[path]
    hover = await lsp_client.text_document_hover_async(
        types.HoverParams(types.TextDocumentIdentifier(path.as_uri()), first[0].range.start)
    )
    assert hover is not None
    lsp_client.diagnostics.pop(path.as_uri(), None)
    editor.change(path, path.read_text() + "\nimport app.api.v1.endpoints.users\n")
    edited = await diagnostics_of(lsp_client, path.as_uri())
    assert codes(edited) == sorted([*codes(first), "LG101"])


def test_the_server_answers_initialize_once_and_publishes_the_opened_file_once(app: Path) -> None:
    """Over raw stdio, every message counted: pygls, handed the messages already answered,
    sends no second `initialize` result and no second diagnostics for the opened version."""
    path = (app / "app/services/UserService.py").resolve()
    uri = path.as_uri()
    server = subprocess.Popen(
        [sys.executable, "-m", "layerguard", "server"],
        cwd=app,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    assert server.stdin is not None and server.stdout is not None
    received: list[dict[str, Any]] = []

    def send(payload: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **payload}).encode()
        server.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)  # type: ignore[union-attr]
        server.stdin.flush()  # type: ignore[union-attr]

    def until(accept: Any) -> None:
        while not received or not accept(received[-1]):
            length = 0
            while (header := server.stdout.readline()) not in (b"\r\n", b""):  # type: ignore[union-attr]
                if header.lower().startswith(b"content-length:"):
                    length = int(header.split(b":")[1])
            assert header, "the server closed its output"
            received.append(json.loads(server.stdout.read(length)))  # type: ignore[union-attr]

    def publishes(version: int) -> list[dict[str, Any]]:
        return [
            m
            for m in received
            if m.get("method") == "textDocument/publishDiagnostics"
            and m["params"]["uri"] == uri
            and m["params"].get("version") == version
        ]

    try:
        send({"id": 1, "method": "initialize", "params": {"capabilities": {}, "rootUri": app.as_uri()}})
        until(lambda m: m.get("id") == 1)
        send({"method": "initialized", "params": {}})
        item = {"uri": uri, "languageId": "python", "version": 1, "text": path.read_text()}
        send({"method": "textDocument/didOpen", "params": {"textDocument": item}})
        until(lambda m: m.get("method") == "textDocument/publishDiagnostics")
        changed = {"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": item["text"]}]}
        send({"method": "textDocument/didChange", "params": changed})
        until(lambda m: bool(publishes(2)))
        send({"id": 2, "method": "shutdown"})
        until(lambda m: m.get("id") == 2)
        send({"method": "exit"})
        server.wait(timeout=WAIT)
    finally:
        server.kill()
    assert [m["id"] for m in received if "result" in m or "error" in m] == [1, 2]
    assert len(publishes(1)) == 1
    assert publishes(1)[0]["params"]["diagnostics"] == publishes(2)[0]["params"]["diagnostics"]
