"""LG801–LG803 (naming conventions) and the opt-in cross-checks LG805/LG806, on tmp projects."""

from __future__ import annotations

from pathlib import Path

import pytest
from tmp_project import write_project as project

from layerguard import check

NAMING_CODES = ["LG801", "LG802", "LG803"]


def findings(root: Path, codes: list[str] = NAMING_CODES) -> list[tuple[str, int, int, str]]:
    report = check([root], select=codes, cache=False)
    return [(f.path.relative_to(root).as_posix(), f.line, f.column + 1, f.code) for f in report.findings]


FORTRESS_FILES = {
    "app/models/User.py": "class User:\n    pass\n",
    "app/models/base.py": "class Base:\n    pass\n",
    "app/models/_mixins.py": "class Mixin:\n    pass\n",
    "app/schemas/UserSchema.py": "class UserBase:\n    pass\nclass UserCreate(UserBase):\n    pass\n",
    "app/repositories/UserRepository.py": "class UserRepository:\n    pass\n",
    "app/services/UserService.py": "class UserService:\n    pass\n",
}


def test_fortress_names_are_clean(tmp_path: Path) -> None:
    assert findings(project(tmp_path, FORTRESS_FILES)) == []


def test_fortress_reports_misnamed_modules_missing_classes_and_schema_classes(tmp_path: Path) -> None:
    files = {
        **FORTRESS_FILES,
        "app/services/user_helpers.py": "def f() -> None: ...\n",
        "app/services/Billing.py": "class Billing:\n    pass\n",  # no Service suffix
        "app/repositories/Repository.py": "class Repository:\n    pass\n",  # no entity
        "app/models/Invoice.py": "class Bill:\n    pass\n",
        "app/schemas/OrderSchema.py": "class OrderResponse:\n    pass\nclass OrderView:\n    pass\n"
        "class _Helper:\n    pass\n",
        "app/schemas/ItemSchema.py": "class ItemView:\n    pass\nclass ItemPayload:\n    pass\n",
    }
    assert findings(project(tmp_path, files)) == [
        ("app/models/Invoice.py", 1, 1, "LG802"),
        ("app/repositories/Repository.py", 1, 1, "LG801"),
        ("app/schemas/ItemSchema.py", 1, 1, "LG802"),  # one LG802, no LG803 per class
        ("app/schemas/OrderSchema.py", 3, 1, "LG803"),
        ("app/services/Billing.py", 1, 1, "LG801"),
        ("app/services/user_helpers.py", 1, 1, "LG801"),
    ]


def test_messages_name_the_file_the_folder_and_what_is_expected(tmp_path: Path) -> None:
    files = {
        "app/services/user_helpers.py": "x = 1\n",
        "app/schemas/UserSchema.py": "class UserCreate:\n    pass\nclass UserView:\n    pass\n",
        "app/schemas/TagSchema.py": "class TagView:\n    pass\n",
        "app/services/OrderService.py": "class OrderManager:\n    pass\n",
    }
    report = check([project(tmp_path, files)], select=NAMING_CODES, cache=False)
    messages = {(f.code, f.message) for f in report.findings}
    assert messages == {
        (
            "LG801",
            "`user_helpers.py` in the service folder `app.services` is not named "
            '`{Entity}Service.py` (PascalCase), as naming = "fortress" asks',
        ),
        ("LG802", "`OrderService.py` defines no class `OrderService`"),
        ("LG802", "`TagSchema.py` defines none of `TagCreate`, `TagUpdate`, `TagResponse`"),
        (
            "LG803",
            "Schema class `UserView` in `UserSchema.py` is not named `User` + `Base`, `Create`, "
            "`Update` or `Response`",
        ),
    }


def test_lg803_is_at_the_class_keyword_after_decorators(tmp_path: Path) -> None:
    files = {
        "app/schemas/UserSchema.py": """\
            import dataclasses


            class UserCreate:
                pass


            @dataclasses.dataclass
            class Helper:
                pass
            """
    }
    assert findings(project(tmp_path, files)) == [("app/schemas/UserSchema.py", 9, 1, "LG803")]


def test_modules_named_by_role_or_in_subfolders_are_not_checked(tmp_path: Path) -> None:
    files = {
        # feature-sliced: the glob names the module itself
        "shop/users/service.py": "def register() -> None: ...\n",
        "shop/users/models.py": "class Account:\n    pass\n",
        "shop/users/schemas.py": "class Payload:\n    pass\n",
        "shop/users/repository.py": "def load() -> None: ...\n",
        # a subfolder of a layer folder groups modules; it is not the layer's folder
        "app/services/billing/invoice_tools.py": "x = 1\n",
        # packages, stubs, private modules
        "app/models/legacy/__init__.py": "x = 1\n",
        "app/models/User.py": "class User:\n    pass\n",
        "app/models/User.pyi": "class Other: ...\n",
        "app/models/_private.py": "x = 1\n",
        # not a layer with a preset name
        "app/core/helpers.py": "x = 1\n",
    }
    assert findings(project(tmp_path, files)) == []


