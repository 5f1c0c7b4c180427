"""`check()`: the one entry point the CLI, the flake8 plugin and the tests all call."""

from __future__ import annotations

import traceback
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from layerguard.checks import ALL_RULES, FileRule, ProjectRule, Rule
from layerguard.checks.base import INTERNAL_ERROR, PARSE_ERROR, make_finding
from layerguard.config import is_rule_enabled, load_config, per_file_ignored_codes
from layerguard.facts.parse import parse_file
from layerguard.model import Config, FileFacts, Finding, Report, Span
from layerguard.project import FileFinder, Project, find_source_roots, module_name
from layerguard.suppress import without_noqa


def check(
    paths: Sequence[str | Path] = (),
    *,
    config: Config | None = None,
    config_file: str | Path | None = None,
    select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    sources: Mapping[Path, bytes] | None = None,
) -> Report:
    """Check `paths` (files or folders; default: the current directory) against the whole
    project's import graph and return the sorted findings located in those paths.

    `sources` replaces the bytes of files on disk (an editor's unsaved buffer).
    Raises `ConfigError` for a bad configuration.
    """
    given = [Path(p) for p in paths] or [Path.cwd()]
    if config is None:
        config = load_config(
            given,
            config_file=Path(config_file) if config_file is not None else None,
            select=select,
            ignore=ignore,
        )
    finder = FileFinder(config)
    checked = finder.files(given)
    every_file = sorted(set(finder.files([config.root])) | set(checked))
    roots = find_source_roots(config)
    overrides = {p.absolute(): data for p, data in (sources or {}).items()}

    all_facts = []
    for path in every_file:
        module, is_package = module_name(path, roots, config.root)
        all_facts.append(parse_file(path, module, is_package, overrides.get(path)))
    project = Project(config, tuple(all_facts), frozenset(checked))

    enabled = [rule for rule in ALL_RULES if is_rule_enabled(config, rule.meta)]
    findings = list(_run_rules(project, enabled))
    findings = _suppressed_by_config(findings, config)
    report_rules = tuple(m for m in (INTERNAL_ERROR, PARSE_ERROR) if is_rule_enabled(config, m))
    return Report(
        findings=tuple(sorted(findings, key=Finding.sort_key)),
        rules=report_rules + tuple(rule.meta for rule in enabled),
        files_checked=len(checked),
    )


def _run_rules(project: Project, rules: Sequence[Rule]) -> Iterable[Finding]:
    checked = [facts for facts in project.files if project.is_checked(facts)]
    by_path: dict[Path, list[Finding]] = {facts.path: [] for facts in checked}
    for facts in checked:
        if facts.parse_error is not None:
            by_path[facts.path].append(facts.parse_error)
            continue
        for rule in rules:
            if isinstance(rule, FileRule):
                by_path[facts.path].extend(_guarded(rule, facts, lambda r=rule, f=facts: r.check_file(f, project)))
    for rule in rules:
        if isinstance(rule, ProjectRule) and checked:
            for finding in _guarded(rule, checked[0], lambda r=rule: r.check_project(project)):
                by_path.setdefault(finding.path, []).append(finding)
    facts_by_path = {facts.path: facts for facts in checked}
    for path, findings in by_path.items():
        yield from without_noqa(findings, facts_by_path[path]) if path in facts_by_path else findings


def _guarded(rule: Rule, facts: FileFacts, run: object) -> list[Finding]:
    """Run a rule; a crash becomes an LG000 finding naming the rule instead of ending the run."""
    try:
        return list(run())  # type: ignore[operator]
    except Exception as error:  # noqa: BLE001 - any bug in a rule must not end the run
        where = traceback.extract_tb(error.__traceback__)[-1]
        message = (
            f"Internal error in {rule.meta.code} ({rule.meta.name}): {type(error).__name__}: {error} "
            f"at {Path(where.filename).name}:{where.lineno}; please report this to the layerguard issue tracker"
        )
        return [make_finding(INTERNAL_ERROR, facts, Span(1, 0, 1, 0), message)]


def _suppressed_by_config(findings: list[Finding], config: Config) -> list[Finding]:
    """Drop what `per-file-ignores` silences and pipeline codes (LG000/LG001) not selected."""
    kept = []
    pipeline_enabled = {m.code: is_rule_enabled(config, m) for m in (INTERNAL_ERROR, PARSE_ERROR)}
    for finding in findings:
        if not pipeline_enabled.get(finding.code, True):
            continue
        try:
            relative = finding.path.relative_to(config.root).as_posix()
        except ValueError:
            relative = finding.path.as_posix()
        ignored = per_file_ignored_codes(config, relative)
        if ignored and finding.code.startswith(tuple(ignored)):
            continue
        kept.append(finding)
    return kept
