"""The language server (`layerguard server`): LSP over stdio, with pygls.

One `Workspace` per project, kept in memory: an edit updates that file's text and re-checks the
project's open files, so the importer of an edited module gets its new findings too. Findings
are the CLI's for the same content (the same engine and suppression stage); this module only
translates them: positions to the client's units, fixes and `# noqa` into code actions, rule
cards into hovers. `lsp_start` answers the first messages before this module (and pygls) loads.
"""

from __future__ import annotations

import asyncio
import gc
import io
import os
import re
import sys
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, cast

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol

from layerguard.api import load_config
from layerguard.cards import card_path, card_text
from layerguard.config import LAYERGUARD_TOML, PYPROJECT, ConfigError, find_project_root
from layerguard.engine import Workspace, collector_paused
from layerguard.facts.ast_extract import NOQA_RE
from layerguard.integrations.lsp_start import (
    CONFIG_FILES,
    SOURCE,
    FirstAnswer,
    client_column,
    settings_stamp,
    source_lines,
)
from layerguard.model import Config, Edit, Finding, Severity
from layerguard.version import __version__

__all__ = ["client_column", "source_lines"]
# A change typed while a check runs is read when it ends and joins the next check: edits made
# faster than layerguard checks coalesce without a timer. A client may ask for a delay on top
# (`initializationOptions: {"debounceMs": 50}`).
DEFAULT_DEBOUNCE_SECONDS = 0.0
_SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
}


@dataclass
class Project:
    """One project's Workspace (None while its configuration is broken) and what was last
    published for each of its open files."""

    root: Path
    workspace: Workspace | None
    settings: tuple[tuple[int, int] | None, ...]  # `settings_stamp` when loaded
    error: str | None = None
    warmed: bool = False
    published: dict[Path, tuple[Finding, ...]] = field(default_factory=dict)
    # Opened or edited since the last check: published even when their findings are the same,
    # so the client knows they are current for the buffer's new version.
    touched: set[Path] = field(default_factory=set)
    # Open files whose findings for their opened text were published before pygls started
    # (`lsp_start`): the didOpen pygls is then handed changes nothing.
    answered: set[Path] = field(default_factory=set)


