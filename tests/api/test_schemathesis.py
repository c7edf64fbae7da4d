"""Every operation in the OpenAPI document, fed generated input: never a server error.

Schemathesis generates the requests from /openapi.json; they are sent with the logged-in
``client`` (session cookie and CSRF header), so writes get past the door and reach validation.
Bounded: a fixed number of examples per operation, derandomised so CI runs are repeatable.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from app.main import create_app
from tests.conftest import settings_for

EXAMPLES_PER_OPERATION = 8


# The document does not depend on the database: build it from an app that is never started.
schema = schemathesis.openapi.from_dict(
    create_app(settings_for("postgresql+psycopg://unused@127.0.0.1/unused")).openapi()
)


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, client: TestClient) -> None:
    request = case.as_transport_kwargs(base_url=str(client.base_url))
    response = client.request(
        request["method"],
        request["url"],
        params=request.get("params"),
        headers={k: v for k, v in (request.get("headers") or {}).items() if k.lower() != "cookie"},
        json=request.get("json"),
        content=request.get("data") if isinstance(request.get("data"), (bytes, str)) else None,
    )
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    )


def test_an_id_beyond_the_database_integer_is_refused_not_a_crash(client: TestClient) -> None:
    # Found by the run above: PostgreSQL refuses 2**31 for an integer column.
    response = client.get(f"/api/v1/casussen/{2**31}")
    assert response.status_code == 422
    assert "buiten het toegestane bereik" in response.json()["error"]["message"]
