"""The baseline: today's findings recorded, so that `check` reports only the new ones (issue 14).

An entry is a fingerprint and a count, per file. A fingerprint holds no line number: the rule's
code, the enclosing function or class (its qualified name) and the reported statement's text,
normalised (comments, whitespace and a trailing comma dropped; for an import, the imported
module). Lines that move, or edits elsewhere in the file, leave it unchanged; N entries absorb at
most N findings, so one more finding of the same kind in the same place is reported. Each file
also records a hash of its content: a file renamed without changes keeps its entries.

The file is JSON, sorted, one entry per line, with paths relative to the project root: the same
findings give the same bytes on any machine. `check` reads it, never writes it.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tokenize
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from layerguard.config import ConfigError
from layerguard.files import NotRegularFile, read_regular_file, write_atomically
from layerguard.model import ClassFact, FileFacts, Finding, FunctionFact, ImportFact, Span

DEFAULT_BASELINE = "layerguard-baseline.json"
FORMAT_KEY = "layerguard-baseline"
FORMAT_VERSION = 1
# A baseline of 100,000 findings is ~15 MB: anything past this is not one (or not meant to be read).
MAX_BASELINE_BYTES = 256 * 1024 * 1024
_ENTRY_KEYS = ("code", "count", "scope", "statement")
# Tokens that carry no meaning for the fingerprint: comments and line structure.
_LAYOUT_TOKENS = frozenset(
    {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
)
_WORD_TOKENS = frozenset({tokenize.NAME, tokenize.NUMBER, tokenize.STRING})


class BaselineError(ConfigError):
    """The baseline file cannot be read or is not a baseline; the CLI prints it and exits 2."""


@dataclass(frozen=True, order=True)
class Fingerprint:
    """What identifies a finding across edits: never a line number."""

    code: str
    scope: str  # qualified name of the innermost enclosing function or class, "" at module level
    statement: str  # the reported statement, normalised; "" for a finding about the whole file


@dataclass(frozen=True)
class FileEntries:
    """One file's entries: its content hash and how many findings each fingerprint stands for."""

    content_hash: str
    counts: Mapping[Fingerprint, int]


@dataclass(frozen=True)
class Baseline:
    """Entries by file path, relative to the project root with `/` separators."""

    files: Mapping[str, FileEntries]

    @property
    def size(self) -> int:
        return sum(sum(entries.counts.values()) for entries in self.files.values())


@dataclass(frozen=True)
class BaselineOutcome:
    """The findings the baseline did not match, how many it matched, and how many of its
    entries matched nothing although their file and rule were checked."""

    findings: tuple[Finding, ...]
    matched: int
    fixed: int


# --- Fingerprints. ---


