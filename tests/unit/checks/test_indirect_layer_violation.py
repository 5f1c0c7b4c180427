"""LG103: unlayered modules that let a layer reach a layer it may not import (one finding per
bridge and forbidden layer, at the bridge's import; SPEC 2026-12)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tmp_project import lint

from layerguard import check
from layerguard.reporters import render

ENDPOINT = "app/api/v1/endpoints/users.py"
BASE = {
    "app/repositories/UserRepository.py": "class UserRepository: ...\n",
    # A model module holds an ORM class (SPEC §1: a `models` module without one is no model).
    "app/models/User.py": "class User:\n    __tablename__ = 'users'\n",
    "app/services/UserService.py": "class UserService: ...\n",
}


def messages(root: Path) -> list[str]:
    return [f.message for f in check([root], select=["LG103"], cache=False).findings]


def test_a_chain_through_unlayered_modules_is_reported_at_the_bridge(tmp_path: Path) -> None:
    files = {
        **BASE,
        "app/core/helpers.py": "import os\nfrom app.utils.loading import load\n",
        "app/utils/loading.py": "from app.repositories.UserRepository import UserRepository\n",
        ENDPOINT: "from fastapi import APIRouter\n\nfrom app.core import helpers\n",
    }
    assert lint(tmp_path, files, ["LG103"]) == [("app/utils/loading.py", 1, 1, "LG103")]
    assert messages(tmp_path) == [
        "Indirect layer violation: unlayered `app.utils.loading` imports repository `UserRepository` "
        "from `app.repositories.UserRepository`, which endpoint modules may not import; 1 endpoint module "
        "reaches it through this module (e.g. app.api.v1.endpoints.users -> app.core.helpers -> "
        "app.utils.loading -> app.repositories.UserRepository)"
    ]


def test_a_module_import_names_the_attribute_read_that_brings_the_layer(tmp_path: Path) -> None:
    """`from app.models import User as users_module` read only as `users_module.User`: the
    message names the class read, as LG101/LG102's do, not "model module"."""
    files = {
        **BASE,
        "app/core/helpers.py": "from app.models import User as user_module\n\n"
        "def admin_model():\n    return user_module.User\n",
        ENDPOINT: "from app.core.helpers import admin_model\n",
    }
    lint(tmp_path, files, ["LG103"])
    assert messages(tmp_path) == [
        "Indirect layer violation: unlayered `app.core.helpers` imports model `User` from `app.models.User`, "
        "which endpoint modules may not import; 1 endpoint module reaches it through this module (e.g. "
        "app.api.v1.endpoints.users -> app.core.helpers -> app.models.User)"
    ]


def test_the_chain_is_in_the_text_and_json_output(tmp_path: Path) -> None:
    files = {
        **BASE,
        "app/core/helpers.py": "from app.models.User import User\n\ndef admin_model():\n    return User\n",
        ENDPOINT: "from app.core.helpers import admin_model\n",
    }
    lint(tmp_path, files, ["LG103"])
    report = check([tmp_path], select=["LG103"], cache=False)
    chain = "app.api.v1.endpoints.users -> app.core.helpers -> app.models.User"
    assert chain in render(report, "text", color=False, statistics=False)
    assert chain in json.loads(render(report, "json", color=False, statistics=False))[0]["message"]


def test_one_finding_per_bridge_and_forbidden_layer(tmp_path: Path) -> None:
    files = {
        **BASE,
        "app/core/a.py": "from app.core import b\nfrom app.models.User import User\n",
        "app/core/b.py": "from app.repositories.UserRepository import UserRepository\n",
        ENDPOINT: "from app.core import a\n",
    }
    assert lint(tmp_path, files, ["LG103"]) == [
        ("app/core/a.py", 2, 1, "LG103"),
        ("app/core/b.py", 1, 1, "LG103"),
    ]
    assert messages(tmp_path) == [
        "Indirect layer violation: unlayered `app.core.a` imports model `User` from `app.models.User`, which "
        "endpoint modules may not import; 1 endpoint module reaches it through this module (e.g. "
        "app.api.v1.endpoints.users -> app.core.a -> app.models.User)",
        "Indirect layer violation: unlayered `app.core.b` imports repository `UserRepository` "
        "from `app.repositories.UserRepository`, which endpoint modules may not import; 1 endpoint module "
        "reaches it through this module (e.g. app.api.v1.endpoints.users -> app.core.a -> app.core.b -> "
        "app.repositories.UserRepository)",
    ]