def test_naming_exempt_by_stem_or_dotted_module(tmp_path: Path) -> None:
    files = {
        "app/models/mixins.py": "x = 1\n",
        "app/services/helpers.py": "x = 1\n",
        "app/services/utils.py": "x = 1\n",
    }
    root = project(tmp_path, files, 'naming-exempt = ["mixins", "app.services.helpers"]\n')
    assert findings(root) == [("app/services/utils.py", 1, 1, "LG801")]


def test_snake_style(tmp_path: Path) -> None:
    files = {
        "app/models/user.py": "class User:\n    pass\n",
        "app/models/api_key.py": "class APIKey:\n    pass\n",
        "app/models/order_item.py": "class Order:\n    pass\n",
        "app/schemas/user.py": "class UserCreate:\n    pass\nclass UserPayload:\n    pass\n",
        "app/schemas/api_key_schema.py": "class APIKeyResponse:\n    pass\n",
        "app/repositories/user_repository.py": "class UserRepository:\n    pass\n",
        "app/repositories/users.py": "class UserRepository:\n    pass\n",
        "app/services/user_account_service.py": "class UserAccountService:\n    pass\n",
        "app/services/UserService.py": "class UserService:\n    pass\n",
    }
    root = project(tmp_path, files, 'naming = "snake"\n')
    assert findings(root) == [
        ("app/models/order_item.py", 1, 1, "LG802"),
        ("app/repositories/users.py", 1, 1, "LG801"),
        ("app/schemas/user.py", 3, 1, "LG803"),
        ("app/services/UserService.py", 1, 1, "LG801"),
    ]


def test_naming_off_checks_nothing(tmp_path: Path) -> None:
    files = {"app/services/helpers.py": "x = 1\n", "app/models/Invoice.py": "class Bill:\n    pass\n"}
    assert findings(project(tmp_path, files, 'naming = "off"\n')) == []


def test_custom_globs_decide_the_layer_folder(tmp_path: Path) -> None:
    files = {
        "app/domain/logic/UserService.py": "class UserService:\n    pass\n",
        "app/domain/logic/helpers.py": "x = 1\n",
        "app/plugins/helpers.py": "x = 1\n",
    }
    settings = '[tool.layerguard.layers.service]\nmodules = ["app.domain.logic.*"]\n'
    settings += '[tool.layerguard.layers.plugin]\nmodules = ["app.plugins.**"]\n'
    assert findings(project(tmp_path, files, settings)) == [("app/domain/logic/helpers.py", 1, 1, "LG801")]


def test_deepest_match_decides_the_layer(tmp_path: Path) -> None:
    # `app.api.schemas.user` is a schema (SPEC §1): its folder is `app.api.schemas`.
    files = {"app/api/schemas/UserSchema.py": "class UserCreate:\n    pass\n", "app/api/schemas/x.py": ""}
    assert findings(project(tmp_path, files)) == [("app/api/schemas/x.py", 1, 1, "LG801")]


CROSS_FILES = {
    # A model module holds an ORM class (SPEC §1: a `models` module without one is no model).
    "app/models/User.py": "class User:\n    __tablename__ = 'users'\n",
    "app/repositories/UserRepository.py": "from app.models.User import User\n"
    "class UserRepository:\n    pass\n",
    "app/repositories/GhostRepository.py": "class GhostRepository:\n    pass\n",
    "app/services/UserService.py": "from app.repositories.UserRepository import UserRepository\n"
    "class UserService:\n    pass\n",
    "app/services/TypedService.py": """\
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from app.repositories import UserRepository
        class TypedService:
            pass
        """,
    "app/services/LonelyService.py": "from app.models.User import User\nclass LonelyService:\n    pass\n",
}


def test_cross_checks_are_opt_in(tmp_path: Path) -> None:
    root = project(tmp_path, CROSS_FILES)
    assert findings(root, ["LG"]) == []
    assert findings(root, ["LG8"]) == []


def test_repository_without_model_and_service_without_repository(tmp_path: Path) -> None:
    root = project(tmp_path, CROSS_FILES)
    assert findings(root, ["LG805", "LG806"]) == [
        ("app/repositories/GhostRepository.py", 1, 1, "LG805"),
        ("app/services/LonelyService.py", 1, 1, "LG806"),
    ]


def test_cross_checks_with_naming_off_accept_either_style(tmp_path: Path) -> None:
    files = {
        "app/models/order.py": "class Order:\n    __tablename__ = 'orders'\n",
        "app/repositories/order_repository.py": "class OrderRepository:\n    pass\n",
        "app/repositories/InvoiceRepository.py": "class InvoiceRepository:\n    pass\n",
        "app/repositories/helpers.py": "x = 1\n",
    }
    root = project(tmp_path, files, 'naming = "off"\n')
    assert findings(root, ["LG805"]) == [("app/repositories/InvoiceRepository.py", 1, 1, "LG805")]


@pytest.mark.parametrize("style", ["fortress", "snake"])
def test_a_model_of_a_feature_models_module_counts(tmp_path: Path, style: str) -> None:
    name = "UserRepository.py" if style == "fortress" else "user_repository.py"
    files = {
        "shop/users/models.py": "class User:\n    __tablename__ = 'users'\n",
        f"shop/repositories/{name}": "x = 1\n",
    }
    assert findings(project(tmp_path, files, f'naming = "{style}"\n'), ["LG805"]) == []
