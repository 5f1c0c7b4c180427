"""The server's start-up stage (`integrations.lsp_start`): what it answers before pygls loads
must be what pygls and the server would have answered, and pygls must be handed every byte."""

from __future__ import annotations

import json
import shutil
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.capabilities import ServerCapabilitiesBuilder
from pytest_lsp import client_capabilities

from layerguard.api import check
from layerguard.integrations.lsp import build_server, diagnostic
from layerguard.integrations.lsp_start import FirstAnswer, diagnostic_json, initialize_result, local_path

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SERVER = build_server()
CONVERTER = SERVER.protocol._converter


def pygls_initialize_result(capabilities: dict[str, Any]) -> dict[str, Any]:
    """What pygls answers `initialize` with for this server's features (its `lsp_initialize`)."""
    client = CONVERTER.structure(capabilities, types.ClientCapabilities)
    features = SERVER.protocol.fm
    encoding = ServerCapabilitiesBuilder.choose_position_encoding(client)
    built = ServerCapabilitiesBuilder(
        client,
        set({**features.features, **features.builtin_features}),
        features.feature_options,
        list(features.commands),
        SERVER._text_document_sync_kind,
        SERVER._notebook_document_sync,
        encoding,
    ).build()
    result = types.InitializeResult(capabilities=built, server_info=SERVER.protocol.server_info)
    return dict(CONVERTER.unstructure(result))


CLIENTS = {
    "none": {},
    "neovim": CONVERTER.unstructure(client_capabilities("neovim")),
    "vscode": CONVERTER.unstructure(client_capabilities("visual-studio-code")),
    "emacs": CONVERTER.unstructure(client_capabilities("emacs")),
    "utf-32 first": {"general": {"positionEncodings": ["utf-32", "utf-8"]}},
    "unknown encodings": {"general": {"positionEncodings": ["latin-1"]}},
    "will save": {"textDocument": {"synchronization": {"willSave": True, "willSaveWaitUntil": False}}},
    "notebooks": {"notebookDocument": {"synchronization": {"dynamicRegistration": True}}},
}


@pytest.mark.parametrize("name", sorted(CLIENTS))
def test_the_fixed_capabilities_equal_pyglss(name: str) -> None:
    assert initialize_result({"capabilities": CLIENTS[name]}) == pygls_initialize_result(CLIENTS[name])


def test_capabilities_it_cannot_read_are_left_to_pygls() -> None:
    assert initialize_result({"capabilities": {"general": {"positionEncodings": "utf-8"}}}) is None
    assert initialize_result({"capabilities": {"general": {"positionEncodings": [8]}}}) is None
    assert initialize_result({"capabilities": []}) is None
    assert initialize_result(None) is None


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16", "utf-32"])
def test_a_diagnostic_in_json_equals_the_servers_once_serialised(encoding: str) -> None:
    findings = check([FIXTURES / "fortress_app"], cache=False).findings
    assert findings
    for finding in findings:
        # Wide characters before every column, so that the encodings differ.
        lines = ["é😀" + line for line in finding.path.read_text(errors="replace").splitlines()] or [""]
        served = CONVERTER.unstructure(diagnostic(finding, lines, encoding))
        assert diagnostic_json(finding, lines, encoding) == served


def message(payload: dict[str, Any]) -> bytes:
    body = json.dumps({"jsonrpc": "2.0", **payload}).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


def written(stream: bytes) -> list[dict[str, Any]]:
    messages = []
    while stream:
        header, _, rest = stream.partition(b"\r\n\r\n")
        length = int(header.split(b":")[1])
        messages.append(json.loads(rest[:length]))
        stream = rest[length:]
    return messages


def opening(path: Path, version: int = 1) -> list[bytes]:
    item = {"uri": path.as_uri(), "languageId": "python", "version": version, "text": path.read_text()}
    return [
        message({"id": 1, "method": "initialize", "params": {"capabilities": CLIENTS["neovim"]}}),
        message({"method": "initialized", "params": {}}),
        message({"method": "textDocument/didOpen", "params": {"textDocument": item}}),
    ]


@pytest.fixture
def app(tmp_path: Path) -> Path:
    copy = tmp_path / "fortress_app"
    shutil.copytree(FIXTURES / "fortress_app", copy, ignore=shutil.ignore_patterns(".layerguard_cache"))
    return copy


def test_it_answers_initialize_and_the_first_open_as_the_server_would(app: Path) -> None:
    path = (app / "app/api/v1/endpoints/users.py").resolve()
    later = message({"method": "textDocument/didChange", "params": {}})
    sent = b"".join(opening(path)) + later
    out = BytesIO()
    start = FirstAnswer(BytesIO(sent), out)
    start.run()
    answer, published = written(out.getvalue())
    assert answer == {"jsonrpc": "2.0", "id": 1, "result": pygls_initialize_result(CLIENTS["neovim"])}
    assert start.answered == {1}
    assert published["method"] == "textDocument/publishDiagnostics"
    assert published["params"]["uri"] == path.as_uri() and published["params"]["version"] == 1
    expected = [f for f in check([path]).findings if f.path == path]
    assert expected, "the opened file must have findings for this test to mean something"
    lines = path.read_text().split("\n")
    assert published["params"]["diagnostics"] == [diagnostic_json(f, lines, "utf-8") for f in expected]
    assert start.project is not None and start.project.findings == tuple(expected)
    # pygls reads every byte again, the message not read yet included.
    replay = start.replay()
    assert b"".join(iter(replay.readline, b"")) == sent


def test_another_first_message_leaves_everything_to_pygls(app: Path) -> None:
    sent = message({"id": 7, "method": "shutdown"}) + b"".join(opening(app / "app/api/v1/endpoints/users.py"))
    out = BytesIO()
    start = FirstAnswer(BytesIO(sent), out)
    start.run()
    assert out.getvalue() == b"" and not start.answered and start.project is None
    assert start.replay().read(len(sent)) == sent


@pytest.mark.parametrize("request_id", [[1], {"a": 1}, True, 1.5, None])
def test_an_initialize_whose_id_is_no_integer_or_string_is_left_to_pygls(request_id: object) -> None:
    # pygls answers such a request with an error; answering it here raised (an unhashable id).
    sent = message({"id": request_id, "method": "initialize", "params": {"capabilities": {}}})
    out = BytesIO()
    start = FirstAnswer(BytesIO(sent), out)
    start.run()
    assert out.getvalue() == b"" and not start.answered
    assert start.replay().read(len(sent)) == sent


def test_a_broken_configuration_leaves_the_open_to_the_server(app: Path) -> None:
    (app / "pyproject.toml").write_text("[tool.layerguard]\nunknown-key = 1\n")
    out = BytesIO()
    start = FirstAnswer(BytesIO(b"".join(opening(app / "app/api/v1/endpoints/users.py"))), out)
    start.run()
    assert [m.get("id") for m in written(out.getvalue())] == [1]  # initialize only
    assert start.project is None


@pytest.mark.parametrize(
    "uri", ["file:///tmp/a%20b/c.py", "file:///tmp/%C3%A9/x.py", "file:///tmp/x.py", "untitled:Untitled-1"]
)
def test_a_documents_path_is_the_servers(uri: str) -> None:
    from pygls.workspace import Workspace

    from layerguard.integrations.lsp import document_path

    server = build_server()
    server.protocol._workspace = Workspace(None)
    server.workspace.put_text_document(
        types.TextDocumentItem(uri=uri, language_id="python", version=1, text="")
    )
    assert local_path(uri) == document_path(server, uri)