def test_each_bridge_is_its_own_finding(tmp_path: Path) -> None:
    files = {
        **BASE,
        "app/core/a.py": "from app.models.User import User\n",
        "app/core/b.py": "from app.models.User import User\n",
        ENDPOINT: "from app.core import a\nfrom app.core import b\n",
    }
    assert lint(tmp_path, files, ["LG103"]) == [
        ("app/core/a.py", 1, 1, "LG103"),
        ("app/core/b.py", 1, 1, "LG103"),
    ]


def test_chains_through_wiring_or_layered_modules_are_not_reported(tmp_path: Path) -> None:
    files = {
        **BASE,
        "app/api/deps.py": "from app.repositories.UserRepository import UserRepository\n",
        "app/core/wired.py": "from app.api import deps\n",
        "app/core/via_service.py": "from app.services.UserService import UserService\n",
        "app/services/UserService.py": "from app.repositories.UserRepository import UserRepository\n",
        ENDPOINT: "from app.api import deps\nfrom app.core import wired, via_service\n",
    }
    assert lint(tmp_path, files, ["LG103"]) == []


def test_allowed_targets_are_not_reported(tmp_path: Path) -> None:
    files = {
        **BASE,
        "app/core/helpers.py": "from app.repositories.UserRepository import UserRepository\n",
        "app/services/UserService.py": "from app.core import helpers\n",  # service may import repository
    }
    assert lint(tmp_path, files, ["LG103"]) == []


def test_upward_chains_are_reported_too(tmp_path: Path) -> None:
    files = {
        **BASE,
        "app/core/registry.py": "from app.services.UserService import UserService\n",
        "app/models/User.py": "from app.core import registry\nclass User:\n    __tablename__ = 'users'\n",
    }
    assert lint(tmp_path, files, ["LG103"]) == [("app/core/registry.py", 1, 1, "LG103")]


def test_type_checking_imports_carry_no_chain_when_ignored(tmp_path: Path) -> None:
    """They never run: whoever imports the helper does not reach the repository through it."""
    runtime = "from app.repositories.UserRepository import UserRepository\n"
    files = {
        **BASE,
        "app/core/helpers.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    " + runtime,
        ENDPOINT: "from app.core import helpers\n",
    }
    assert lint(tmp_path, files, ["LG103"], 'type-checking-imports = "ignore"\n') == []
    counted = lint(tmp_path, files, ["LG103"], 'type-checking-imports = "count"\n')
    assert counted == [("app/core/helpers.py", 3, 5, "LG103")]
    assert lint(tmp_path, files, ["LG103"]) == counted  # "count" is the default (SPEC §2)
    files["app/core/helpers.py"] = runtime
    assert lint(tmp_path, files, ["LG103"]) == [("app/core/helpers.py", 1, 1, "LG103")]


@pytest.mark.parametrize(
    ("helper", "endpoint"),
    [
        # The bridge's own import serves only annotations.
        ("def load(repository: UserRepository) -> None: ...\n", "from app.core import helpers\n"),
        # The endpoint's import of the bridge serves only annotations.
        (
            "def load() -> None:\n    UserRepository()\n",
            "from app.core import helpers\ndef f(h: helpers.X) -> None: ...\n",
        ),
    ],
)
def test_imports_used_only_as_types_carry_no_chain_when_ignored(
    tmp_path: Path, helper: str, endpoint: str
) -> None:
    files = {
        **BASE,
        "app/core/helpers.py": "from app.repositories.UserRepository import UserRepository\n" + helper,
        ENDPOINT: endpoint,
    }
    assert lint(tmp_path, files, ["LG103"], 'type-checking-imports = "ignore"\n') == []
    counted = lint(tmp_path, files, ["LG103"], 'type-checking-imports = "count"\n')
    assert counted == [("app/core/helpers.py", 1, 1, "LG103")]
    assert lint(tmp_path, files, ["LG103"]) == counted