def relative_path(path: Path, root: Path) -> str:
    """`path` as the baseline names it: relative to the project root, with `/` separators."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return Path(os.path.relpath(path, root)).as_posix()


def content_hash(data: bytes) -> str:
    """The hash a renamed file is recognised by; line endings do not count (a Windows checkout)."""
    return hashlib.sha256(data.replace(b"\r\n", b"\n")).hexdigest()


def fingerprints(
    findings: Iterable[Finding], facts: FileFacts | None, source: bytes | None
) -> Iterator[Fingerprint]:
    """The fingerprints of findings in one file, from its facts and bytes (decoded once)."""
    lines = source.decode("utf-8", "replace").splitlines() if source is not None else None
    for finding in findings:
        if facts is None:
            yield Fingerprint(finding.code, "", "")
        else:
            yield Fingerprint(finding.code, _scope(finding, facts), _statement(finding, facts, lines))


def _scope(finding: Finding, facts: FileFacts) -> str:
    """The qualified name of the innermost function or class whose span holds the finding."""
    units: list[FunctionFact | ClassFact] = [*facts.functions, *facts.classes]
    enclosing = [
        (unit.span.line, -unit.span.end_line, unit.qualname)
        for unit in units
        if unit.span.line <= finding.line <= unit.span.end_line
    ]
    return max(enclosing)[2] if enclosing else ""


def _statement(finding: Finding, facts: FileFacts, lines: Sequence[str] | None) -> str:
    if (finding.line, finding.column) == (finding.end_line, finding.end_column):
        return ""  # a finding about the whole file (`at 1:1`), or a pipeline error
    imported = _imported_modules(finding, facts)
    if imported:
        return "; ".join(imported)
    if lines is None:
        return ""
    first, last = _statement_lines(finding.line, facts.statement_ranges)
    return normalised("\n".join(lines[first - 1 : last]))


def _imported_modules(finding: Finding, facts: FileFacts) -> list[str]:
    """The modules an import finding is about (`..models.User`), so that reformatting, an alias or
    a reordered name list leaves the fingerprint alone: the imported names at the finding's
    start, else every name of the import statement there."""
    start = (finding.line, finding.column)

    def holds(span: Span) -> bool:
        return (span.line, span.column) <= start <= (span.end_line, span.end_column)

    for at_name in (True, False):
        found = {
            _import_text(fact) for fact in facts.imports if holds(fact.span if at_name else fact.statement)
        }
        if found:
            return sorted(found)
    return []


def _import_text(fact: ImportFact) -> str:
    """`from ..models import User` / `import app.models`: the import without its alias."""
    module = "." * fact.level + fact.module
    return f"import {module}" if fact.name is None else f"from {module} import {fact.name}"


def _statement_lines(line: int, ranges: Sequence[tuple[int, int]]) -> tuple[int, int]:
    """The first and last line of the (multi-line) statement holding `line`."""
    index = bisect_right([start for start, _ in ranges], line) - 1
    if index >= 0 and ranges[index][0] <= line <= ranges[index][1]:
        return ranges[index]
    return line, line


def normalised(text: str) -> str:
    """Python text without comments, line structure or a trailing comma, tokens joined by a space
    only after a comma and where two words would otherwise merge: `f(\\n  a,  # x\\n  b,\\n)` ->
    `f(a, b)`."""
    try:
        tokens = [
            token
            for token in tokenize.generate_tokens(io.StringIO(text.strip()).readline)
            if token.type not in _LAYOUT_TOKENS
        ]
    except (tokenize.TokenError, SyntaxError):  # a fragment tokenize cannot end (an open bracket)
        return " ".join(text.split())
    parts: list[str] = []
    previous: tokenize.TokenInfo | None = None
    for index, token in enumerate(tokens):
        following = tokens[index + 1].string if index + 1 < len(tokens) else ""
        if token.string == "," and following in (")", "]", "}"):
            continue  # black's magic trailing comma comes and goes with the layout
        if previous is not None and previous.type in _WORD_TOKENS and token.type in _WORD_TOKENS:
            parts.append(" ")
        parts.append(" ".join(token.string.split()) if token.type == tokenize.STRING else token.string)
        if token.string == ",":
            parts.append(" ")
        previous = token
    return "".join(parts)


# --- Recording and matching. ---


def record(
    findings: Iterable[Finding],
    root: Path,
    facts_of: Callable[[Path], FileFacts | None],
    data_of: Callable[[Path], bytes | None],
) -> Baseline:
    """The baseline of `findings`: each file's fingerprints counted, with its content hash."""
    by_file: dict[Path, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.path, []).append(finding)
    files = {}
    for path, file_findings in by_file.items():
        data = data_of(path)
        counted = Counter(fingerprints(file_findings, facts_of(path), data))
        digest = content_hash(data) if data is not None else ""
        files[relative_path(path, root)] = FileEntries(digest, counted)
    return Baseline(files)


def merged(recorded: Baseline, kept_from: Baseline, recorded_paths: Callable[[str], bool]) -> Baseline:
    """`recorded`, plus the entries of `kept_from` for files the recording did not look at."""
    kept = {path: entries for path, entries in kept_from.files.items() if not recorded_paths(path)}
    return Baseline({**kept, **recorded.files})


