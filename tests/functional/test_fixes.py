"""`check --fix`, `--diff`, `--unsafe-fixes`, `--show-fixes`, LG002 and `--add-noqa`, through the
real CLI (issue 14)."""

from __future__ import annotations

import ast
import os
import stat
import tempfile
import types
import typing
from pathlib import Path

import hypothesmith
from cli_runner import run_cli
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from layerguard import fix_rewrites
from layerguard.api import load_config
from layerguard.fixes import fix_project

PYPROJECT = '[project]\nname = "shop"\nrequires-python = ">=3.11"\n\n[tool.layerguard]\nnaming = "off"\n'

TYPES = """\
from typing import Any, Optional, Union  # the typing names


def find(user_id: Optional[int], key: Union[int, str]) -> Any:
    return None
"""
TYPES_FIXED = """\
from typing import Any  # the typing names


def find(user_id: int | None, key: int | str) -> Any:
    return None
"""
ENDPOINT = """\
from fastapi import APIRouter

router = APIRouter()


@router.get("/items")
def list_items() -> dict[str, int]:
    return {"code": 0}
"""


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_fix_applies_the_safe_fixes_and_reports_what_is_left(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/core/types.py": TYPES, "app/api/items.py": ENDPOINT})
    os.chmod(root / "app/core/types.py", 0o640)
    result = run_cli("check", "--fix", "--format", "concise", "--select", "LG301,LG401,LG402", cwd=root)
    assert (root / "app/core/types.py").read_text() == TYPES_FIXED
    assert stat.S_IMODE(os.stat(root / "app/core/types.py").st_mode) == 0o640
    # LG301's fix is unsafe: left, and reported.
    assert (root / "app/api/items.py").read_text() == ENDPOINT
    assert result.stdout.splitlines() == [
        "app/api/items.py:7:1: LG301 Route handler `list_items` is `def`: make it `async def`"
    ]
    assert "fixed 2 findings in 1 file" in result.stderr
    assert result.returncode == 1


def test_the_summary_says_how_many_are_fixable(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/core/types.py": TYPES, "app/api/items.py": ENDPOINT})
    result = run_cli("check", "--select", "LG301,LG401,LG402", cwd=root)
    assert "2 fixable with `--fix`. (1 more with `--fix --unsafe-fixes`.)" in result.stdout
    assert (root / "app/core/types.py").read_text() == TYPES  # a plain check writes nothing


def test_diff_shows_the_fix_and_writes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/core/types.py": TYPES})
    before = os.stat(root / "app/core/types.py")
    result = run_cli("check", "--diff", cwd=root)
    assert result.returncode == 1
    assert "--- app/core/types.py\n+++ app/core/types.py\n" in result.stdout
    assert "-def find(user_id: Optional[int], key: Union[int, str]) -> Any:\n" in result.stdout
    assert "+def find(user_id: int | None, key: int | str) -> Any:\n" in result.stdout
    assert "would fix 2 findings" in result.stderr
    after = os.stat(root / "app/core/types.py")
    assert (root / "app/core/types.py").read_text() == TYPES
    assert (after.st_mtime_ns, after.st_ino) == (before.st_mtime_ns, before.st_ino)
    assert sorted(p.name for p in (root / "app/core").iterdir()) == ["types.py"]  # no temporary left


def test_diff_on_nothing_to_fix_exits_0(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/core/types.py": TYPES_FIXED})
    result = run_cli("check", "--diff", cwd=root)
    assert (result.returncode, result.stdout) == (0, "")


def test_unsafe_fixes_make_the_handler_async_and_show_fixes_lists_them(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/core/types.py": TYPES, "app/api/items.py": ENDPOINT})
    result = run_cli(
        "check", "--fix", "--unsafe-fixes", "--show-fixes", "--select", "LG301,LG401,LG402", cwd=root
    )
    assert "async def list_items() -> dict[str, int]:" in (root / "app/api/items.py").read_text()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Fixed 3 findings:\n- app/api/items.py:\n    1 × LG301 (sync-route-handler)\n" in result.stdout
    assert (
        "- app/core/types.py:\n    1 × LG401 (optional-annotation)\n    1 × LG402 (union-annotation)\n"
        in (result.stdout)
    )


def test_a_second_fix_changes_nothing(tmp_path: Path) -> None:
    root = project(tmp_path, {"app/core/types.py": TYPES, "app/api/items.py": ENDPOINT})
    run_cli("check", "--fix", "--unsafe-fixes", cwd=root)
    first = {p: p.read_bytes() for p in root.rglob("*.py")}
    again = run_cli("check", "--fix", "--unsafe-fixes", cwd=root)
    assert {p: p.read_bytes() for p in root.rglob("*.py")} == first
    assert "fixed 0 findings in 0 files" in again.stderr
    assert run_cli("check", "--diff", "--unsafe-fixes", cwd=root).stdout == ""


def test_a_symlink_is_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "target.py").write_text(TYPES)
    root = project(tmp_path / "repo", {"app/core/types.py": TYPES})
    (root / "app/core/inside_link.py").symlink_to(root / "app/core/types.py")
    (root / "app/core/outside_link.py").symlink_to(outside / "target.py")
    (root / "app/linked").symlink_to(outside, target_is_directory=True)
    result = run_cli("check", "--fix", cwd=root)
    assert (outside / "target.py").read_text() == TYPES
    assert (root / "app/core/inside_link.py").is_symlink()
    assert (root / "app/core/outside_link.py").is_symlink()
    assert (root / "app/core/types.py").read_text() == TYPES_FIXED
    assert "inside_link.py: not fixed: it is a symbolic link or reached through one" in result.stderr


def test_lg002_reports_an_unused_noqa_and_fix_removes_it(tmp_path: Path) -> None:
    source = (
        "import os  # noqa: LG101\n"
        "import sys  # noqa: LG102, E501\n"
        "import re  # noqa\n"
        'TEXT = "# noqa: LG101"\n'
        "from app.api import items  # noqa: LG101\n"
    )
    # The service imports an endpoint (LG101): the last line's noqa is used.
    root = project(tmp_path, {"app/services/tools.py": source, "app/api/items.py": ENDPOINT})
    result = run_cli("check", "--format", "concise", "--ignore", "LG3,LG7,LG804", cwd=root)
    assert result.stdout.splitlines() == [
        "app/services/tools.py:1:12: LG002 Unused `noqa` directive (suppresses nothing: `LG101`)",
        "app/services/tools.py:2:13: LG002 Unused `noqa` directive (suppresses nothing: `LG102`)",
    ]
    # A rule that did not run leaves its codes alone.
    assert run_cli("check", "--select", "LG002,LG401", cwd=root).returncode == 0
    run_cli("check", "--fix", "--ignore", "LG3,LG7,LG804", cwd=root)
    assert (root / "app/services/tools.py").read_text() == (
        "import os\n"
        "import sys  # noqa: E501\n"
        "import re  # noqa\n"
        'TEXT = "# noqa: LG101"\n'
        "from app.api import items  # noqa: LG101\n"
    )


SQL = """\
from typing import Optional

from sqlalchemy import text


def run(db: object, x: Optional[int]) -> None:
    db.execute(text(\"\"\"
        SELECT id
        FROM users
    \"\"\"))
"""


def test_add_noqa_silences_every_finding_once(tmp_path: Path) -> None:
    types_source = TYPES.replace("-> Any:", "-> Any:  # noqa: E501")
    root = project(tmp_path, {"app/core/types.py": types_source, "app/core/sql.py": SQL})
    result = run_cli("check", "--add-noqa", "--select", "LG401,LG402,LG501", cwd=root)
    assert result.returncode == 0
    assert "added 3 noqa directives" in result.stderr
    # Merged into the noqa already there.
    assert "-> Any:  # noqa: E501, LG401, LG402\n" in (root / "app/core/types.py").read_text()
    sql = (root / "app/core/sql.py").read_text()
    assert "x: Optional[int]) -> None:  # noqa: LG401\n" in sql
    # Not inside the string: on the statement's first line that ends outside it.
    assert '    """))  # noqa: LG501\n' in sql
    assert sql.replace("  # noqa: LG401", "").replace("  # noqa: LG501", "") == SQL
    assert run_cli("check", "--select", "LG401,LG402,LG501", cwd=root).returncode == 0
    again = run_cli("check", "--add-noqa", "--select", "LG401,LG402,LG501", cwd=root)
    assert "added 0 noqa directives" in again.stderr
    assert run_cli("check", "--add-noqa", "--fix", cwd=root).returncode == 2


def test_a_used_typing_name_keeps_its_import(tmp_path: Path) -> None:
    source = 'from typing import Optional, Union\n\nALIAS = "Optional"\n'
    source += "x: Optional[int] = None\ny: Union[int, str] = 1\n"
    root = project(tmp_path, {"app/core/types.py": source})
    run_cli("check", "--fix", cwd=root)
    assert (root / "app/core/types.py").read_text() == (
        'from typing import Optional\n\nALIAS = "Optional"\nx: int | None = None\ny: int | str = 1\n'
    )


def test_only_the_unused_typing_import_goes(tmp_path: Path) -> None:
    """The imports after the emptied one stay, however many: the rewrite once remembered the
    emptied import by `id()` alone, and a later import made where the freed node had been went
    too (the fortress app's `UserService.py` lost all seven of its other imports)."""
    others = "".join(f"from app.m{i} import Name{i}\nimport app.n{i}\n" for i in range(150))
    source = "from typing import Optional\n\n" + others + "\n\nx: Optional[int] = None\n"
    root = project(tmp_path, {"app/core/types.py": source})
    for _ in range(2):  # `--diff`, then `--fix`
        result = run_cli("check", "--diff", "--select", "LG401", cwd=root)
        assert result.stdout.count("\n-") == 3  # the typing import, its blank line, the annotation
    run_cli("check", "--fix", "--select", "LG401", cwd=root)
    assert (root / "app/core/types.py").read_text() == others + "\n\nx: int | None = None\n"
    assert fix_rewrites.drop_unused_typing_names(source.replace("Optional[int]", "int | None")) == (
        others + "\n\nx: int | None = None\n"
    )


def test_pydantic_fixes_only_on_known_models(tmp_path: Path) -> None:
    schemas = (
        "from pydantic import BaseModel\n\n\n"
        "class User(BaseModel):\n    id: int\n\n    class Config:\n        orm_mode = True\n\n\n"
        "class Legacy(BaseModel):\n    def dict(self) -> dict:\n        return {}\n"
    )
    service = (
        "from app.schemas.user import Legacy, User\n\n\n"
        "def dump(user: User, legacy: Legacy, other: object) -> list[dict]:\n"
        "    return [user.dict(), legacy.dict(), other.dict(), User.parse_obj({}).dict()]\n"
    )
    root = project(tmp_path, {"app/schemas/user.py": schemas, "app/services/user.py": service})
    run_cli("check", "--fix", "--select", "LG601,LG602", cwd=root)
    assert (root / "app/services/user.py").read_text() == service.replace(
        "user.dict()", "user.model_dump()"
    ).replace("User.parse_obj", "User.model_validate")
    assert "class Config:" in (root / "app/schemas/user.py").read_text()  # unsafe: not without the flag
    run_cli("check", "--fix", "--unsafe-fixes", "--select", "LG601", cwd=root)
    fixed = (root / "app/schemas/user.py").read_text()
    assert "from pydantic import BaseModel, ConfigDict\n" in fixed
    assert "    model_config = ConfigDict(from_attributes=True)\n" in fixed
    assert "class Config" not in fixed


def test_a_declined_rewrite_says_why(tmp_path: Path) -> None:
    schemas = (
        "from pydantic import BaseModel\n\n\n"
        "class User(BaseModel):\n    id: int\n\n    class Config:\n        fields = {'id': 'ID'}\n"
    )
    root = project(tmp_path, {"app/schemas/user.py": schemas})
    result = run_cli("check", "--fix", "--unsafe-fixes", "--select", "LG601", cwd=root)
    assert (root / "app/schemas/user.py").read_text() == schemas
    assert (
        "app/schemas/user.py:7: `class Config` not rewritten: `fields` has no `ConfigDict` key"
        in result.stderr
    )
    assert result.returncode == 1


# --- Properties: fixing keeps files parsing, is idempotent, and keeps what annotations mean. ---

LEAVES = st.sampled_from(["int", "str", "None", "bytes", "list[int]"])
ANNOTATIONS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        inner.map(lambda t: f"Optional[{t}]"),
        st.lists(inner, min_size=1, max_size=3).map(lambda ts: f"Union[{', '.join(ts)}]"),
        inner.map(lambda t: f"list[{t}]"),
        st.tuples(inner, inner).map(lambda kv: f"dict[{kv[0]}, {kv[1]}]"),
    ),
    max_leaves=6,
)


def fixed_in_process(source: str) -> str:
    """The file after `fix_project` (the engine of `--fix`), in a fresh temporary project."""
    with tempfile.TemporaryDirectory() as folder:
        root = project(Path(folder), {"app/core/types.py": source})
        config = load_config([root])
        result = fix_project(config, [root], jobs=1, cache=False, unsafe=True)
        changed = result.changes.get(root / "app/core/types.py")
        return changed[1].decode("utf-8") if changed else source


def evaluated(source: str) -> list[object]:
    namespace = {"Optional": typing.Optional, "Union": typing.Union}
    tree = ast.parse(source)
    # Our own generated annotations, not checked code; as an annotation `None` means NoneType.
    values = [
        eval(ast.unparse(node.annotation), namespace) for node in tree.body if isinstance(node, ast.AnnAssign)
    ]
    return [normalised(value) for value in values]


def normalised(annotation: object) -> object:
    """What an annotation means to a type checker: `None` is NoneType, `Union[...]` and `X | Y`
    are one thing whatever the order of their members, `list[None]` is `list[NoneType]`. (The
    order would make the test flaky: `typing` caches `Union[None, int]` and hands the equal
    `Union[int, None]` evaluated earlier in the process back for it.)"""
    if annotation is None:
        return type(None)
    origin = typing.get_origin(annotation)
    if origin is None:
        return annotation
    if origin in (typing.Union, types.UnionType):
        return ("union", frozenset(normalised(arg) for arg in typing.get_args(annotation)))
    return (origin, tuple(normalised(arg) for arg in typing.get_args(annotation)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANNOTATIONS, min_size=1, max_size=4))
def test_fixing_annotations_keeps_their_meaning_and_is_idempotent(annotations: list[str]) -> None:
    source = "from typing import Optional, Union  # typing\n\n" + "".join(
        f"x{i}: {annotation} = None  # value {i}\n" for i, annotation in enumerate(annotations)
    )
    try:
        meaning = evaluated(source)
    except TypeError:  # `Union[None]`-style nonsense Python itself rejects: nothing to keep
        assume(False)
    fixed = fixed_in_process(source)
    assert evaluated(fixed) == meaning
    assert "Optional[" not in fixed and "Union[" not in fixed
    assert fixed_in_process(fixed) == fixed


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(hypothesmith.from_grammar(auto_target=False))
def test_fixing_any_module_keeps_it_parsing(source: str) -> None:
    text = "from typing import Optional\n" + source
    try:
        compile(text, "<generated>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError, RecursionError):
        assume(False)
    fixed = fixed_in_process(text)
    compile(fixed, "<fixed>", "exec", dont_inherit=True)
    assert fixed_in_process(fixed) == fixed
