"""Every operation in the OpenAPI document, fed generated input: never a server error.

Schemathesis generates the requests from /openapi.json; they are sent with a logged-in client
(session cookie and CSRF header), so writes get past the door and reach validation. They run
against both databases the service supports: PostgreSQL (one rolled-back transaction per
example) and a migrated SQLite file (committed, like a real server), because each refuses
different things (an id of 2**63 crashed only SQLite's driver). Valid and invalid input both
(schemathesis' positive and negative modes). Bounded: a fixed number of examples per
operation, derandomised so CI runs are repeatable.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings

from app import migrate
from app.content import load_builtin_content
from app.db import build_engine, transaction
from app.main import create_app
from app.schemas import DB_ID_MAX
from tests.conftest import settings_for, with_committed_login

EXAMPLES_PER_OPERATION = 8


# The document does not depend on the database: build it from an app that is never started.
OPENAPI = create_app(settings_for("postgresql+psycopg://unused@127.0.0.1/unused")).openapi()
schema = schemathesis.openapi.from_dict(OPENAPI)
# Invalid input too (an id past the bound, a string for a number): it must be a 4xx as well.
schema.config.generation.update(
    modes=[schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE]
)


@pytest.fixture(scope="module")
def sqlite_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A started app on a migrated SQLite file with the built-in content, logged in."""
    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'schemathesis.sqlite3'}"
    settings = settings_for(url)
    migrate.upgrade(settings)
    engine = build_engine(settings)
    with transaction(engine) as db:
        load_builtin_content(db)
    engine.dispose()
    with TestClient(create_app(settings)) as runner:
        yield with_committed_login(runner, url)


@pytest.fixture(params=["postgresql", "sqlite"])
def server(request: pytest.FixtureRequest) -> TestClient:
    if request.param == "sqlite":
        client: TestClient = request.getfixturevalue("sqlite_client")
    else:
        client = request.getfixturevalue("client")
    return client


def _send(client: TestClient, case: Any) -> Any:
    request = case.as_transport_kwargs(base_url=str(client.base_url))
    return client.request(
        request["method"],
        request["url"],
        params=request.get("params"),
        headers={k: v for k, v in (request.get("headers") or {}).items() if k.lower() != "cookie"},
        json=request.get("json"),
        content=request.get("data") if isinstance(request.get("data"), (bytes, str)) else None,
    )


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_server_errors(case: Any, server: TestClient) -> None:
    response = _send(server, case)
    if (case.method, case.path, response.status_code) == ("POST", "/api/v1/demo/traject", 502):
        # The replay calls this server over the network, and a test client has no address:
        # on a committed database (SQLite here) it gets that far and says so, as documented.
        assert response.json()["error"]["code"] == "REPLAY_FAILED"
        return
    # schemathesis' not_a_server_error check, with the request in the failure message.
    assert response.status_code < 500, (
        f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    )


# --- ids: what the generated run above cannot reach, since the document now bounds them -------


def _integer_schemas(node: Any, name: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (field name, integer schema) under ``node``, ``$ref``s resolved, items of lists
    named after their list."""
    if isinstance(node, dict):
        if "$ref" in node:
            target = node["$ref"].removeprefix("#/components/schemas/")
            yield from _integer_schemas(OPENAPI["components"]["schemas"][target], name)
            return
        if node.get("type") == "integer":
            yield name, node
        for key, value in node.items():
            if key == "properties":
                for field, sub in value.items():
                    yield from _integer_schemas(sub, field)
            elif key in ("items", "anyOf", "oneOf", "allOf", "schema"):
                yield from _integer_schemas(value, name)
    elif isinstance(node, list):
        for item in node:
            yield from _integer_schemas(item, name)


def _request_ids() -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, operations in OPENAPI["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            for parameter in operation.get("parameters", []):
                if parameter["name"].endswith("_id"):
                    for _, node in _integer_schemas(parameter["schema"]):
                        found.append((where, parameter["name"], node))
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                for field, node in _integer_schemas(media.get("schema", {})):
                    if field.endswith(("_id", "_ids")):
                        found.append((where, field, node))
    return found


def test_every_id_a_request_carries_is_bounded_to_the_database_integer() -> None:
    ids = _request_ids()
    assert len(ids) > 40  # the walk finds them (path ids of every router, body ids)
    unbounded = [
        f"{where}: {name}"
        for where, name, node in ids
        if node.get("minimum") != 1 or node.get("maximum") != DB_ID_MAX
    ]
    assert unbounded == []


HUGE = 2**63  # one past SQLite's integer; its driver could not even bind it (a 500 before)


@pytest.mark.parametrize(
    ("method", "path", "body", "where"),
    [
        ("GET", f"/api/v1/casussen/{HUGE}", None, "path.casus_id"),
        ("GET", f"/api/v1/denksessies/{HUGE}", None, "path.denksessie_id"),
        ("POST", f"/api/v1/denksessies/1/rounds/{HUGE}/open", None, "path.round_id"),
        ("GET", f"/api/v1/trajects/{HUGE}", None, "path.traject_id"),
        (
            "DELETE",
            f"/api/v1/catalogues/waardenkaart-sociaal-domein/opvattingen/{HUGE}",
            None,
            "path.opvatting_id",
        ),
        ("POST", "/api/v1/denksessies", {"title": "X", "casus_ids": [HUGE]}, "casus_ids.0"),
    ],
)
def test_an_id_beyond_64_bits_is_a_clear_422_on_sqlite(
    sqlite_client: TestClient, method: str, path: str, body: Any, where: str
) -> None:
    response = sqlite_client.request(method, path, json=body)
    assert response.status_code == 422
    [problem] = response.json()["error"]["problems"]
    assert problem["loc"] == where
    assert problem["message"].startswith("buiten het toegestane bereik")


def test_an_id_beyond_the_postgresql_integer_is_a_clear_422(client: TestClient) -> None:
    # Found by the generated run: PostgreSQL refuses 2**31 for an integer column.
    response = client.get(f"/api/v1/casussen/{2**31}")
    assert response.status_code == 422
    [problem] = response.json()["error"]["problems"]
    assert problem["loc"] == "path.casus_id"
    assert problem["message"].startswith("buiten het toegestane bereik")
