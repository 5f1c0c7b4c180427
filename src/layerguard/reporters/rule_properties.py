"""Each rule's GitHub code scanning properties: `tags`, `precision` and, for security rules,
`security-severity`, kept in one table keyed by code.

GitHub reads them from a SARIF rule's property bag: `precision` orders the alerts, and
`security-severity` (a number from 0.0 to 10.0, written as a string; 9.0 and up is critical,
7.0-8.9 high, 4.0-6.9 medium, below that low) makes an alert a security alert, used only
when the rule's `tags` include `security`. GitHub keeps at most 10 tags a rule.

Precision follows the audits: rules that look at one file's syntax say what they see
(`very-high` for pure syntax, `high` for patterns that need a little inference); rules that
depend on how the project's modules map to layers are `medium` until the layer audits of issue
13 prove otherwise (the baseline audit of LG101-LG103 on seven real apps found most sampled
findings false before those fixes). A code with no entry (a rule added later) gets its
family's properties, so a new rule never breaks the log.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleProperties:
    """What GitHub code scanning reads from a rule's property bag."""

    tags: tuple[str, ...]
    precision: str  # "very-high", "high", "medium" or "low"
    # A CVSS-like score as GitHub wants it ("8.8"), for security rules only.
    security_severity: str | None = None

    def as_sarif(self) -> dict[str, object]:
        """The entries this adds to a SARIF `reportingDescriptor.properties` bag."""
        bag: dict[str, object] = {"tags": list(self.tags), "precision": self.precision}
        if self.security_severity is not None:
            bag["security-severity"] = self.security_severity
        return bag


def _security(cwe: int, score: str, precision: str) -> RuleProperties:
    # GitHub shows CodeQL's CWE tags as `external/cwe/cwe-089`; the same spelling lets a team
    # filter every tool's alerts for one weakness.
    return RuleProperties(("security", f"external/cwe/cwe-{cwe:03d}"), precision, score)


# By rule family: the hundreds digit of the code (LG1xx are the layer rules, ...).
FAMILY_PROPERTIES: dict[str, RuleProperties] = {
    "LG0": RuleProperties(("correctness",), "very-high"),
    "LG1": RuleProperties(("architecture", "maintainability"), "medium"),
    "LG2": RuleProperties(("architecture", "maintainability"), "high"),
    "LG3": RuleProperties(("correctness", "performance", "async"), "high"),
    "LG4": RuleProperties(("maintainability", "typing"), "very-high"),
    "LG5": RuleProperties(("maintainability", "sql"), "high"),
    "LG6": RuleProperties(("maintainability", "pydantic"), "high"),
    "LG7": RuleProperties(("architecture", "api-design"), "high"),
    "LG8": RuleProperties(("maintainability", "naming"), "high"),
    "LG9": RuleProperties(("security",), "medium"),
}
RULE_PROPERTIES: dict[str, RuleProperties] = {
    "LG000": RuleProperties(("correctness",), "very-high"),
    "LG001": RuleProperties(("correctness",), "very-high"),
    "LG002": RuleProperties(("maintainability",), "very-high"),
    # Layer rules: they depend on which layer each module is in, so medium until proven.
    "LG101": RuleProperties(("architecture", "maintainability", "layers"), "medium"),
    "LG102": RuleProperties(("architecture", "maintainability", "layers"), "medium"),
    "LG103": RuleProperties(("architecture", "maintainability", "layers"), "medium"),
    "LG104": RuleProperties(("architecture", "maintainability", "fastapi"), "high"),
    "LG105": RuleProperties(("architecture", "maintainability", "fastapi"), "high"),
    "LG106": RuleProperties(("architecture", "maintainability", "import-cycle"), "medium"),
    "LG107": RuleProperties(("architecture", "maintainability", "fastapi"), "high"),
    "LG201": RuleProperties(("architecture", "maintainability", "fastapi"), "high"),
    "LG202": RuleProperties(("architecture", "maintainability", "fastapi"), "high"),
    "LG301": RuleProperties(("performance", "async", "fastapi"), "high"),
    "LG302": RuleProperties(("correctness", "async", "sqlalchemy"), "high"),
    "LG303": RuleProperties(("performance", "async", "sqlalchemy"), "high"),
    "LG304": RuleProperties(("performance", "async"), "high"),
    "LG305": RuleProperties(("correctness", "async", "sqlalchemy"), "high"),
    "LG401": RuleProperties(("maintainability", "typing"), "very-high"),
    "LG402": RuleProperties(("maintainability", "typing"), "very-high"),
    "LG403": RuleProperties(("maintainability", "typing"), "very-high"),
    "LG501": RuleProperties(("maintainability", "sql"), "high"),
    # Scores as CodeQL gives its queries for the same weakness, where it has one.
    # SQL injection (CodeQL py/sql-injection: 8.8). Medium: any interpolation is reported, with
    # no proof that the value comes from a request.
    "LG502": _security(89, "8.8", "medium"),
    "LG601": RuleProperties(("maintainability", "pydantic"), "high"),
    "LG602": RuleProperties(("maintainability", "pydantic"), "high"),
    "LG701": RuleProperties(("architecture", "api-design"), "high"),
    "LG702": _security(200, "7.5", "high"),  # a secret field sent to clients
    # Input validation (CWE-20). Not a security alert: a free-form body is a missing contract,
    # not a proven hole; high precision from the audit of eleven apps (issue 15).
    "LG703": RuleProperties(("api-design", "correctness", "fastapi", "external/cwe/cwe-020"), "high"),
    # An ORM object sent whole can expose columns (CWE-213), but the rule proves no leak.
    "LG704": RuleProperties(("api-design", "fastapi", "sqlalchemy"), "high"),
    "LG705": RuleProperties(("api-design", "fastapi"), "low"),  # opt-in: 37 of 64 sampled true
    "LG801": RuleProperties(("maintainability", "naming"), "high"),
    "LG802": RuleProperties(("maintainability", "naming"), "high"),
    "LG803": RuleProperties(("maintainability", "naming"), "high"),
    "LG804": RuleProperties(("correctness", "fastapi"), "medium"),
    "LG805": RuleProperties(("maintainability", "naming"), "medium"),
    "LG806": RuleProperties(("architecture", "maintainability"), "medium"),
    "LG901": _security(798, "7.5", "medium"),  # hard-coded credentials: a heuristic on names
    "LG902": _security(347, "7.0", "high"),  # JWT signature not verified
    "LG903": _security(942, "7.5", "high"),  # CORS: any origin with credentials
    "LG904": _security(209, "5.4", "medium"),  # error details sent (CodeQL py/stack-trace-exposure: 5.4)
    "LG905": _security(306, "7.5", "medium"),  # missing authentication; as configured, audited on 10 apps
    "LG906": _security(306, "7.5", "high"),  # a `dependencies` parameter: its auth never runs
}
# A code that matches no family (not `LGnxx`): only what is certain.
UNKNOWN = RuleProperties(("maintainability",), "medium")


def rule_properties(code: str) -> RuleProperties:
    """The properties of rule `code`: its own entry, else its family's."""
    return RULE_PROPERTIES.get(code) or FAMILY_PROPERTIES.get(code[:3], UNKNOWN)