def test_custom_layers_get_the_rule(tmp_path: Path) -> None:
    settings = (
        'preset = "none"\n'
        '[tool.layerguard.layers.ui]\nmodules = ["app.ui.**"]\nmay-import = ["domain"]\n'
        '[tool.layerguard.layers.domain]\nmodules = ["app.domain.**"]\n'
        '[tool.layerguard.layers.storage]\nmodules = ["app.storage.**"]\n'
    )
    files = {
        "app/ui/page.py": "from app.lib import tools\n",
        "app/lib/tools.py": "from app.storage import disk\n",
        "app/storage/disk.py": "",
        "app/domain/rules.py": "",
    }
    assert lint(tmp_path, files, ["LG103"], settings) == [("app/lib/tools.py", 1, 1, "LG103")]


HELPER = (
    "import enum\nfrom typing import NewType\n"
    "from app.repositories.UserRepository import UserRepository\n"
    "class Status(enum.Enum):\n    ACTIVE = 'active'\n"
    "class LimitExceeded(Exception):\n    pass\n"
    "MAX_USERS = 100\nUserId = NewType('UserId', int)\n"
    "REPOSITORIES = {'user': UserRepository}\n"
    "def load() -> object:\n    return UserRepository()\n"
)


@pytest.mark.parametrize(
    ("names", "reported"),
    [
        ("Status, MAX_USERS, UserId, LimitExceeded", False),  # enums, literal constants ... lead nowhere
        ("Status, REPOSITORIES", True),  # a constant holding a repository class leads on
        ("Status, load", True),
    ],
)
def test_an_import_of_plain_values_only_carries_no_chain(tmp_path: Path, names: str, reported: bool) -> None:
    """dstack's ORM module imports status enums from a module of Pydantic classes: it does not
    reach those classes through it."""
    files = {
        **BASE,
        "app/core/helpers.py": HELPER,
        ENDPOINT: f"from app.core.helpers import {names}\nUSED = ({names})\n",
    }
    expected = [("app/core/helpers.py", 3, 1, "LG103")] if reported else []
    assert lint(tmp_path, files, ["LG103"]) == expected


def test_chains_through_more_than_two_unlayered_modules_are_not_reported(tmp_path: Path) -> None:
    """zenml's model modules reach its schemas through the whole SDK (`utils.run_utils ->
    orchestrators.base_orchestrator -> ...`), skyvern's through its service locator: the bridge
    at the end of such a chain is no line to change (issue 13). Two unlayered modules, the
    bridge included, still make a chain."""
    files = {
        **BASE,
        "app/core/helpers.py": "from app.core.more import more\n",
        "app/core/more.py": "from app.utils.loading import load\n",
        "app/utils/loading.py": "from app.repositories.UserRepository import UserRepository\n",
        ENDPOINT: "from app.core import helpers\n",
    }
    assert lint(tmp_path, files, ["LG103"]) == []
    files[ENDPOINT] = "from app.core import helpers\nfrom app.core import more\n"
    assert lint(tmp_path, files, ["LG103"]) == [("app/utils/loading.py", 1, 1, "LG103")]


def test_a_reexport_package_is_no_bridge_and_no_step_of_a_chain(tmp_path: Path) -> None:
    """argilla's `api/policies/v1/__init__.py` only re-exports the policies: each policy that
    imports the model layer is the bridge, not the package, and the package adds no step."""
    files = {
        **BASE,
        "app/policies/__init__.py": (
            '"""Policies."""\n\nfrom app.policies.users import can_read\n\n__all__ = ["can_read"]\n'
        ),
        "app/policies/users.py": (
            "from app.core.checks import check\n\ndef can_read() -> bool:\n    return check()\n"
        ),
        "app/core/checks.py": (
            "from app.models.User import User\n\ndef check() -> bool:\n    return User is not None\n"
        ),
        ENDPOINT: "from app.policies import can_read\n",
    }
    assert lint(tmp_path, files, ["LG103"]) == [("app/core/checks.py", 1, 1, "LG103")]
    files["app/policies/__init__.py"] += "from app.models.User import User\n"
    assert lint(tmp_path, files, ["LG103"]) == [("app/core/checks.py", 1, 1, "LG103")]