class LayerguardProtocol(LanguageServerProtocol):
    """pygls's protocol, minus the answers to requests `lsp_start` answered before it loaded."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answered: set[str | int] = set()

    def _send_response(
        self, msg_id: str | int, result: Any | None = None, error: types.ResponseError | None = None
    ) -> None:
        if msg_id in self.answered:
            self.answered.discard(msg_id)
            if error is not None:  # the first answer said otherwise: say so where it can be read
                sys.stderr.write(f"layerguard: the server's own answer to request {msg_id}: {error}\n")
            return
        super()._send_response(msg_id, result, error)


class LayerguardServer(LanguageServer):
    """The server's state: projects by root, open documents by path, pending checks."""

    def __init__(self) -> None:
        super().__init__(SOURCE, __version__, protocol_cls=LayerguardProtocol)
        self.projects: dict[Path, Project] = {}
        self.open_paths: dict[Path, str] = {}  # path -> uri of every open Python document
        self.debounce = DEFAULT_DEBOUNCE_SECONDS
        self._pending: dict[Path, asyncio.TimerHandle] = {}
        self._shown_errors: set[tuple[Path, str]] = set()

    # --- Projects. ---

    def project_for(self, path: Path) -> Project:
        """The project `path` belongs to (its root found as the CLI finds it), created on first use."""
        root = find_project_root(path)
        project = self.projects.get(root)
        if project is None:
            project = self.projects[root] = self._load_project(root)
        return project

    def _load_project(self, root: Path) -> Project:
        stamp = settings_stamp(root)
        try:
            config: Config = load_config([root])
        except ConfigError as error:
            message = str(error)
            if (root, message) not in self._shown_errors:
                self._shown_errors.add((root, message))
                self.window_show_message(
                    types.ShowMessageParams(types.MessageType.Error, f"layerguard: {message}")
                )
            return Project(root, None, stamp, message)
        # Shown once while it lasts: a save that leaves the same error says nothing again.
        self._shown_errors = {shown for shown in self._shown_errors if shown[0] != root}
        return Project(root, Workspace(config), stamp)

    def reload(self, changed_config: Path) -> None:
        """A settings file changed: every project it can concern is rebuilt and its open files
        re-checked (a new pyproject.toml may also start a project of its own)."""
        folder = changed_config.parent
        stale = [
            root
            for root in self.projects
            if root == folder or root.is_relative_to(folder) or folder.is_relative_to(root)
        ]
        for root in stale:
            del self.projects[root]
        affected: dict[Path, Project] = {}
        for path in self.open_paths:
            if any(path.is_relative_to(root) for root in stale) or path.is_relative_to(folder):
                project = self.give_text(path)
                affected[project.root] = project
        for project in affected.values():
            self.check_project(project)

    # --- Documents. ---

    def open_document(self, path: Path) -> None:
        """Give the project the editor's text of `path` and check it now."""
        project = self.project_for(path)
        if path in project.answered:
            project.answered.discard(path)
            self._start_warm_up(project)
            return
        self.check_project(self.give_text(path))

    def give_text(self, path: Path) -> Project:
        """Give `path`'s project the editor's text of it."""
        project = self.project_for(path)
        project.touched.add(path)
        if project.workspace is not None:
            project.workspace.update(path, self._text(path))
        return project

    def _text(self, path: Path) -> bytes:
        document = self.workspace.get_text_document(self.open_paths[path])
        return document.source.encode("utf-8", "surrogatepass")

    def changed(self, path: Path) -> None:
        """The editor's buffer of `path` changed: update it, check after the debounce."""
        self.schedule(self.give_text(path))

    def closed(self, path: Path) -> None:
        """The buffer is gone: the disk's content counts again, and its diagnostics are cleared."""
        uri = self.open_paths.pop(path)
        project = self.project_for(path)
        project.published.pop(path, None)
        if project.workspace is not None:
            project.workspace.reread(path)
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))
        self.schedule(project)

    def changed_on_disk(self, path: Path, kind: types.FileChangeType) -> None:
        """A watched file changed outside the editor's buffers."""
        if path.name in CONFIG_FILES:
            self.reload(path)
            return
        if path.suffix != ".py" or path in self.open_paths:
            return
        project = self.projects.get(find_project_root(path))
        if project is None or project.workspace is None:
            return
        if kind == types.FileChangeType.Changed:
            project.workspace.reread(path)
        else:  # created or deleted: the project's file list changes
            project.workspace.remove(path)
        self.schedule(project)

    # --- Checking and publishing. ---

    def schedule(self, project: Project) -> None:
        """Check `project` once the current burst of messages is read (and the debounce passed)."""
        pending = self._pending.pop(project.root, None)
        if pending is not None:
            pending.cancel()
        loop = asyncio.get_running_loop()
        self._pending[project.root] = loop.call_later(self.debounce, self._run_pending, project.root)

    def _run_pending(self, root: Path) -> None:
        self._pending.pop(root, None)
        project = self.projects.get(root)
        if project is not None:
            self.check_project(project)

    def check_project(self, project: Project) -> None:
        """Check the project's open files; publish for each one touched or whose findings changed."""
        if settings_stamp(project.root) != project.settings:
            # Edited outside any watch (a client that watches no files, another program).
            self.reload(project.root / PYPROJECT)
            return
        open_paths = sorted(path for path in self.open_paths if self.project_for(path) is project)
        if project.workspace is None:
            findings: dict[Path, list[Finding]] = {}
        else:
            findings = {path: [] for path in open_paths}
            # The first check may be answered from the cache's record of a whole run (a warm
            # start-up as fast as a warm CLI run); later ones compute the open files alone.
            report = project.workspace.check(open_paths, narrow=project.warmed)
            for finding in report.findings:
                findings.setdefault(finding.path, []).append(finding)
        for path in open_paths:
            found = tuple(findings.get(path, ()))
            if path in project.touched or project.published.get(path) != found:
                project.published[path] = found
                self._publish(path, found)
        project.touched.clear()
        self._start_warm_up(project)

    def _start_warm_up(self, project: Project) -> None:
        if project.workspace is not None and not project.warmed:
            project.warmed = True
            asyncio.get_running_loop().call_soon(self._warm_up, project)

    def _warm_up(self, project: Project) -> None:
        """After the first answer, load every file's facts into memory and compute each file's
        part of the project tables (the narrow check the edits will make), so that the first
        edit is as fast as the next ones."""
        if project.workspace is not None:
            with collector_paused():
                project.workspace.project([project.root])
                open_paths = sorted(path for path in self.open_paths if self.project_for(path) is project)
                if open_paths:
                    project.workspace.check(open_paths, narrow=True)
            # The facts live as long as the server: out of the cyclic collector's sight, which
            # would otherwise walk all of them in every full collection, at random edits (prefect:
            # 0.4 s each). Refcounting still frees the facts an edit replaces.
            gc.freeze()

    def _publish(self, path: Path, findings: Sequence[Finding]) -> None:
        uri = self.open_paths[path]
        document = self.workspace.get_text_document(uri)
        lines = source_lines(document.source)
        encoding = str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri,
                version=document.version,
                diagnostics=[diagnostic(finding, lines, encoding) for finding in findings],
            )
        )

    def findings_at(self, uri: str, first_line: int, last_line: int) -> list[Finding]:
        """The published findings of `uri` on 0-based lines `first_line`..`last_line`."""
        path = document_path(self, uri)
        if path is None or path not in self.open_paths:
            return []
        project = self.project_for(path)
        return [
            finding
            for finding in project.published.get(path, ())
            if finding.line - 1 <= last_line and finding.end_line - 1 >= first_line
        ]

    def findings_covering(self, uri: str, position: types.Position) -> list[Finding]:
        """The published findings of `uri` whose range holds `position` (in the client's units)."""
        found = self.findings_at(uri, position.line, position.line)
        if not found:
            return []
        lines = source_lines(self.workspace.get_text_document(uri).source)
        encoding = str(self.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        at = (position.line, position.character)
        return [
            finding
            for finding in found
            if (shown := client_range(lines, finding, encoding))
            and (shown.start.line, shown.start.character) <= at <= (shown.end.line, shown.end.character)
        ]


# --- Translating findings. ---


def client_position(lines: Sequence[str], line: int, column: int, encoding: str) -> types.Position:
    """A 1-based line and 0-based code-point column as an LSP position."""
    index = min(max(line - 1, 0), len(lines) - 1)
    return types.Position(index, client_column(lines[index], column, encoding))


def client_range(lines: Sequence[str], edit: Finding | Edit, encoding: str) -> types.Range:
    return types.Range(
        client_position(lines, edit.line, edit.column, encoding),
        client_position(lines, edit.end_line, edit.end_column, encoding),
    )


def diagnostic(finding: Finding, lines: Sequence[str], encoding: str) -> types.Diagnostic:
    card = card_path(finding.code)
    return types.Diagnostic(
        range=client_range(lines, finding, encoding),
        message=finding.message,
        severity=_SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=card.as_uri()) if card is not None else None,
        source=SOURCE,
        data={"name": finding.name},
    )


