"""LG901: a secret written into the source.

Four places hold one:

- the value or default of a module constant, class field (a settings class, a dataclass) or
  function parameter whose name is a secret name (`secret-names`, matched as the whole name or
  its last `_` parts: `db_password`, `OPENAI_API_KEY`, `jwtSecret`), including through
  `Field("...")`, `SecretStr("...")` and the fallback of `os.getenv("NAME", "...")`;
- a database or broker URL literal with an inline password (`postgresql://app:pw@db/app`);
- a literal key given to `jwt.encode`/`jwt.decode`, `hmac.new` or `Fernet(...)`.

Not secrets: `""` (an unset value), a template (`"${DB_PASSWORD}"`, `"{password}"`), a value
that names rather than holds the secret (`API_KEY = "OPENAI_API_KEY"`, an environment variable;
`PASSWORD = "password"`, a form key), text with spaces (a message), enum members, and names that
only end in a secret word's neighbour (`password_url`, `api_key_header`, `token_type`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import TYPE_CHECKING

from layerguard.checks.base import FileRule
from layerguard.checks.literals import keyword, literal_text, resolved
from layerguard.model import (
    DSN_RE,
    ClassFact,
    ExprFact,
    FileFacts,
    Finding,
    RuleMeta,
    Severity,
    Span,
)
from layerguard.symbol_kinds import ENUM_BASES

if TYPE_CHECKING:
    from layerguard.context import FileView

# Calls whose argument is the value: `Field("k")`, `SecretStr("k")`; `os.getenv("NAME", "k")`'s
# fallback.
VALUE_WRAPPERS = frozenset(
    {
        "pydantic.Field", "pydantic.fields.Field", "sqlmodel.Field", "dataclasses.field",
        "pydantic.SecretStr", "pydantic.types.SecretStr",
        "pydantic.SecretBytes", "pydantic.types.SecretBytes",
    }
)  # fmt: skip
ENV_LOOKUPS = frozenset({"os.getenv", "os.environ.get", "os.environ.setdefault"})
# Where a key is an argument: (qualified callee, position, keyword).
KEY_ARGUMENTS = {
    "jwt.encode": (1, "key"),
    "jwt.decode": (1, "key"),
    "jose.jwt.encode": (1, "key"),
    "jose.jwt.decode": (1, "key"),
    "hmac.new": (0, "key"),
    "cryptography.fernet.Fernet": (0, "key"),
}
# URL schemes of databases and brokers: a password inline in one is a credential.
DATABASE_SCHEMES = frozenset(
    {
        "postgresql", "postgres", "mysql", "mariadb", "oracle", "mssql", "cockroachdb", "redshift",
        "snowflake", "clickhouse", "mongodb", "redis", "rediss", "amqp", "amqps",
    }
)  # fmt: skip
# `user:password@host` at the start of what follows `scheme://`.
INLINE_PASSWORD_RE = re.compile(r"(?P<user>[^:/@\s]*):(?P<password>[^@/\s]+)@(?P<host>\[[^\]]*\]|[^:/?\s]*)")
# The developer's own machine: a password there protects a local development database only.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "[::1]"})
TEMPLATE_RE = re.compile(r"\$\{|\{[^{}]*\}|%\(|%s|^<.*>$|^\*+$|^x+$", re.I)
ENVIRONMENT_NAME_RE = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
WORD_RE = re.compile(r"[a-z0-9]+")
# Name parts that say the value is not a real secret, or one meant to be published.
NOT_REAL_WORDS = frozenset(
    {"placeholder", "example", "sample", "dummy", "fake", "mock", "test", "redacted", "public", "publishable"}
)
# Keys their vendors publish in every web page: PostHog project keys, Stripe publishable keys.
PUBLIC_KEY_PREFIXES = ("phc_", "pk_live_", "pk_test_")


class HardcodedSecret(FileRule):
    meta = RuleMeta(
        code="LG901",
        name="hardcoded-secret",
        severity=Severity.ERROR,
        summary="A secret (key, password, token) is written in the source",
        calls=frozenset({"Fernet"}),
        call_modules=frozenset({"jwt", "jose", "hmac"}),
    )

    def check_file(self, facts: FileFacts, view: FileView) -> Iterator[Finding]:
        secret_names = normalized_names(tuple(view.config.secret_names))
        for name, value in named_values(facts, view):
            if not is_secret_name(name, secret_names):
                continue
            secret = secret_literal(value, facts)
            if secret is not None and not names_the_secret(secret[0], name, secret_names):
                message = (
                    f"`{name}` is given a literal secret: read it from the environment or a secret store"
                )
                yield self.finding(facts, secret[1], message)
        for dsn in facts.dsn_strings:
            password = inline_password(dsn.value)
            if password is not None:
                message = (
                    "Database URL with an inline password: read the URL or the password from the environment"
                )
                yield self.finding(facts, dsn.span, message)
        for call in facts.calls:
            key = key_argument(call.call, facts, view)
            if key is not None and looks_secret(key[0]):
                what = call.call.text.split("(", 1)[0]
                message = f"`{what}()` is given a literal key: read it from the environment or a secret store"
                yield self.finding(facts, key[1], message)


def named_values(facts: FileFacts, view: FileView) -> Iterator[tuple[str, ExprFact]]:
    """(name, value) of every module constant, class field and parameter default."""
    for assignment in facts.assignments:
        if assignment.value is not None:
            yield assignment.name, assignment.value
    for cls in facts.classes:
        if is_enum(cls, facts, view):
            continue
        for field in cls.fields:
            if field.value is not None:
                yield field.name, field.value
    for function in facts.functions:
        for param in function.params:
            if param.default is not None:
                yield param.name, param.default


def is_enum(cls: ClassFact, facts: FileFacts, view: FileView) -> bool:
    return view.symbols.inherits_from(cls, facts, ENUM_BASES)


def normalized(name: str) -> str:
    """`jwtSecret`, `JWT_SECRET`, `_jwt_secret` -> `jwt_secret`."""
    return CAMEL_RE.sub("_", name.strip("_")).lower().replace("-", "_")


@lru_cache(maxsize=16)  # the configured names, normalized once rather than for every file
def normalized_names(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(normalized(name) for name in names)


@lru_cache(maxsize=4096)  # 4,400 named values on dstack, far fewer names: normalizing was the main cost
def is_secret_name(name: str, secret_names: tuple[str, ...]) -> bool:
    """The name is a secret name or ends with one, and does not say it holds a stand-in
    (`PLACEHOLDER_SECRET_KEY`, `EXAMPLE_API_KEY`: what real values are compared with)."""
    plain = normalized(name)
    if not NOT_REAL_WORDS.isdisjoint(plain.split("_")):
        return False
    return any(plain == secret or plain.endswith("_" + secret) for secret in secret_names)


def secret_literal(value: ExprFact, facts: FileFacts) -> tuple[str, Span] | None:
    """The literal the value holds, directly or through `Field(...)`, `SecretStr(...)` or an
    environment lookup's fallback, when it looks like a secret."""
    literal = literal_text(value)
    if literal is None and value.kind == "call":
        inner = wrapped_value(value)
        if inner is not None:
            value = inner
            literal = literal_text(inner)
    if literal is None or not looks_secret(literal):
        return None
    return literal, value.span