def test_a_layered_reexport_package_reaches_nothing_itself(tmp_path: Path) -> None:
    """fides' `models/privacy_request/__init__.py` only re-exports its modules; it was the "1 model
    module" reaching `webhook.py`'s schema import (seed 37). It adds no code, so it is no reacher;
    the module holding the table still is when it imports the bridge."""
    files = {
        **BASE,
        "app/schemas/tokens.py": "from pydantic import BaseModel\n\nclass Token(BaseModel):\n    x: int\n",
        "app/models/orders/__init__.py": (
            "from .order import Order\nfrom app.core.webhook import token\n\n__all__ = ['Order', 'token']\n"
        ),
        "app/models/orders/order.py": "class Order:\n    __tablename__ = 'orders'\n",
        "app/core/webhook.py": (
            "from app.schemas.tokens import Token\n\ndef token() -> str:\n    return str(Token(x=1))\n"
        ),
    }
    assert lint(tmp_path, files, ["LG103"]) == []
    files["app/models/orders/order.py"] += "\nfrom app.core.webhook import token\n"
    assert lint(tmp_path, files, ["LG103"]) == [("app/core/webhook.py", 1, 1, "LG103")]


def test_a_model_module_reaching_a_payload_of_a_model_module_is_no_bridge(tmp_path: Path) -> None:
    """airflow's `models.callback` reaches its own `CallbackKey` (a NamedTuple: schema as a
    payload) through `executors.workloads`: a payload of a model module is the model layer's own,
    as LG101/LG102 let a mixed model module use another's. One of a schema module is not."""
    files = {
        "app/models/Callback.py": (
            "from typing import NamedTuple\n\nfrom app.core import keys\n\n"
            "class CallbackKey(NamedTuple):\n    id: int\n\n"
            "class Callback:\n    __tablename__ = 'callbacks'\n"
        ),
        "app/schemas/Payload.py": (
            "from pydantic import BaseModel\n\nclass Payload(BaseModel):\n    id: int\n"
        ),
        "app/core/keys.py": (
            "from app.models.Callback import CallbackKey\n"
            "from app.schemas.Payload import Payload\n\n"
            "def key(payload: Payload) -> CallbackKey:\n    return CallbackKey(payload.id)\n"
        ),
    }
    assert lint(tmp_path, files, ["LG103"]) == [("app/core/keys.py", 2, 1, "LG103")]


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("    config: Mapped[Config] = mapped_column(JSON)\n", []),
        (
            "    def read(self):\n        return Config(spec=self.spec)\n",
            [("app/core/config.py", 2, 1, "LG103")],
        ),
        ("    blob = Descriptor()\n", [("app/core/config.py", 2, 1, "LG103")]),
    ],
)
def test_a_tables_column_type_carries_no_chain(
    tmp_path: Path, table: str, expected: list[tuple[str, int, int, str]]
) -> None:
    """datajunction's `config: Mapped[GenericMaterializationConfig | ...]` over a JSON column,
    the class in an unlayered module using a schema: a column's type is no upward import
    (LG101), and none through a helper either. Built in a method, it reaches the schema. A
    column type whose code runs (fides' `EncryptedLargeDataDescriptor`, calling a storage
    service) is no payload: it leads on."""
    files = {
        "app/schemas/Spec.py": "from pydantic import BaseModel\n\nclass Spec(BaseModel):\n    id: int\n",
        "app/core/config.py": (
            "from pydantic import BaseModel\n"
            "from app.schemas.Spec import Spec\n\n"
            "class Config(BaseModel):\n    spec: Spec\n\n\n"
            "class Descriptor:\n    def __get__(self, obj, owner):\n        return Spec(id=1)\n"
        ),
        "app/models/Job.py": (
            "from sqlalchemy.orm import Mapped\n"
            f"from app.core.config import {'Descriptor' if 'Descriptor' in table else 'Config'}\n\n"
            "class Job:\n    __tablename__ = 'jobs'\n" + table
        ),
    }
    assert lint(tmp_path, files, ["LG101", "LG103"]) == expected


def test_a_chain_with_one_type_only_step_is_type_only_and_a_runtime_one_is_not(tmp_path: Path) -> None:
    """The bridge's own import runs, but the route reaches the bridge only through an import
    under `if TYPE_CHECKING:`: type-only. A second route importing it at run time makes it not."""
    helper = (
        "from app.repositories.UserRepository import UserRepository\n\n"
        "def load():\n    return UserRepository\n"
    )
    typed = "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from app.core.helpers import load\n"
    files = {**BASE, "app/core/helpers.py": helper, ENDPOINT: typed}
    [message] = messages_after(tmp_path, files)
    assert message.endswith('which `type-checking-imports = "ignore"` leaves out')
    files["app/api/v1/endpoints/items.py"] = "from app.core.helpers import load\n"
    [message] = messages_after(tmp_path, files)
    assert "only through imports under" not in message
    assert "2 endpoint modules reach it" in message