def noqa_edit(text: str, finding: Finding) -> Edit | None:
    """The edit that silences `finding` with `# noqa: CODE` at the end of its logical line (so
    never inside a multi-line string), merged into a noqa comment already there; None when a
    bare `# noqa` there silences it already."""
    lines = source_lines(text)
    line = _logical_line_end(text, finding.line)
    content = lines[line - 1]
    comment = _comment_on(text, line)
    match = NOQA_RE.search(comment[1]) if comment is not None else None
    if comment is not None and match is not None:
        codes = match.group("codes")
        if codes is None:
            return None
        if finding.code in re.split(r"[,\s]+", codes):
            return None
        at = comment[0] + match.end("codes")
        return Edit(f",{finding.code}", line, at, line, at)
    end = len(content.rstrip())
    return Edit(f"  # noqa: {finding.code}", line, end, line, end)


def _logical_line_end(text: str, line: int) -> int:
    """The last physical line of the logical line that holds `line` (where a comment may go)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.type == tokenize.NEWLINE and token.start[0] >= line:
                return int(token.start[0])
    except (tokenize.TokenError, SyntaxError):
        pass
    return line


def _comment_on(text: str, line: int) -> tuple[int, str] | None:
    """(column, text) of the comment on `line`, read from the tokens (not from a string literal)."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(text).readline):
            if token.start[0] > line:
                break
            if token.type == tokenize.COMMENT and token.start[0] == line:
                return token.start[1], token.string
    except (tokenize.TokenError, SyntaxError):
        pass
    return None


def code_actions(server: LayerguardServer, uri: str, findings: Iterable[Finding]) -> list[types.CodeAction]:
    """For each finding: apply its fix (when it has one), and add a `# noqa` for its code."""
    document = server.workspace.get_text_document(uri)
    lines = source_lines(document.source)
    encoding = str(server.workspace.position_encoding or types.PositionEncodingKind.Utf16)
    actions: list[types.CodeAction] = []
    for finding in findings:
        shown = diagnostic(finding, lines, encoding)
        if finding.fix is not None:
            actions.append(
                _action(
                    f"{finding.code}: {finding.fix.message}",
                    uri,
                    [_text_edit(lines, edit, encoding) for edit in finding.fix.edits],
                    shown,
                    preferred=True,
                )
            )
        noqa = noqa_edit(document.source, finding)
        if noqa is not None:
            actions.append(
                _action(
                    f"{finding.code}: add `# noqa: {finding.code}`",
                    uri,
                    [_text_edit(lines, noqa, encoding)],
                    shown,
                )
            )
    return actions


