"""`check --fix`, `--diff`, `--unsafe-fixes` and `--add-noqa`: change the checked files, safely.

A fix round takes the findings of a check, applies their fixes to the text of each file
(non-overlapping edits; LG601's `class Config` goes through libcst, in a separate process:
`fix_rewrites`), puts the new texts into the same `Workspace` and checks again. Rounds repeat
until nothing is left to fix, as ruff's do; then libcst drops the typing imports the PEP 604
fixes left unused, once per file (once per round was most of a run's time on prefect). A file
is written only if its fixed text parses and the last check finds no fix left to apply in it
(SPEC §7); else it keeps its bytes and a message says why. Writes are atomic and keep the file's mode; a file
reached through a symbolic link, or changed on disk meanwhile, is never written.
"""

from __future__ import annotations

import difflib
import io
import multiprocessing
import os
import re
import sys
import threading
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.context import ForkContext, SpawnContext
from pathlib import Path

from layerguard.engine import Workspace
from layerguard.files import read_regular_file, write_atomically
from layerguard.model import (
    INTERNAL_ERROR,
    PARSE_ERROR,
    SAFE,
    UNUSED_NOQA,
    Config,
    FileFacts,
    Finding,
    Report,
)

# Rounds of fixing at most, as ruff's loop: a fix whose result still has fixes to apply after
# this many rounds does not converge, and its file is left alone.
MAX_ROUNDS = 10
LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
CLASS_CONFIG_RE = re.compile(r"\s*class\s+Config\b")
# A typing import that names `Optional` or `Union` (on its line or in its parentheses).
TYPING_IMPORT_RE = re.compile(r"from\s+typing(?:_extensions)?\s+import\s[^;]*?\b(?:Optional|Union)\b", re.S)
NOQA_RE = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
# libcst may take this many times `parse-timeout` on one file before it is given up on.
REWRITE_TIMEOUT_FACTOR = 3
PEP604_CODES = frozenset({"LG401", "LG402"})
CONFIG_CODE = "LG601"
# Codes whose findings `--add-noqa` leaves alone: a file that does not parse has no statement
# to put a comment on, a crash is layerguard's to fix, and an unused noqa is removed, not kept.
NO_NOQA_CODES = frozenset({INTERNAL_ERROR.code, PARSE_ERROR.code, UNUSED_NOQA.code})


