"""Schemathesis against the platform's own OpenAPI schema: generated requests (valid and
invalid) for every operation, as an administrator, must never give a server error and every
answer must match the schema (status codes declared, bodies, content types)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings

from gridgov.api.app import create_app
from gridgov.bootstrap import Platform

from ..conftest import BACKENDS, NOW, make_platform
from ..factories import make_world
from .helpers import auth

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis (dev extra)")
from schemathesis import checks  # noqa: E402

# An event stream never ends, so a request/response check cannot wait for it; it has its own
# live-server test (test_hooks_and_live).
ENDLESS = {"GET /api/v1/events/stream"}
CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
    checks.response_headers_conformance,
]


@pytest.fixture(scope="module", params=BACKENDS)
def fuzzed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, pg_server
) -> Iterator[tuple[Platform, dict[str, str]]]:
    platform = make_platform(request.param, tmp_path_factory.mktemp("fuzz"), pg_server)
    with platform.db.write() as session:
        make_world(session, now=NOW)
    yield platform, auth(platform, "admin")
    platform.db.dispose()


def test_every_operation_answers_within_its_schema(
    fuzzed: tuple[Platform, dict[str, str]],
) -> None:
    platform, headers = fuzzed
    schema = schemathesis.openapi.from_asgi(
        "/openapi.json", create_app(platform, run_sweeper=False)
    )
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        if operation.label in ENDLESS:
            continue

        @given(case=operation.as_strategy())
        @settings(
            max_examples=15,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        def run(case) -> None:
            case.call_and_validate(headers=headers, checks=CHECKS)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {exc}"[:3000])
    assert operations >= 30  # the whole API was walked, not an empty schema
    assert not failures, "\n\n".join(failures)