def messages_after(root: Path, files: dict[str, str]) -> list[str]:
    lint(root, files, ["LG103"])
    return messages(root)


# --- chains follow the names an importer takes (symbol-level layering through a bridge) -----

BRIDGE = "app/core/helpers.py"
REPOSITORY_IMPORT = "from app.repositories.UserRepository import UserRepository\n"


def bridge_findings(
    tmp_path: Path, bridge: str, endpoint: str, **extra: str
) -> list[tuple[str, int, int, str]]:
    files = {**BASE, BRIDGE: bridge, ENDPOINT: endpoint, **extra}
    return lint(tmp_path, files, ["LG103"])


def test_a_name_that_does_not_need_the_bridges_import_carries_no_chain(tmp_path: Path) -> None:
    bridge = REPOSITORY_IMPORT + "PAGE_SIZE = int('20')\n\ndef load():\n    return UserRepository()\n"
    assert bridge_findings(tmp_path, bridge, "from app.core.helpers import PAGE_SIZE\n") == []


def test_a_name_that_needs_it_through_another_definition_carries_the_chain(tmp_path: Path) -> None:
    bridge = (
        REPOSITORY_IMPORT
        + "def _load():\n    return UserRepository()\n\ndef load_all():\n    return [_load()]\n"
    )
    endpoint = "from app.core.helpers import load_all\n"
    assert bridge_findings(tmp_path, bridge, endpoint) == [(BRIDGE, 1, 1, "LG103")]


def test_top_level_code_of_the_bridge_counts_for_every_name(tmp_path: Path) -> None:
    bridge = REPOSITORY_IMPORT + "PAGE_SIZE = int('20')\nREGISTRY = []\nREGISTRY.append(UserRepository)\n"
    endpoint = "from app.core.helpers import PAGE_SIZE\n"
    assert bridge_findings(tmp_path, bridge, endpoint) == [(BRIDGE, 1, 1, "LG103")]


@pytest.mark.parametrize(
    ("use", "expected"),
    [
        ("SIZE = helpers.PAGE_SIZE\n", []),
        ("LOADED = helpers.load()\n", [(BRIDGE, 1, 1, "LG103")]),
        ("MODULE = helpers\n", [(BRIDGE, 1, 1, "LG103")]),
    ],
)
def test_importing_the_bridge_module_takes_the_names_read_of_it(
    tmp_path: Path, use: str, expected: list[tuple[str, int, int, str]]
) -> None:
    bridge = REPOSITORY_IMPORT + "PAGE_SIZE = int('20')\n\ndef load():\n    return UserRepository()\n"
    endpoint = "from app.core import helpers\n\n" + use
    assert bridge_findings(tmp_path, bridge, endpoint) == expected


def test_a_name_the_bridge_does_not_define_takes_every_name(tmp_path: Path) -> None:
    # `PAGE_SIZE` may come from the star import: where it comes from is not known.
    bridge = (
        "from app.core.constants import *\n"
        + REPOSITORY_IMPORT
        + "def load():\n    return UserRepository()\n"
    )
    endpoint = "from app.core.helpers import PAGE_SIZE\n"
    extra = {"app/core/constants.py": "LIMIT = 1\n"}
    assert bridge_findings(tmp_path, bridge, endpoint, **extra) == [(BRIDGE, 2, 1, "LG103")]


def test_a_chain_needs_the_names_at_every_step(tmp_path: Path) -> None:
    first = (
        "from app.utils.loading import load, PAGE_SIZE\n\n"
        "def page() -> int:\n    return PAGE_SIZE\n\n"
        "def fetch():\n    return load()\n"
    )
    loading = REPOSITORY_IMPORT + "PAGE_SIZE = int('20')\n\ndef load():\n    return UserRepository()\n"
    extra = {"app/utils/loading.py": loading}
    assert bridge_findings(tmp_path, first, "from app.core.helpers import page\n", **extra) == []
    assert bridge_findings(tmp_path, first, "from app.core.helpers import fetch\n", **extra) == [
        ("app/utils/loading.py", 1, 1, "LG103")
    ]