def covered_by(paths: Sequence[str]) -> Callable[[str], bool]:
    """Whether a file (relative to the root) lies in one of `paths` (files or folders, relative)."""
    if "." in paths:
        return lambda path: True
    return lambda path: any(path == given or path.startswith(given + "/") for given in paths)


def apply(
    baseline: Baseline,
    findings: Sequence[Finding],
    *,
    root: Path,
    project_files: Collection[str],
    judged: Callable[[str], bool],
    enabled_codes: Collection[str],
    facts_of: Callable[[Path], FileFacts | None],
    data_of: Callable[[Path], bytes | None],
) -> BaselineOutcome:
    """Match `findings` (sorted) against the baseline. `project_files`: the project's files,
    relative; `judged(path)`: whether the run checked that file, so that its unmatched entries
    of `enabled_codes` count as fixed. A file with no entries whose content hash is that of a
    baseline file no longer in the project is matched against that file's entries (a rename)."""
    by_file: dict[Path, list[Finding]] = {}
    for finding in findings:
        by_file.setdefault(finding.path, []).append(finding)
    available = {path: Counter(entries.counts) for path, entries in baseline.files.items()}
    gone_by_hash: dict[str, list[str]] = {}
    for known, entries in sorted(baseline.files.items()):
        if known not in project_files and entries.content_hash:
            gone_by_hash.setdefault(entries.content_hash, []).append(known)
    checked_entries = {path for path in baseline.files if judged(path)}
    kept: list[Finding] = []
    matched = 0
    for path, file_findings in by_file.items():
        relative = relative_path(path, root)
        entries_path: str | None = relative if relative in available else None
        if entries_path is None:
            data = data_of(path)
            candidates = gone_by_hash.get(content_hash(data), []) if data is not None else []
            entries_path = candidates.pop(0) if candidates else None
            if entries_path is not None:
                checked_entries.add(entries_path)  # renamed here: what it leaves is fixed
        left = available.get(entries_path) if entries_path is not None else None
        if not left:
            kept += file_findings
            continue
        prints = fingerprints(file_findings, facts_of(path), data_of(path))
        for finding, found in zip(file_findings, prints, strict=True):
            if left[found] > 0:
                left[found] -= 1
                matched += 1
            else:
                kept.append(finding)
    fixed = sum(
        count
        for known in checked_entries
        for found, count in available[known].items()
        if found.code in enabled_codes and count > 0
    )
    return BaselineOutcome(tuple(kept), matched, fixed)


# --- The file. ---


def render(baseline: Baseline) -> bytes:
    """The baseline as sorted JSON, one entry per line: a diff shows the entries that changed."""
    out = ["{", f'  "{FORMAT_KEY}": {FORMAT_VERSION},', '  "files": {']
    paths = sorted(baseline.files)
    for file_index, path in enumerate(paths):
        entries = baseline.files[path]
        out.append(f"    {_json(path)}: {{")
        out.append(f'      "sha256": {_json(entries.content_hash)},')
        out.append('      "findings": [')
        rows = sorted(entries.counts.items())
        for index, (found, count) in enumerate(rows):
            entry = {"code": found.code, "count": count, "scope": found.scope, "statement": found.statement}
            out.append(f"        {_json(entry)}{',' if index < len(rows) - 1 else ''}")
        out.append("      ]")
        out.append(f"    }}{',' if file_index < len(paths) - 1 else ''}")
    out += ["  }", "}"]
    return ("\n".join(out) + "\n").encode("utf-8")


def _json(value: object) -> str:
    # ASCII only: the bytes do not depend on an editor's or a platform's encoding.
    return json.dumps(value, ensure_ascii=True, sort_keys=True)


