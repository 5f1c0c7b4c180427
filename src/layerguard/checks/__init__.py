"""The rule registry: every rule, sorted by code, found by code or name."""

from __future__ import annotations

from layerguard.checks.base import INTERNAL_ERROR, PARSE_ERROR, FileRule, ProjectRule, Rule
from layerguard.checks.layer_bypass import LayerBypass
from layerguard.checks.optional_annotation import OptionalAnnotation
from layerguard.checks.union_annotation import UnionAnnotation
from layerguard.checks.upward_import import UpwardImport
from layerguard.model import RuleMeta

ALL_RULES: tuple[Rule, ...] = tuple(
    sorted(
        (UpwardImport(), LayerBypass(), OptionalAnnotation(), UnionAnnotation()),
        key=lambda rule: rule.meta.code,
    )
)

ALL_METAS: tuple[RuleMeta, ...] = (INTERNAL_ERROR, PARSE_ERROR, *(rule.meta for rule in ALL_RULES))


def lookup(code_or_name: str) -> RuleMeta | None:
    """The rule with this code (any case) or kebab-case name."""
    wanted = code_or_name.strip()
    for meta in ALL_METAS:
        if meta.code == wanted.upper() or meta.name == wanted.lower():
            return meta
    return None


def is_known_selector(selector: str) -> bool:
    """A code or prefix (`LG`, `LG1`, `LG101`) that names at least one rule."""
    return any(meta.code.startswith(selector) for meta in ALL_METAS)


__all__ = ["ALL_METAS", "ALL_RULES", "FileRule", "ProjectRule", "Rule", "is_known_selector", "lookup"]