def wrapped_value(call: ExprFact) -> ExprFact | None:
    if call.qualified in VALUE_WRAPPERS:
        found = keyword(call, "default")
        return found if found is not None else (call.args[0] if call.args else None)
    if call.qualified in ENV_LOOKUPS:
        found = keyword(call, "default")
        return found if found is not None else (call.args[1] if len(call.args) > 1 else None)
    return None


def looks_secret(text: str) -> bool:
    """Text that would be used as the secret itself: not empty, not a template or a mask, not an
    environment variable's name, not a sentence."""
    if not text.strip() or any(c.isspace() for c in text):
        return False
    if TEMPLATE_RE.search(text) or ENVIRONMENT_NAME_RE.fullmatch(text):
        return False
    # A path (`API_TOKEN = "/api_token"`, a route) or a URL names where a secret is, not one.
    return not (text.startswith(("/", "./", *PUBLIC_KEY_PREFIXES)) or "://" in text)


def names_the_secret(text: str, name: str, secret_names: tuple[str, ...]) -> bool:
    """The value is a label made of the name's own words, a secret word among them
    (`PASSWORD = "password"`, `AUTH_METHOD_API_KEY = "api_key"`, `RESOURCE_PASSWORD =
    "Passwords"`), not a secret. `DEFAULT_ADMIN_PASSWORD = "admin"` holds one."""
    name_words = set(normalized(name).split("_"))
    secret_words = {word for secret in secret_names for word in secret.split("_")}
    value_words = [word.removesuffix("s") for word in WORD_RE.findall(CAMEL_RE.sub("_", text).lower())]
    return (
        bool(value_words)
        and all(word in name_words for word in value_words)
        and any(word in secret_words for word in value_words)
    )


def inline_password(url: str) -> str | None:
    match = DSN_RE.match(url)
    if match is None or match.group("dialect") not in DATABASE_SCHEMES:
        return None
    found = INLINE_PASSWORD_RE.match(match.group("rest"))
    if found is None or found.group("host").lower() in LOCAL_HOSTS:
        return None
    if "{}" in found.group("password") or not looks_secret(found.group("password")):
        return None  # `{}`: interpolated in an f-string URL (`StringFact.value` is its template)
    return found.group("password")


def key_argument(call: ExprFact, facts: FileFacts, view: FileView) -> tuple[str, Span] | None:
    """The literal key given to a signing or encryption call, when it is one."""
    if call.kind != "call" or call.qualified is None:
        return None
    where = KEY_ARGUMENTS.get(view.symbols.canonical_name(call.qualified, facts))
    if where is None:
        return None
    position, name = where
    argument = keyword(call, name)
    if argument is None and len(call.args) > position:
        argument = call.args[position]
    if argument is None:
        return None
    text = literal_text(resolved(argument, facts))
    return (text, argument.span) if text is not None else None