@dataclass
class FixResult:
    """What `--fix` did: the findings left, the findings fixed per file, each changed file's
    bytes before and after, and the files it left alone with the reason."""

    report: Report
    fixed: dict[Path, list[Finding]] = field(default_factory=dict)
    changes: dict[Path, tuple[bytes, bytes]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def fixed_count(self) -> int:
        return sum(len(findings) for path, findings in self.fixed.items() if path in self.changes)


def applies(finding: Finding, unsafe: bool) -> bool:
    """Whether `--fix` (with `--unsafe-fixes` when `unsafe`) applies the finding's fix."""
    return finding.fix is not None and (unsafe or finding.fix.applicability == SAFE)


def fix_project(
    config: Config, given: Sequence[Path], *, jobs: int | None, cache: bool, unsafe: bool
) -> FixResult:
    """Fix the findings in `given` in memory: `FixResult.changes` says what to write."""
    workspace = Workspace(config, jobs=jobs, cache=cache)
    report = workspace.check(given)
    fixer = _Fixer(config, workspace, unsafe)
    for _ in range(MAX_ROUNDS):
        if not fixer.round(report):
            break
        report = workspace.check(given)
        if fixer.revert_unparsable(report):
            report = workspace.check(given)
    if fixer.drop_unused_typing_imports():
        report = workspace.check(given)
        if fixer.revert_unparsable(report):
            report = workspace.check(given)
    if fixer.give_up_unconverged(report):
        report = workspace.check(given)
    changes = {
        path: (fixer.originals[path], encoded)
        for path, text in fixer.texts.items()
        if (encoded := fixer.encode(path, text)) != fixer.originals[path]
    }
    return FixResult(report, fixer.fixed, changes, fixer.problems)


class _Fixer:
    """The state of a fix run: each file's text as the rounds change it."""

    def __init__(self, config: Config, workspace: Workspace, unsafe: bool) -> None:
        self.config = config
        self.workspace = workspace
        self.unsafe = unsafe
        self.originals: dict[Path, bytes] = {}
        self.boms: dict[Path, bool] = {}
        self.texts: dict[Path, str] = {}
        self.previous: dict[Path, str] = {}
        self.fixed: dict[Path, list[Finding]] = {}
        self.closed: set[Path] = set()  # left alone from now on
        self.declined: set[tuple[Path, int]] = set()  # `class Config` lines libcst declined
        self.pep604_fixed: set[Path] = set()  # files whose typing imports may have become unused
        self.problems: list[str] = []

    def _wanted(self, finding: Finding) -> bool:
        if finding.path in self.closed:
            return False
        if applies(finding, self.unsafe):
            return True
        return self.unsafe and self._is_class_config(finding)

    def _is_class_config(self, finding: Finding) -> bool:
        """An LG601 at a `class Config:`: libcst rewrites it (unsafe: another module may read
        `Model.Config`, as `class Config(Base.Config)` does)."""
        if finding.code != CONFIG_CODE or (finding.path, finding.line) in self.declined:
            return False
        text = self.texts.get(finding.path)
        lines = LINE_RE.findall(text) if text is not None else []
        return finding.line <= len(lines) and CLASS_CONFIG_RE.match(lines[finding.line - 1]) is not None

    def _text(self, path: Path, report: Report) -> str | None:
        """The file's current text; None (and the file closed) when it cannot be fixed."""
        if path in self.texts:
            return self.texts[path]
        data = report.sources.get(path)
        reason = _unwritable(path, self.config.root) if data is not None else "its bytes were not read"
        if reason is None:
            assert data is not None
            bom = data.startswith(b"\xef\xbb\xbf")
            try:
                text = data[3 if bom else 0 :].decode("utf-8")
            except UnicodeDecodeError:
                reason = "it is not UTF-8"
        if reason is not None:
            self._close(path, f"not fixed: {reason}")
            return None
        assert data is not None
        self.originals[path], self.boms[path], self.texts[path] = data, bom, text
        return text

    def encode(self, path: Path, text: str) -> bytes:
        return (b"\xef\xbb\xbf" if self.boms[path] else b"") + text.encode("utf-8")

    def round(self, report: Report) -> bool:
        """Apply one round of fixes; whether any file changed."""
        by_file: dict[Path, list[Finding]] = {}
        for finding in report.findings:
            by_file.setdefault(finding.path, []).append(finding)
        rewrites: list[tuple[Path, str, str, tuple[int, ...], list[Finding]]] = []
        new_texts: dict[Path, str] = {}
        for path, findings in by_file.items():
            if path in self.closed or not any(
                applies(f, self.unsafe) or (self.unsafe and f.code == CONFIG_CODE) for f in findings
            ):
                continue
            text = self._text(path, report)
            if text is None:
                continue
            wanted = [f for f in findings if self._wanted(f)]
            configs = [f for f in wanted if f.fix is None]
            if configs:  # libcst rewrites on their own: their positions are this text's
                lines = tuple(f.line for f in configs)
                rewrites.append((path, "config", text, lines, configs))
                continue
            if not wanted:
                continue
            new_text, used = apply_fixes(text, wanted)
            if not used:
                continue
            self.fixed.setdefault(path, []).extend(used)
            if any(f.code in PEP604_CODES for f in used):
                self.pep604_fixed.add(path)
            new_texts[path] = new_text
        self._rewrite(rewrites, new_texts)
        return self._update(new_texts)

    def _update(self, new_texts: dict[Path, str]) -> bool:
        """Take the new texts (the old ones kept to undo); whether any file changed."""
        changed = False
        for path, new_text in new_texts.items():
            if new_text != self.texts[path]:
                self.previous[path] = self.texts[path]
                self.texts[path] = new_text
                self.workspace.update(path, self.encode(path, new_text))
                changed = True
        return changed

    def drop_unused_typing_imports(self) -> bool:
        """Once the rounds are over (libcst once per file, not once per round): `Optional`/
        `Union` out of the typing imports of the files whose PEP 604 fixes left them unused."""
        paths = sorted(
            p for p in self.pep604_fixed if p not in self.closed and TYPING_IMPORT_RE.search(self.texts[p])
        )
        new_texts: dict[Path, str] = {}
        self._rewrite([(path, "typing", self.texts[path], (), []) for path in paths], new_texts)
        return self._update(new_texts)

    def _rewrite(
        self,
        rewrites: list[tuple[Path, str, str, tuple[int, ...], list[Finding]]],
        new_texts: dict[Path, str],
    ) -> None:
        """Run the libcst rewrites of a round, in a child process, into `new_texts`."""
        timeout = REWRITE_TIMEOUT_FACTOR * self.config.parse_timeout
        answers = run_isolated([(kind, text, lines) for _, kind, text, lines, _ in rewrites], timeout)
        for (path, kind, text, lines, configs), (ok, answer) in zip(rewrites, answers, strict=True):
            if not ok:
                assert isinstance(answer, str)
                if kind == "typing":  # the PEP 604 edits stand; only the import stays
                    self.problems.append(f"{_shown(path)}: unused typing imports kept: {answer}")
                    new_texts[path] = text
                else:
                    self.declined.update((path, line) for line in lines)
                    self.problems.append(f"{_shown(path)}: `class Config` not rewritten: {answer}")
                continue
            if kind == "typing":
                assert isinstance(answer, str)
                new_texts[path] = answer
                continue
            assert isinstance(answer, tuple)
            new_text, declined = answer
            for line, why in sorted(declined.items()):
                self.declined.add((path, line))
                self.problems.append(f"{_shown(path)}:{line}: `class Config` not rewritten: {why}")
            done = [f for f in configs if f.line not in declined]
            if done:
                self.fixed.setdefault(path, []).extend(done)
                new_texts[path] = new_text

    def revert_unparsable(self, report: Report) -> bool:
        """Undo the last round in a file it left unparsable (a bug in a fix); whether any was."""
        broken = {f.path for f in report.findings if f.code == PARSE_ERROR.code and f.path in self.previous}
        for path in broken:
            self.texts[path] = self.previous.pop(path)
            self.workspace.update(path, self.encode(path, self.texts[path]))
            self._close(path, "its last fixes were undone: the fixed file would not parse")
        return bool(broken)

    def give_up_unconverged(self, report: Report) -> bool:
        """A file that still has fixes to apply after the last round keeps its bytes."""
        left = {f.path for f in report.findings if f.path in self.texts and self._wanted(f)}
        left &= {path for path in self.texts if self.fixed.get(path)}
        for path in left:
            self.texts[path] = self.originals[path][3 if self.boms[path] else 0 :].decode("utf-8")
            self.workspace.update(path, self.originals[path])
            self._close(path, f"not fixed: fixes did not converge after {MAX_ROUNDS} rounds")
        return bool(left)

    def _close(self, path: Path, message: str) -> None:
        self.closed.add(path)
        self.problems.append(f"{_shown(path)}: {message}")


def _shown(path: Path) -> str:
    from layerguard.reporters.paths import display_path

    return display_path(path)


def _unwritable(path: Path, root: Path) -> str | None:
    """Why `path` must not be written, if it must not: outside the project, a symbolic link or
    below one (a write would land elsewhere), not a regular file."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        return "it is outside the project"
    if Path(os.path.realpath(path)) != Path(os.path.realpath(root)) / relative:
        return "it is a symbolic link or reached through one"
    if not path.is_file():
        return "it is not a regular file"
    return None


# --- Edits. ---


def apply_fixes(text: str, findings: Iterable[Finding]) -> tuple[str, list[Finding]]:
    """`text` with the fixes of `findings` applied, each whole or not at all, skipping one that
    overlaps a fix already taken (the next round gets it), and the findings whose fix was taken."""
    starts = _line_starts(text)
    taken: list[tuple[int, int, str]] = []
    used: list[Finding] = []
    candidates = sorted(
        (f for f in findings if f.fix is not None and f.fix.edits),
        key=lambda f: min(_offset(starts, e.line, e.column, text) for e in f.fix.edits),  # type: ignore[union-attr]
    )
    for finding in candidates:
        assert finding.fix is not None
        spans = sorted(
            (
                _offset(starts, e.line, e.column, text),
                _offset(starts, e.end_line, e.end_column, text),
                e.content,
            )
            for e in finding.fix.edits
        )
        if any(start > end for start, end, _ in spans) or not all(
            _disjoint(start, end, taken) for start, end, _ in spans
        ):
            continue
        taken += spans
        used.append(finding)
    for start, end, content in sorted(taken, reverse=True):
        text = text[:start] + content + text[end:]
    return text, used


def _disjoint(start: int, end: int, taken: Iterable[tuple[int, int, str]]) -> bool:
    # Touching is fine; two insertions at one place are not (their order would be a guess).
    return all(end <= other_start or start >= other_end for other_start, other_end, _ in taken) and all(
        not (start == end == other_start == other_end) for other_start, other_end, _ in taken
    )


def _line_starts(text: str) -> list[int]:
    starts = [0]
    for line in LINE_RE.findall(text):
        starts.append(starts[-1] + len(line))
    return starts


def _offset(starts: list[int], line: int, column: int, text: str) -> int:
    """The offset of a 1-based line and 0-based column; past the end is the end."""
    if line - 1 >= len(starts):
        return len(text)
    return min(starts[line - 1] + column, len(text))


def unified_diff(changes: dict[Path, tuple[bytes, bytes]]) -> str:
    """What `--fix` would change, as `diff -u` shows it, file by file in path order."""
    out: list[str] = []
    for path in sorted(changes):
        before, after = (data.decode("utf-8", "surrogateescape") for data in changes[path])
        name = _shown(path)
        out += difflib.unified_diff(
            before.splitlines(keepends=True), after.splitlines(keepends=True), name, name
        )
        if out and not out[-1].endswith("\n"):
            out[-1] += "\n\\ No newline at end of file\n"
    return "".join(out)


def write_changes(result: FixResult) -> None:
    """Write each fixed file, atomically and with its mode, unless it is no longer the bytes
    that were fixed (edited meanwhile) or has become a link: then a message, no write."""
    for path, (before, after) in sorted(result.changes.items()):
        try:
            now = read_regular_file(path, follow_symlinks=False)
        except OSError as error:
            result.problems.append(f"{_shown(path)}: not written: {error.strerror or error}")
            continue
        if now != before:
            result.problems.append(f"{_shown(path)}: not written: it changed while being fixed")
            continue
        try:
            write_atomically(path, after)
        except OSError as error:
            result.problems.append(f"{_shown(path)}: not written: {error.strerror or error}")


# --- The separate process libcst runs in. ---


def run_isolated(
    tasks: Sequence[tuple[str, str, tuple[int, ...]]], timeout: float
) -> list[tuple[bool, object]]:
    """Each task's `(True, answer)` or `(False, why)`, from a child process running
    `fix_rewrites`: a task that crashes it or runs past `timeout` seconds fails alone, and the
    tasks after it go to a new child."""
    answers: list[tuple[bool, object]] = []
    while len(answers) < len(tasks):
        answers += _run_child(tasks[len(answers) :], timeout)
    return answers


def _run_child(
    tasks: Sequence[tuple[str, str, tuple[int, ...]]], timeout: float
) -> list[tuple[bool, object]]:
    """The answers of one child: every task's, or those before the one it failed on, then why
    that one failed."""
    context: ForkContext | SpawnContext = (
        multiprocessing.get_context("fork")
        if sys.platform.startswith("linux") and threading.active_count() == 1
        else multiprocessing.get_context("spawn")
    )
    ours, theirs = context.Pipe()
    process = context.Process(target=_serve, args=(theirs, list(tasks)), daemon=True)
    process.start()
    theirs.close()
    answers: list[tuple[bool, object]] = []
    try:
        while len(answers) < len(tasks):
            if not ours.poll(timeout):
                answers.append((False, f"libcst took longer than {timeout:g} s"))
                break
            try:
                answers.append(ours.recv())
            except (EOFError, OSError):
                process.join(1)
                answers.append((False, f"libcst crashed (exit code {process.exitcode})"))
                break
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        ours.close()
    return answers


def _serve(connection: Connection, tasks: list[tuple[str, str, tuple[int, ...]]]) -> None:
    """In the child: answer each task in order."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    for kind, text, lines in tasks:
        connection.send(_rewrite(kind, text, lines))
    connection.close()


def _rewrite(kind: str, text: str, lines: tuple[int, ...]) -> tuple[bool, object]:
    import libcst

    from layerguard import fix_rewrites

    try:
        if kind == "typing":
            return True, fix_rewrites.drop_unused_typing_names(text)
        return True, fix_rewrites.config_to_model_config(text, lines)
    except (libcst.ParserSyntaxError, RecursionError, MemoryError, tokenize.TokenError) as error:
        return False, f"libcst cannot rewrite it ({type(error).__name__})"
    except Exception as error:  # a bug in a rewrite costs that file its rewrite, not the run
        return False, f"internal error in the rewrite: {type(error).__name__}: {error}"


# --- `--add-noqa`. ---


@dataclass
class NoqaResult:
    """What `--add-noqa` did: the comments added or extended, per file, and each file's bytes."""

    added: int
    changes: dict[Path, tuple[bytes, bytes]]
    problems: list[str]


def add_noqa(config: Config, given: Sequence[Path], *, jobs: int | None, cache: bool) -> NoqaResult:
    """A `# noqa: CODES` for every current finding, at the end of a line of its statement."""
    workspace = Workspace(config, jobs=jobs, cache=cache)
    report = workspace.check(given)
    project = workspace.project(given)
    facts = {f.path: f for f in project.files}
    fixer = _Fixer(config, workspace, unsafe=False)
    by_line: dict[Path, dict[int, set[str]]] = {}
    for finding in report.findings:
        if finding.code in NO_NOQA_CODES or finding.path not in facts:
            continue
        text = fixer._text(finding.path, report)
        if text is None:
            continue
        line = _noqa_line(text, facts[finding.path], finding.line)
        if line is None:
            fixer.problems.append(
                f"{_shown(finding.path)}:{finding.line}: no line of the statement takes a comment"
            )
            continue
        by_line.setdefault(finding.path, {}).setdefault(line, set()).add(finding.code)
    added = 0
    for path, lines in by_line.items():
        new_text = _with_noqa(fixer.texts[path], lines)
        fixer.texts[path] = new_text
        workspace.update(path, fixer.encode(path, new_text))
        added += len(lines)
    after = workspace.check(given)
    broken = {f.path for f in after.findings if f.code == PARSE_ERROR.code and f.path in by_line}
    for path in broken:
        fixer.problems.append(f"{_shown(path)}: no noqa added: the file would not parse")
        added -= len(by_line[path])
        fixer.texts[path] = fixer.originals[path][3 if fixer.boms[path] else 0 :].decode("utf-8")
    changes = {
        path: (fixer.originals[path], encoded)
        for path, text in fixer.texts.items()
        if (encoded := fixer.encode(path, text)) != fixer.originals[path]
    }
    return NoqaResult(added, changes, fixer.problems)


def _noqa_line(text: str, facts: FileFacts, line: int) -> int | None:
    """The first line of the statement at `line` where a comment can end the line: not inside a
    multi-line string and not continued by a backslash."""
    first, last = line, line
    for start, end in facts.statement_ranges:
        if start <= line <= end:
            first, last = start, end
            break
    lines = LINE_RE.findall(text)
    inside = _lines_inside_tokens(text)
    for number in range(first, min(last, len(lines)) + 1):
        if number not in inside and not lines[number - 1].rstrip("\r\n").endswith("\\"):
            return number
    return None


def _lines_inside_tokens(text: str) -> set[int]:
    """Lines whose end lies inside a string (a triple-quoted string or f-string spanning lines)."""
    inside: set[int] = set()
    for token in tokenize.generate_tokens(io.StringIO(text).readline):
        if token.start[0] != token.end[0] and token.type not in (tokenize.NL, tokenize.NEWLINE):
            inside.update(range(token.start[0], token.end[0]))
    return inside


def _with_noqa(text: str, codes_by_line: dict[int, set[str]]) -> str:
    lines = LINE_RE.findall(text)
    for number, codes in codes_by_line.items():
        line = lines[number - 1]
        body = line.rstrip("\r\n")
        ending = line[len(body) :]
        match = _comment_noqa(body)
        if match is not None and match.group("codes"):
            written = [c.upper() for c in re.findall(r"[A-Z]+[0-9]+", match.group("codes"), re.I)]
            merged = written + sorted(codes - set(written))
            body = body[: match.start("codes")] + ", ".join(merged) + body[match.end("codes") :]
        else:
            body = f"{body.rstrip()}  # noqa: {', '.join(sorted(codes))}"
        lines[number - 1] = body + (ending or "")
    return "".join(lines)


def _comment_noqa(line: str) -> re.Match[str] | None:
    """The noqa directive in the line's comment, if the line has one."""
    try:
        for token in tokenize.generate_tokens(io.StringIO(line + "\n").readline):
            if token.type == tokenize.COMMENT:
                return NOQA_RE.search(line, token.start[1])
    except (tokenize.TokenError, SyntaxError):  # a line of a longer statement: its tokens so far
        return None
    return None


def write_noqa(result: NoqaResult) -> None:
    """Write the files `--add-noqa` changed, as `write_changes` does."""
    as_fix = FixResult(Report((), (), 0), changes=result.changes, problems=result.problems)
    write_changes(as_fix)


# --- What `check` runs for these flags. ---


@dataclass
class FixOutcome:
    """For the CLI: the report to render (None: `output` is all there is to print), text for
    stdout, one-line messages for stderr, and the exit code when the report does not decide it."""

    report: Report | None
    output: str = ""
    messages: list[str] = field(default_factory=list)
    exit_code: int | None = None


def run_fixes(
    config: Config,
    given: Sequence[Path],
    *,
    write: bool,
    unsafe: bool,
    show: bool,
    add_noqa_comments: bool,
    jobs: int | None,
    cache: bool,
) -> FixOutcome:
    """`--add-noqa`, `--diff` (`write=False`: the diff, nothing written, exit 1 when there is
    something to fix) or `--fix` (the findings left, and with `show` the fixes applied)."""
    if add_noqa_comments:
        noqa = add_noqa(config, given, jobs=jobs, cache=cache)
        write_noqa(noqa)
        messages = [*noqa.problems, f"added {_count(noqa.added, 'noqa directive')}"]
        return FixOutcome(None, messages=messages, exit_code=0)
    result = fix_project(config, given, jobs=jobs, cache=cache, unsafe=unsafe)
    if not write:
        messages = [*result.problems, f"would fix {_count(result.fixed_count, 'finding')}"]
        return FixOutcome(None, unified_diff(result.changes), messages, exit_code=1 if result.changes else 0)
    write_changes(result)
    messages = [
        *result.problems,
        f"fixed {_count(result.fixed_count, 'finding')} in {_count(len(result.changes), 'file')}",
    ]
    return FixOutcome(result.report, show_fixes(result) if show else "", messages)


def _count(number: int, word: str) -> str:
    return f"{number} {word}" if number == 1 else f"{number} {word}s"


def show_fixes(result: FixResult) -> str:
    """`--show-fixes`: the fixes applied, per file and rule, as ruff lists them."""
    if not result.changes:
        return "No fixes applied.\n"
    lines = [f"Fixed {_count(result.fixed_count, 'finding')}:"]
    for path in sorted(result.changes):
        lines.append(f"- {_shown(path)}:")
        counts: dict[tuple[str, str], int] = {}
        for finding in result.fixed.get(path, []):
            counts[(finding.code, finding.name)] = counts.get((finding.code, finding.name), 0) + 1
        lines += [f"    {n} × {code} ({name})" for (code, name), n in sorted(counts.items())]
    return "\n".join(lines) + "\n"
