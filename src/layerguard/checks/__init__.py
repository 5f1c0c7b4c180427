"""The rule registry: every rule, sorted by code, found by code or name."""

from __future__ import annotations

from layerguard.checks.base import FileRule, ProjectRule, Rule
from layerguard.checks.blocking_call import BlockingCallInAsync
from layerguard.checks.cors_credentials import CorsWildcardCredentials
from layerguard.checks.db_call_not_awaited import DbCallNotAwaited
from layerguard.checks.dependencies_parameter import DependenciesParameter
from layerguard.checks.endpoint_business_logic import EndpointBusinessLogic
from layerguard.checks.endpoint_database_access import EndpointDatabaseAccess
from layerguard.checks.endpoint_session_access import EndpointSessionAccess
from layerguard.checks.error_detail_leak import ErrorDetailLeak
from layerguard.checks.file_naming import FileNaming
from layerguard.checks.hardcoded_secret import HardcodedSecret
from layerguard.checks.http_boundary import HttpExceptionOutsideEndpoint, HttpImportOutsideEndpoint
from layerguard.checks.import_cycle import ImportCycle
from layerguard.checks.indirect_layer_violation import IndirectLayerViolation
from layerguard.checks.jwt_verification import JwtWithoutVerification
from layerguard.checks.layer_bypass import LayerBypass
from layerguard.checks.missing_annotation import MissingAnnotation
from layerguard.checks.missing_entity_class import MissingEntityClass
from layerguard.checks.optional_annotation import OptionalAnnotation
from layerguard.checks.pydantic_v1 import PydanticV1Api, PydanticV1Config
from layerguard.checks.raw_sql import RawSql, SqlInjection
from layerguard.checks.repository_without_model import RepositoryWithoutModel
from layerguard.checks.response_envelope import ResponseEnvelope
from layerguard.checks.route_auth import RouteWithoutAuth
from layerguard.checks.routes import APP_WIRING_CALLS
from layerguard.checks.schema_class_naming import SchemaClassNaming
from layerguard.checks.secret_in_response import SecretInResponse
from layerguard.checks.service_without_repository import ServiceWithoutRepository
from layerguard.checks.sync_data_access import SyncDataAccess
from layerguard.checks.sync_db_api import SyncDbApi
from layerguard.checks.sync_route_handler import SyncRouteHandler
from layerguard.checks.union_annotation import UnionAnnotation
from layerguard.checks.unregistered_router import UnregisteredRouter
from layerguard.checks.unserialised_response import UndeclaredResponse, UnserialisedResponse
from layerguard.checks.unvalidated_request_body import UnvalidatedRequestBody
from layerguard.checks.upward_import import UpwardImport
from layerguard.model import PIPELINE_RULES, RuleMeta, find_rule, selects_any

ALL_RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            UpwardImport(),
            LayerBypass(),
            IndirectLayerViolation(),
            EndpointSessionAccess(),
            EndpointBusinessLogic(),
            ImportCycle(),
            EndpointDatabaseAccess(),
            UnregisteredRouter(),
            HttpExceptionOutsideEndpoint(),
            HttpImportOutsideEndpoint(),
            SyncRouteHandler(),
            DbCallNotAwaited(),
            SyncDbApi(),
            BlockingCallInAsync(),
            SyncDataAccess(),
            OptionalAnnotation(),
            UnionAnnotation(),
            MissingAnnotation(),
            RawSql(),
            SqlInjection(),
            PydanticV1Config(),
            PydanticV1Api(),
            ResponseEnvelope(),
            SecretInResponse(),
            UnvalidatedRequestBody(),
            UnserialisedResponse(),
            UndeclaredResponse(),
            FileNaming(),
            MissingEntityClass(),
            SchemaClassNaming(),
            RepositoryWithoutModel(),
            ServiceWithoutRepository(),
            HardcodedSecret(),
            JwtWithoutVerification(),
            CorsWildcardCredentials(),
            ErrorDetailLeak(),
            RouteWithoutAuth(),
            DependenciesParameter(),
        ),
        key=lambda rule: rule.meta.code,
    )
)

ALL_METAS: tuple[RuleMeta, ...] = (*PIPELINE_RULES, *(rule.meta for rule in ALL_RULES))


# What the fact extractor records of calls: every rule's declared calls (`RuleMeta.calls` by name,
# `RuleMeta.call_modules` by top-level module), and the app-wiring calls `init` reads.
CALL_NAMES: frozenset[str] = frozenset(APP_WIRING_CALLS).union(*(rule.meta.calls for rule in ALL_RULES))
CALL_MODULES: frozenset[str] = frozenset().union(*(rule.meta.call_modules for rule in ALL_RULES))


def lookup(code_or_name: str) -> RuleMeta | None:
    """The rule with this code (any case) or kebab-case name."""
    return find_rule(ALL_METAS, code_or_name)


def is_known_selector(selector: str) -> bool:
    """A code or prefix (`LG`, `LG1`, `LG101`) that names at least one rule."""
    return selects_any(ALL_METAS, selector)


__all__ = [
    "ALL_METAS",
    "ALL_RULES",
    "CALL_MODULES",
    "CALL_NAMES",
    "FileRule",
    "ProjectRule",
    "Rule",
    "is_known_selector",
    "lookup",
]