def parse(data: bytes, shown: str) -> Baseline:
    """A baseline from its bytes; anything else is a one-line BaselineError naming the file."""
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        reason = f"invalid JSON ({error})" if isinstance(error, json.JSONDecodeError) else "not UTF-8 JSON"
        raise BaselineError(f"{shown}: not a layerguard baseline: {reason}") from None
    if not isinstance(document, dict) or document.get(FORMAT_KEY) != FORMAT_VERSION:
        raise BaselineError(
            f'{shown}: not a layerguard baseline (no "{FORMAT_KEY}": {FORMAT_VERSION}); '
            "write one with `layerguard baseline`"
        )
    files = document.get("files")
    if not isinstance(files, dict):
        raise BaselineError(f'{shown}: not a layerguard baseline: "files" must be an object')
    return Baseline({path: _file_entries(entries, shown, path) for path, entries in files.items()})


def _file_entries(value: object, shown: str, path: str) -> FileEntries:
    where = f"{shown}: the entry of {json.dumps(path)}"
    if not isinstance(value, dict) or not isinstance(value.get("sha256"), str):
        raise BaselineError(f'{where} must be an object with a "sha256" string and a "findings" list')
    findings = value.get("findings")
    if not isinstance(findings, list):
        raise BaselineError(f'{where} must have a "findings" list')
    counts: Counter[Fingerprint] = Counter()
    for entry in findings:
        if (
            not isinstance(entry, dict)
            or sorted(entry) != list(_ENTRY_KEYS)
            or not all(isinstance(entry[key], str) for key in ("code", "scope", "statement"))
            or isinstance(entry["count"], bool)
            or not isinstance(entry["count"], int)
            or entry["count"] < 1
        ):
            raise BaselineError(
                f"{where} has a finding that is not "
                '{"code": str, "count": int >= 1, "scope": str, "statement": str}'
            )
        counts[Fingerprint(entry["code"], entry["scope"], entry["statement"])] += entry["count"]
    return FileEntries(value["sha256"], counts)


def shown(path: Path) -> str:
    """The path for a message: relative to the current folder when below it, else absolute."""
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


def read(path: Path, root: Path) -> Baseline:
    """The baseline at `path`, read safely: a regular file only (never a FIFO or a device), and
    one inside the project may not lead out of it through a link."""
    shown_path = shown(path)
    _refuse_escape(path, root, shown_path)
    try:
        data = read_regular_file(path, limit=MAX_BASELINE_BYTES)
    except FileNotFoundError:
        raise BaselineError(
            f"{shown_path}: the baseline file does not exist; write it with `layerguard baseline`"
        ) from None
    except NotRegularFile:
        raise BaselineError(f"{shown_path}: the baseline is not a regular file") from None
    except OSError as error:
        raise BaselineError(
            f"{shown_path}: the baseline cannot be read ({error.strerror or error})"
        ) from None
    if len(data) > MAX_BASELINE_BYTES:
        raise BaselineError(f"{shown_path}: the baseline is larger than {MAX_BASELINE_BYTES >> 20} MiB")
    return parse(data, shown_path)


def write(path: Path, root: Path, baseline: Baseline) -> None:
    """Write the baseline atomically; a link at `path` is replaced, never followed."""
    shown_path = shown(path)
    _refuse_escape(path.parent, root, shown_path)
    try:
        if path.is_dir():
            raise BaselineError(f"{shown_path}: cannot write the baseline: it is a folder")
        write_atomically(path, render(baseline))
    except OSError as error:
        raise BaselineError(f"{shown_path}: cannot write the baseline ({error.strerror or error})") from None


def _refuse_escape(path: Path, root: Path, shown_path: str) -> None:
    """A baseline inside the project (where its configuration may name it) must stay inside it:
    a link there to a file elsewhere is refused. A path outside was given on the command line."""
    if not _inside(Path(os.path.abspath(path)), root):
        return
    real_root = os.path.realpath(root)
    if not _inside(Path(os.path.realpath(path)), Path(real_root)):
        raise BaselineError(f"{shown_path}: refusing the baseline: a link there leads out of the project")


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or path.is_relative_to(folder)
