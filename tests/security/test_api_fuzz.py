"""Schemathesis against the resident API's own OpenAPI document, in-process (WSGI).

Every operation gets generated requests, once without a token and once signed in as a
resident of estate X: none may answer 5xx, and every answer must be one the document
declares (status code, content type, headers, body schema). The document is made true
rather than checks excluded. Bounded in examples so the run adds well under a minute; only
on the embedded stack (the real stack answers the same, more slowly).
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from backend.extensions import limiter
from tests.conftest import STACK
from tests.helpers import bearer
from tests.security.conftest import SUMMARY

pytestmark = pytest.mark.skipif(
    STACK != "embedded", reason="API fuzzing runs on the embedded stack only (time budget)"
)

#: generated examples per operation (each sent twice: without a token and signed in)
EXAMPLES = 10
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def test_api_answers_only_what_its_document_declares(app, world):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    signed_in = bearer(world.owner_x.resident)
    operations = examples = 0
    failures = []
    # rate limits would answer 429 to a burst of generated requests from one address;
    # the limits are tested on their own (tests/accounts, tests/api)
    limiter.enabled = False
    try:
        for result in schema.get_all_operations():
            operation = result.ok()
            operations += 1

            # schemathesis' pytest plugin (from_fixture) does not run on pytest 9.2, so
            # each operation's strategy is driven by hypothesis here
            @given(case=operation.as_strategy())
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            )
            def fuzz(case):
                nonlocal examples
                examples += 1
                case.call_and_validate(checks=CHECKS)
                case.call_and_validate(headers=signed_in, checks=CHECKS)

            try:
                fuzz()
            except Exception as exc:
                failures.append(f"{operation.label}: {exc}")
    finally:
        limiter.enabled = True
    SUMMARY.append(
        f"API fuzzing: {operations} operations, {examples} generated examples, "
        "each sent without a token and signed in"
    )
    assert not failures, "\n\n".join(failures)