def _text_edit(lines: Sequence[str], edit: Edit, encoding: str) -> types.TextEdit:
    return types.TextEdit(client_range(lines, edit, encoding), edit.content)


def _action(
    title: str, uri: str, edits: list[types.TextEdit], shown: types.Diagnostic, *, preferred: bool = False
) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[shown],
        edit=types.WorkspaceEdit(changes={uri: edits}),
        is_preferred=preferred or None,
    )


def hover_text(findings: Iterable[Finding]) -> str | None:
    """The rule card of each finding's code (once per code), as Markdown."""
    codes = dict.fromkeys(finding.code for finding in findings)
    cards = [text for code in codes if (text := card_text(code)) is not None]
    return "\n\n---\n\n".join(cards) if cards else None


def document_path(server: LayerguardServer, uri: str) -> Path | None:
    """The absolute file-system path of a `file:` document, else None."""
    path = server.workspace.get_text_document(uri).path
    return Path(os.path.abspath(path)) if uri.startswith("file:") and path else None


# --- The protocol: each handler translates one message. ---


def build_server() -> LayerguardServer:
    server = LayerguardServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: LayerguardServer, params: types.InitializeParams) -> None:
        options = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounceMs"), (int, float)):
            ls.debounce = max(0.0, float(options["debounceMs"]) / 1000)

    @server.feature(types.INITIALIZED)
    def initialized(ls: LayerguardServer, params: types.InitializedParams) -> None:
        workspace = ls.client_capabilities.workspace
        watched = workspace.did_change_watched_files if workspace is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        watchers = [
            types.FileSystemWatcher(glob_pattern=pattern)
            for pattern in (f"**/{PYPROJECT}", f"**/{LAYERGUARD_TOML}", "**/*.py")
        ]
        ls.client_register_capability(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="layerguard-watched-files",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
                    )
                ]
            )
        )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LayerguardServer, params: types.DidOpenTextDocumentParams) -> None:
        path = document_path(ls, params.text_document.uri)
        if path is not None and path.suffix in (".py", ".pyi"):
            ls.open_paths[path] = params.text_document.uri
            ls.open_document(path)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LayerguardServer, params: types.DidChangeTextDocumentParams) -> None:
        path = document_path(ls, params.text_document.uri)
        if path is not None and path in ls.open_paths:
            ls.changed(path)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LayerguardServer, params: types.DidSaveTextDocumentParams) -> None:
        path = document_path(ls, params.text_document.uri)
        if path is None:
            return
        if path.name in CONFIG_FILES:
            ls.reload(path)
        elif path in ls.open_paths:
            ls.changed(path)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LayerguardServer, params: types.DidCloseTextDocumentParams) -> None:
        path = document_path(ls, params.text_document.uri)
        if path is not None and path in ls.open_paths:
            ls.closed(path)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: LayerguardServer, params: types.DidChangeWatchedFilesParams) -> None:
        from pygls.uris import to_fs_path

        for change in params.changes:
            path = to_fs_path(change.uri)
            if path is not None:
                ls.changed_on_disk(Path(os.path.abspath(path)), change.type)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: LayerguardServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        return code_actions(ls, uri, ls.findings_at(uri, params.range.start.line, params.range.end.line))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: LayerguardServer, params: types.HoverParams) -> types.Hover | None:
        uri, position = params.text_document.uri, params.position
        text = hover_text(ls.findings_covering(uri, position))
        if text is None:
            return None
        return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value=text))

    return server


def serve_after_start(start: FirstAnswer) -> None:
    """Run the server once `lsp_start` has answered what it could: pygls reads the messages it
    read, keeps quiet about the requests it answered, and keeps the project it checked."""
    server = build_server()
    cast(LayerguardProtocol, server.protocol).answered = set(start.answered)
    first = start.project
    if first is not None:
        server.projects[first.root] = Project(
            first.root,
            first.workspace,
            first.settings,
            published={first.path: first.findings},
            answered={first.path},
        )
    server.start_io(cast(BinaryIO, start.replay()), start.stdout)
