"""The OpenAPI says what every operation answers, once per model: what the fuzzing holds the
API to is only as good as the document."""

from __future__ import annotations

import collections
import json
import typing

from pydantic import BaseModel

from aftersales.api import api
from aftersales.core.schemas import COMMON_ERRORS

ERROR_REF = "#/components/schemas/ErrorOut"
VALIDATION_REF = "#/components/schemas/ValidationErrorOut"


def _operations():
    for _prefix, router in api._routers:
        for path_view in router.path_operations.values():
            yield from (op for op in path_view.operations if op.include_in_schema)


def _models(annotation, found, depth=0):
    if depth > 8:
        return
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        name = f"{annotation.__module__}.{annotation.__qualname__}"
        if name in found[annotation.__name__]:
            return
        found[annotation.__name__].add(name)
        for field in annotation.model_fields.values():
            _models(field.annotation, found, depth + 1)
    for argument in typing.get_args(annotation):
        _models(argument, found, depth + 1)


def test_no_two_models_share_a_name_in_the_openapi():
    """django-ninja keys the schemas by class name: a second ``SettleIn`` would silently
    replace the first in the document, and one operation would be documented with the other's
    body. Name a model after its area (``RefundSettleIn``, ``ApprovalRuleOut``)."""
    found: dict[str, set[str]] = collections.defaultdict(set)
    for operation in _operations():
        for model in operation.models:
            for field in model.model_fields.values():
                _models(field.annotation, found)
        for response in operation.response_models.values():
            if isinstance(response, type) and issubclass(response, BaseModel):
                for field in response.model_fields.values():
                    _models(field.annotation, found)
    # The paginators' query parameters are flattened into the query: no schema of their own.
    found.pop("Input", None)
    clashes = {name: sorted(where) for name, where in found.items() if len(where) > 1}
    assert not clashes, clashes


def test_every_operation_documents_the_errors_any_operation_may_answer(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    missing = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            for status in COMMON_ERRORS:
                answer = operation["responses"].get(str(status))
                body = (answer or {}).get("content", {}).get("application/json", {})
                # Our error body, or one the operation names itself (a carrier's push answers
                # in the carrier's own format).
                if not body.get("schema"):
                    missing.append(f"{method.upper()} {path}: {status}")
    assert not missing, missing


def test_the_errors_are_documented_with_the_one_error_body(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    inbox = schema["paths"]["/api/v1/cases"]["get"]["responses"]
    assert inbox["422"]["content"]["application/json"]["schema"]["$ref"] == VALIDATION_REF
    for status in ("400", "401", "403", "404", "413"):
        assert inbox[status]["content"]["application/json"]["schema"]["$ref"] == ERROR_REF


def test_no_key_is_written_twice_in_the_schema(client, db):
    # Swagger UI reads the schema with a YAML parser that refuses a repeated key (a status
    # named both by ninja and in openapi_extra, say); json.loads would silently keep one.
    repeated: list[str] = []

    def pairs(items):
        keys = [k for k, _v in items]
        repeated.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(items)

    json.loads(client.get("/api/v1/openapi.json").content, object_pairs_hook=pairs)

    assert repeated == []