def test_with_type_checking_imports_ignored_a_name_used_only_as_a_type_carries_no_chain(
    tmp_path: Path,
) -> None:
    bridge = REPOSITORY_IMPORT + "def describe(repository: UserRepository) -> str:\n    return 'user'\n"
    endpoint = "from app.core.helpers import describe\n"
    assert bridge_findings(tmp_path, bridge, endpoint) == [(BRIDGE, 1, 1, "LG103")]
    (tmp_path / "pyproject.toml").write_text('[tool.layerguard]\ntype-checking-imports = "ignore"\n')
    assert [f.code for f in check([tmp_path], select=["LG103"], cache=False).findings] == []


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("app.__version__", []),
        ("app.__path__[0]", []),  # every module has one: none of its code runs for it
        ("app.create_client", [("app/client.py", 1, 1, "LG103")]),
        ("app", [("app/client.py", 1, 1, "LG103")]),
    ],
)
def test_a_package_import_needs_only_the_names_read_of_it(
    tmp_path: Path, read: str, expected: list[tuple[str, int, int, str]]
) -> None:
    """memgpt's `config.py` imports `memgpt` to read `memgpt.__version__` (seed 39): the chain
    through that import needs `__version__`, not the SDK client `memgpt/__init__.py` also
    imports (5 false LG103). Read for the client, or used whole, it needs the client."""
    files = {
        "app/__init__.py": "from app.client import create_client\n\n__version__ = '0.3'\n",
        "app/client.py": "from app.api.routes.agents import AgentsResponse\n\n\n"
        "def create_client() -> AgentsResponse:\n    return AgentsResponse()\n",
        "app/api/__init__.py": "",
        "app/api/routes/__init__.py": "",
        "app/api/routes/agents.py": "class AgentsResponse:\n    pass\n",
        "app/config.py": f"import app\n\nVALUE = {read}\n",
        "app/models/__init__.py": "",
        "app/models/Agent.py": "from app.config import VALUE\n\n\n"
        "class Agent:\n    __tablename__ = 'agents'\n",
    }
    assert lint(tmp_path, files, ["LG103"]) == expected


@pytest.mark.parametrize(
    ("job", "expected"),
    [
        # Both import forms of a column's payload: no chain through the payload ...
        (
            "from app.core.config import Config\n\n\nclass Job:\n    __tablename__ = 'jobs'\n"
            "    config: Mapped[Config]\n",
            [],
        ),
        (
            "from app.core import config\n\n\nclass Job:\n    __tablename__ = 'jobs'\n"
            "    settings: Mapped[config.Config]\n",
            [],
        ),
        # ... but what importing the helper runs still counts (its top-level code).
        (
            "from app.core.registered import Config\n\n\nclass Job:\n    __tablename__ = 'jobs'\n"
            "    config: Mapped[Config]\n",
            [("app/core/registered.py", 1, 1, "LG103")],
        ),
        # An attribute every module has needs only that top-level code.
        (
            "from app.core import registered\n\nVERSION = registered.__file__\n\n\n"
            "class Job:\n    __tablename__ = 'jobs'\n",
            [("app/core/registered.py", 1, 1, "LG103")],
        ),
        (
            "from app.core import config\n\nVERSION = config.__file__\n\n\n"
            "class Job:\n    __tablename__ = 'jobs'\n",
            [],
        ),
    ],
)
def test_a_payload_or_a_module_dunder_needs_only_what_importing_the_helper_runs(
    tmp_path: Path, job: str, expected: list[tuple[str, int, int, str]]
) -> None:
    """The review's cases: LG103 treats `from m import Config` and `from pkg import m` +
    `m.Config` alike, and following only a payload or `m.__file__` still follows the helper's
    top-level code (`register(...)` calling a service when the module is imported)."""
    pydantic = "from pydantic import BaseModel\n\n\nclass Config(BaseModel):\n    size: int\n"
    files = {
        "app/services/billing.py": "def register(name: str) -> None:\n    pass\n",
        "app/core/__init__.py": "",
        "app/core/config.py": "from app.services.billing import charge\n\n" + pydantic + "\n\n"
        "def bill() -> None:\n    charge()\n",
        "app/core/registered.py": "from app.services.billing import register\n\n"
        + pydantic
        + "\n\nregister('cfg')\n",
        "app/models/__init__.py": "",
        "app/models/Job.py": "from sqlalchemy.orm import Mapped\n" + job,
    }
    files["app/services/billing.py"] += "\n\ndef charge() -> None:\n    pass\n"
    assert lint(tmp_path, files, ["LG103"]) == expected
