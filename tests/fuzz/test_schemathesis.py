"""Schemathesis over the whole OpenAPI, in the test run: every operation, every check, as an
agent and as a supervisor of a shop with orders and cases — reduced (a few cases per operation,
a short stateful walk) and derandomized, so the same cases run every time. The full run, with
thousands of cases against a live gunicorn on PostgreSQL, is ``python -m tests.fuzz.full``.

A failure names the operation and the request (schemathesis prints a curl line to replay it):
a 5xx, an answer outside its documented status codes or schema, a schema-valid request refused
with 422, a schema-breaking request accepted.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import ignored_auth

from aftersales.accounts.services import token_create
from tests.api import API, order_build
from tests.factories import UserFactory

CONFIG = SchemathesisConfig.from_path(str(Path(__file__).with_name("schemathesis.toml")))
ROLES = ("agent", "supervisor")
# Few enough to keep the run within a minute or two on two shared cores.
EXAMPLES = 2
# Open findings in the courier area's apps, each with what the fuzzing found (issue 7's
# report): left out of this run until fixed, so it keeps guarding everything else. Remove an
# entry once its operation passes.
KNOWN = {
    "POST /api/v1/logistics/coverage": "an unknown carrier_id is 422 (a schema error); 404",
    "POST /api/v1/logistics/suspensions": "an unknown carrier_id is 422 (a schema error); 404",
    "POST /api/v1/logistics/plans": "an unknown carrier_id is 422 (a schema error); 404",
    "POST /api/v1/logistics/imports/coverage": "a file without the columns is 422; 400",
    "POST /api/v1/logistics/imports/suspensions": "a file without the columns is 422; 400",
    "POST /api/v1/scorecards/policies": "threshold_pct refuses values its schema allows",
    "PATCH /api/v1/scorecards/policies/{policy_id}": "threshold_pct refuses what it documents",
}
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
    # Generated, not shrunk: a failure is shown as found, which keeps a red run short.
    phases=[Phase.explicit, Phase.generate],
)


@pytest.fixture
def fuzz_world(transactional_db, shop, other_shop):
    """A shop with orders, some with cases open, and its agent and supervisor with API tokens;
    another shop with an order of its own (never to be seen). Each request commits as it would
    under gunicorn (no test transaction around them all: on PostgreSQL one refused write
    would otherwise abort every request after it)."""
    agent = UserFactory(username="fuzz_agent", roles=["agent"], shops=[shop])
    supervisor = UserFactory(username="fuzz_supervisor", roles=["supervisor"], shops=[shop])
    tokens = {
        "agent": token_create(user=agent, name="fuzz"),
        "supervisor": token_create(user=supervisor, name="fuzz"),
    }
    lines = []
    for _ in range(3):
        _order, order_lines = order_build(shop=shop)
        lines.extend(order_lines)
    order_build(shop=other_shop)
    client = Client(headers={"Authorization": f"Bearer {tokens['agent']}"})
    for kind, line in (("refund_only", lines[0]), ("return_refund", lines[1])):
        body = {
            "kind": kind,
            "order_id": line.order_id,
            "reason": "quality",
            "lines": [{"order_line_id": line.pk, "quantity": 1}],
        }
        response = client.post(f"{API}/cases", json.dumps(body), content_type="application/json")
        assert response.status_code == 201, response.content
    return tokens


@pytest.fixture
def api_schema(fuzz_world):
    return schemathesis.openapi.from_wsgi(
        f"{API}/openapi.json", get_wsgi_application(), config=CONFIG
    )


def _failures_of_every_operation(api_schema, token: str) -> list[str]:
    """Each operation, with schema-valid and schema-breaking input: what failed, by operation
    (each reported with the request that shows it; all are run, none stops the others)."""
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if operation.label in KNOWN:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @FUZZ_SETTINGS
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case):
                case.call_and_validate(headers=headers)

            try:
                check()
            except (Exception, BaseExceptionGroup) as exc:  # noqa: BLE001 - all are reported
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    return failures


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_answers_as_documented(api_schema, fuzz_world, role):
    failures = _failures_of_every_operation(api_schema, fuzz_world[role])
    assert not failures, "\n\n".join(failures)


@pytest.mark.parametrize("role", ROLES)
def test_sequences_of_operations_answer_as_documented(api_schema, fuzz_world, role):
    """The stateful phase: operations chained by the links schemathesis infers (a case
    opened, then read, acted on, noted...)."""
    headers = {"Authorization": f"Bearer {fuzz_world[role]}"}

    known = "|".join(label.split(" ", 1)[1] for label in KNOWN)
    links = api_schema.exclude(path_regex=f"^({known})$").exclude(
        path_regex="^/api/v1/(watch/followups|logistics/routes)$", method="GET"
    )

    class Workflow(links.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # ignored_auth replays a step with a made-up session cookie, the API's other way
            # in, while the bearer token of these kwargs still rides along: a 200 then is the
            # token at work, not the cookie let through (the per-operation run and the full
            # run check auth with the token itself).
            case.validate_response(
                response,
                additional_checks=additional_checks,
                excluded_checks=[ignored_auth],
                transport_kwargs=kwargs or None,
                recorder=self.recorder,
            )

    Workflow.run(
        settings=settings(
            max_examples=2,
            stateful_step_count=5,
            derandomize=True,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
    )
