"""Organisations cannot see each other: every route of the app, found by walking ``app.routes``.

A user of organisation A (the demo owner, ``client``) asks for organisation B's catalogue,
casus, denksessie, round, participant, traject, card, invitation and member. Each route is
either

- PUBLIC (needs no organisation: login forms, participants, the screen, public card links), or
- OWN_SCOPE (no resource in the path: a list or a create); a GET must not show B's data, or
- exercised: its path parameters are filled with B's resources and the answer must be 404,
  the same as for something that does not exist (never 403, which would confirm it exists).

A route added later that is none of these fails ``test_every_route_is_classified`` with its
name; add it to PUBLIC or OWN_SCOPE (with a reason), or teach ``path_value``/``BODIES`` how to
fill it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIWebSocketRoute
from fastapi.testclient import TestClient
from sqlmodel import Session, select
from starlette.routing import BaseRoute, Mount, compile_path

from app.accounts import service as accounts
from app.accounts.models import Invitation
from app.cards import service as cards
from app.cards.schemas import PrincipekaartDocument
from app.catalogue import service as catalogues
from app.content import PRINCIPEKAART_FILE, read_builtin
from app.realtime.protocol import CLOSE_UNAUTHORISED, PROTOCOL_VERSION
from app.tokens import ClientToken, sign
from tests.conftest import OtherOrganisation, sharing

pytestmark = pytest.mark.postgres

SECRET = "Geheim-van-B"  # in every title and name of B's data, so a leak shows in any answer
BUILTIN_CATALOGUE = "waardenkaart-sociaal-domein"

Key = tuple[str, str]  # (method, path)

PUBLIC: dict[Key, str] = {
    ("GET", "/openapi.json"): "API description",
    ("GET", "/docs"): "API description",
    ("GET", "/docs/oauth2-redirect"): "API description",
    ("GET", "/redoc"): "API description",
    ("GET", "/static"): "static files",
    ("GET", "/healthz"): "health check",
    ("GET", "/metrics"): "operational figures, no organisation data",
    ("GET", "/login"): "login form",
    ("POST", "/login"): "login form",
    ("POST", "/logout"): "ends the own login only",
    ("GET", "/setup"): "only while no account exists",
    ("POST", "/setup"): "only while no account exists",
    ("GET", "/uitnodiging/{token}"): "the one-time token is the key",
    ("POST", "/uitnodiging/{token}"): "the one-time token is the key",
    ("POST", "/api/v1/join/{code}"): "participants join with the code",
    ("POST", "/api/v1/aggregate"): "counting paper ballots, no stored data",
    ("GET", "/k/{token}"): "public link of a published card",
    ("GET", "/k/{token}/kaart.pdf"): "public link of a published card",
    ("GET", "/j"): "participant",
    ("GET", "/j/{code}"): "participant",
    ("GET", "/p/{code}"): "participant",
    ("GET", "/scherm/{denksessie_id}"): "the signed screen token is the key (tested below)",
    ("GET", "/waardenkaart"): "redirect to the built-in catalogue",
    ("WS", "/ws/{code}"): "signed tokens (tested below and in tests/realtime)",
}

OWN_SCOPE: dict[Key, str] = {
    ("GET", "/api/v1/account"): "own login",
    ("GET", "/account"): "own organisation's members",
    ("POST", "/account/uitnodigingen"): "invites into the own organisation",
    ("GET", "/api/v1/catalogues"): "list",
    ("POST", "/api/v1/catalogues"): "create",
    ("GET", "/api/v1/casussen"): "list",
    ("POST", "/api/v1/casussen"): "create",
    ("GET", "/api/v1/casussen/export"): "list",
    ("POST", "/api/v1/casussen/import"): "create",
    ("GET", "/api/v1/principekaarten"): "list",
    ("GET", "/api/v1/trajects"): "list",
    ("POST", "/api/v1/trajects"): "create",
    ("POST", "/api/v1/demo/traject"): "create (a demo traject in the own organisation)",
    ("GET", "/api/v1/organisation/retention"): "own setting",
    ("PUT", "/api/v1/organisation/retention"): "own setting",
    ("POST", "/account/bewaartermijn"): "own setting (the form of the retention API)",
    ("GET", "/"): "list",
    ("GET", "/casussen"): "list",
    ("GET", "/casussen/nieuw"): "the form creates in the own organisation",
    ("POST", "/casussen/nieuw"): "create",
    ("GET", "/casussen/importeren"): "the form imports into the own organisation",
    ("POST", "/casussen/importeren"): "create",
    ("GET", "/console"): "list",
    ("GET", "/console/trajecten"): "list",
    ("GET", "/console/programmas"): "list (own and built-in programmes)",
    ("POST", "/console/programmas"): "create; another's denksessie is 404 (test_programmes.py)",
    ("GET", "/api/v1/programmes"): "list (own and built-in programmes)",
    ("GET", "/principekaarten"): "list",
    ("GET", "/catalogi"): "list",
    ("POST", "/catalogi"): "create (a file as a new own catalogue)",
}


@dataclass
class World:
    """Organisation B's resources, made by B's own owner."""

    organisation_id: int
    user_id: int
    catalogue_slug: str
    cluster_key: str
    value_key: str
    opvatting_id: int
    casus_id: int
    denksessie_id: int
    code: str
    round_id: int
    participant_id: str
    traject_id: int
    card_slug: str
    invitation_id: int
    catalogue_document: dict[str, Any]
    programme_id: int


def path_value(path: str, name: str, world: World) -> object | None:
    """B's value for a path parameter, or None when this test does not know the parameter."""
    if name == "slug":
        return world.card_slug if "principekaarten" in path else world.catalogue_slug
    if name == "key":
        return world.cluster_key if "/clusters/" in path else world.value_key
    if name == "action":
        return (
            "open"
            if "/rounds/" in path and "/answers/" not in path and "/reasons/" not in path
            else "hide"
        )
    known: dict[str, object] = {
        "opvatting_id": world.opvatting_id,
        "casus_id": world.casus_id,
        "denksessie_id": world.denksessie_id,
        "round_id": world.round_id,
        "principle_id": 1,
        "reason_id": "0" * 16,
        "quote_id": 1,
        "participant_id": world.participant_id,
        "traject_id": world.traject_id,
        "stage": "naming",
        "value_key": world.value_key,
        "invitation_id": world.invitation_id,
        "user_id": world.user_id,
        "programme_id": world.programme_id,
    }
    return known.get(name)


Body = Callable[[World], tuple[str, Any]]  # ("json" | "form", payload)


def _json(payload: Any) -> Body:
    return lambda _world: ("json", payload)


BODIES: dict[Key, Body] = {
    ("PUT", "/api/v1/catalogues/{slug}"): lambda w: ("json", w.catalogue_document),
    ("PATCH", "/api/v1/catalogues/{slug}"): _json({"name": "Overgenomen"}),
    ("POST", "/api/v1/catalogues/{slug}/clone"): _json({"slug": "gekloond", "name": "Kloon"}),
    ("POST", "/api/v1/catalogues/{slug}/clusters"): _json({"name": "Nieuw", "group": "ideeel"}),
    ("PATCH", "/api/v1/catalogues/{slug}/clusters/{key}"): _json({"name": "Nieuw"}),
    ("POST", "/api/v1/catalogues/{slug}/values"): lambda w: (
        "json",
        {"name": "Nieuw", "cluster": w.cluster_key},
    ),
    ("PATCH", "/api/v1/catalogues/{slug}/values/{key}"): _json({"name": "Nieuw"}),
    ("POST", "/api/v1/catalogues/{slug}/values/{key}/opvattingen"): _json({"text": "Nieuw"}),
    ("PATCH", "/api/v1/catalogues/{slug}/opvattingen/{opvatting_id}"): _json({"text": "Nieuw"}),
    ("PATCH", "/api/v1/casussen/{casus_id}"): _json({"title": "Nieuw"}),
    ("PUT", "/api/v1/denksessies/{denksessie_id}/rounds/{round_id}/note"): _json(
        {"note": "Overgenomen"}
    ),
    ("POST", "/api/v1/casussen/{casus_id}/copy"): _json({"slug": "kopie", "title": "Kopie"}),
    ("PATCH", "/api/v1/principekaarten/{slug}"): _json({"title": "Nieuw"}),
    ("PATCH", "/api/v1/trajects/{traject_id}"): _json({"title": "Nieuw"}),
    ("POST", "/api/v1/trajects/{traject_id}/sessions"): lambda w: (
        "json",
        {"denksessie_id": w.denksessie_id, "stage": "naming"},
    ),
    ("POST", "/api/v1/trajects/{traject_id}/sessions/new"): _json(
        {"stage": "naming", "title": "Nieuw"}
    ),
    ("POST", "/api/v1/trajects/{traject_id}/shortlist/changes"): lambda w: (
        "json",
        {"action": "add", "values": [w.value_key], "reason": "test"},
    ),
    ("POST", "/api/v1/trajects/{traject_id}/ranking-round"): _json({}),
    ("POST", "/api/v1/trajects/{traject_id}/selection/resolve"): lambda w: (
        "json",
        {"take": [w.value_key], "reason": "test"},
    ),
    ("PUT", "/api/v1/trajects/{traject_id}/curation/{value_key}"): _json(
        {"headline": {"principle_id": 1}, "subs": [{"principle_id": n} for n in (2, 3, 4)]}
    ),
    ("POST", "/api/v1/trajects/{traject_id}/curation/{value_key}/split"): _json(
        {"principle_ids": [1]}
    ),
    ("POST", "/api/v1/trajects/{traject_id}/card"): _json({}),
    ("POST", "/api/v1/programmes/{programme_id}/start"): _json({"title": "Met B's programma"}),
    ("POST", "/api/v1/denksessies/{denksessie_id}/rounds"): _json(
        {"kind": "ranking", "config": {"candidates": ["zelfbeschikking", "privacy"]}}
    ),
    ("POST", "/api/v1/denksessies/{denksessie_id}/rounds/{round_id}/reveal"): _json(
        {"revealed": True}
    ),
    ("POST", "/api/v1/denksessies/{denksessie_id}/rounds/{round_id}/timer"): _json({"seconds": 60}),
    ("POST", "/api/v1/denksessies/{denksessie_id}/rounds/{round_id}/answers/{action}"): _json(
        {"keys": ["meer tijd"]}
    ),
    ("POST", "/api/v1/denksessies/{denksessie_id}/rounds/{round_id}/display"): _json(
        {"show": "wall"}
    ),
    ("POST", "/api/v1/denksessies/{denksessie_id}/lock"): _json({"locked": True}),
    ("POST", "/api/v1/denksessies/{denksessie_id}/quotes"): lambda w: (
        "json",
        {"round_id": w.round_id, "principle_id": 1},
    ),
}
FORMS: dict[Key, Callable[[World], dict[str, str]]] = {
    ("POST", "/account/leden/{user_id}/rol"): lambda _w: {"role": "viewer"},
    ("POST", "/account/organisatie"): lambda w: {"organisation_id": str(w.organisation_id)},
    ("POST", "/console/programmas/start"): lambda w: {
        "programma": str(w.programme_id),
        "title": "Met B's programma",
    },
}
# Routes without path parameters that still name B's resources, in the query.
QUERIES: dict[Key, Callable[[World], dict[str, str]]] = {
    ("GET", "/api/v1/principekaarten/vergelijk"): lambda w: {"a": w.card_slug, "b": w.card_slug},
    ("GET", "/principekaarten/vergelijk"): lambda w: {"a": w.card_slug, "b": w.card_slug},
    ("GET", "/console/programmas/start"): lambda w: {"programma": str(w.programme_id)},
}
# Creates whose body names B's resources: they must answer as for something that is not there.
BODY_REFERENCES: dict[Key, Callable[[World | None], dict[str, object]]] = {
    ("POST", "/api/v1/programmes"): lambda w: {
        "denksessie_id": w.denksessie_id if w else 999_999_999,
        "name": "Met B's denksessie",
    },
    ("POST", "/api/v1/denksessies"): lambda w: {
        "title": "Met B's casus",
        "casus_ids": [w.casus_id if w else 999_999_999],
    },
}


def routes(app: FastAPI) -> Iterator[tuple[Key, BaseRoute]]:
    """Every (method, path) the app answers, through included routers too."""

    def walk(candidates: list[BaseRoute]) -> Iterator[tuple[str, BaseRoute]]:
        for route in candidates:
            contexts = getattr(route, "effective_route_contexts", None)
            if contexts is not None:
                for context in contexts():
                    original = context.original_route
                    yield (context.path or getattr(original, "path", "")), original
            else:
                yield getattr(route, "path", ""), route

    for path, route in walk(list(app.routes)):
        if isinstance(route, APIWebSocketRoute):
            yield ("WS", route.path), route
        elif isinstance(route, Mount):
            yield ("GET", path), route
        else:
            for method in sorted(getattr(route, "methods", None) or ()):
                if method != "HEAD":
                    yield (method, path), route


def path_parameters(path: str) -> list[str]:
    return list(compile_path(path)[2])


def fill(path: str, world: World) -> str | None:
    values = {name: path_value(path, name, world) for name in path_parameters(path)}
    if any(value is None for value in values.values()):
        return None
    return path.format(**values)


def exercised(key: Key, world: World) -> bool:
    method, path = key
    if key in QUERIES or key in BODY_REFERENCES or key in FORMS:
        return True
    return bool(path_parameters(path)) and fill(path, world) is not None


@pytest.fixture
def world(
    client: TestClient,
    other_organisation: OtherOrganisation,
    running_app: TestClient,
    db: Session,
) -> World:
    organisation, b = other_organisation("organisatie-b")
    assert organisation.id is not None

    def ok(response: Any) -> Any:
        assert response.status_code in (200, 201), response.text
        return response.json()

    ok(
        b.post(
            f"/api/v1/catalogues/{BUILTIN_CATALOGUE}/clone",
            json={"slug": "b-kaart", "name": f"{SECRET} kaart"},
        )
    )
    catalogue = ok(b.get("/api/v1/catalogues/b-kaart"))
    cluster = catalogue["clusters"][0]
    value = cluster["values"][0]
    builtin_casus = ok(b.get("/api/v1/casussen"))[0]["id"]
    casus = ok(
        b.post(
            f"/api/v1/casussen/{builtin_casus}/copy",
            json={"slug": "b-casus", "title": f"{SECRET} casus"},
        )
    )
    denksessie = ok(
        b.post(
            "/api/v1/denksessies",
            json={"title": f"{SECRET} sessie", "catalogue": "b-kaart", "casus_ids": [casus["id"]]},
        )
    )
    session_round = ok(
        b.post(
            f"/api/v1/denksessies/{denksessie['id']}/rounds",
            json={"kind": "casus", "config": {"casus_id": casus["id"], "max_values": 2}},
        )
    )
    participant = ok(sharing(running_app).post(f"/api/v1/join/{denksessie['code']}", json={}))
    traject = ok(b.post("/api/v1/trajects", json={"title": f"{SECRET} traject"}))

    document = read_builtin(*PRINCIPEKAART_FILE)
    document.update(slug="b-principekaart", title=f"{SECRET} principekaart")
    b_catalogue = catalogues.get_visible(db, slug="b-kaart", organisation_id=organisation.id)
    cards.sync_document(
        db,
        document=PrincipekaartDocument.model_validate(document),
        organisation_id=organisation.id,
        catalogue=b_catalogue,
    )
    invited = b.post("/account/uitnodigingen", data={"email": "x@b.test", "role": "viewer"})
    assert invited.status_code == 201, invited.text
    db.commit()
    invitation = db.exec(
        select(Invitation).where(Invitation.organisation_id == organisation.id)
    ).one()
    me = ok(b.get("/api/v1/account"))
    assert me["organisation"] == "organisatie-b"
    user = accounts.get_by_email(db, me["email"])
    assert user is not None
    assert user.id is not None
    assert invitation.id is not None
    exported = b.get(f"/api/v1/catalogues/{BUILTIN_CATALOGUE}/export")
    saved = b.post(
        "/console/programmas",
        data={"denksessie_id": str(denksessie["id"]), "name": f"{SECRET} programma"},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    programme_id = int(saved.headers["location"].split("opgeslagen=", 1)[1].split("#", 1)[0])
    return World(
        organisation_id=organisation.id,
        user_id=user.id,
        catalogue_slug="b-kaart",
        cluster_key=cluster["key"],
        value_key=value["key"],
        opvatting_id=value["opvatting_ids"][0],
        casus_id=casus["id"],
        denksessie_id=denksessie["id"],
        code=denksessie["code"],
        round_id=session_round["id"],
        participant_id=participant["participant_id"],
        traject_id=traject["id"],
        card_slug="b-principekaart",
        invitation_id=invitation.id,
        catalogue_document=exported.json() | {"slug": "b-kaart"},
        programme_id=programme_id,
    )


def _send(client: TestClient, key: Key, world: World, url: str) -> Any:
    method, _path = key
    if key in FORMS:
        return client.request(method, url, data=FORMS[key](world))
    if key in BODIES:
        _kind, payload = BODIES[key](world)
        return client.request(method, url, json=payload)
    if method in ("POST", "PUT", "PATCH"):
        return client.request(method, url, json={})
    return client.request(method, url)


class TestIsolationMatrix:
    def test_every_route_is_classified_or_exercised(self, app: FastAPI, world: World) -> None:
        missing = [
            f"{method} {path}"
            for (method, path), _route in routes(app)
            if (method, path) not in PUBLIC
            and (method, path) not in OWN_SCOPE
            and not exercised((method, path), world)
        ]
        assert missing == [], (
            "Routes neither classified nor exercised by the isolation matrix; add each to "
            "PUBLIC or OWN_SCOPE in tests/api/test_isolation.py with a reason, or teach "
            f"path_value/BODIES/QUERIES to fill it: {missing}"
        )

    def test_another_organisations_resources_answer_404(
        self, app: FastAPI, client: TestClient, world: World
    ) -> None:
        failures = []
        count = 0
        for key, _route in routes(app):
            if key in PUBLIC or key in OWN_SCOPE or key in BODY_REFERENCES:
                continue
            method, path = key
            url = fill(path, world) if path_parameters(path) else path
            if url is None:
                continue
            query = QUERIES[key](world) if key in QUERIES else None
            if query:
                response = client.request(method, url, params=query)
            else:
                response = _send(client, key, world, url)
            count += 1
            if response.status_code != 404:
                failures.append(f"{method} {url}: {response.status_code} {response.text[:160]}")
        assert count > 40
        assert failures == [], "\n".join(failures)

    def test_b_reaches_its_own_resources(
        self, app: FastAPI, other_organisation: OtherOrganisation, world: World
    ) -> None:
        """The 404s above mean something: the same GETs work for B itself."""
        _organisation, b = other_organisation("organisatie-b")
        failures = []
        for key, _route in routes(app):
            method, path = key
            if method != "GET" or key in PUBLIC or key in OWN_SCOPE or not path_parameters(path):
                continue
            url = fill(path, world)
            if url is None:
                continue
            response = b.get(url)
            if response.status_code == 404:
                failures.append(f"GET {url}: {response.text[:160]}")
        assert failures == [], "\n".join(failures)

    def test_lists_never_show_another_organisations_data(
        self, app: FastAPI, client: TestClient, world: World
    ) -> None:
        leaks = []
        for key in OWN_SCOPE:
            method, path = key
            if method != "GET":
                continue
            response = client.get(path, headers={"Accept": "text/html"})
            assert response.status_code == 200, f"{path}: {response.status_code}"
            if SECRET in response.text:
                leaks.append(path)
        assert leaks == []

    def test_creates_cannot_use_another_organisations_resources(
        self, client: TestClient, world: World
    ) -> None:
        for (method, path), body in BODY_REFERENCES.items():
            foreign = client.request(method, path, json=body(world))
            missing = client.request(method, path, json=body(None))
            assert foreign.status_code >= 400, foreign.text
            assert (foreign.status_code, foreign.json()["error"]["code"]) == (
                missing.status_code,
                missing.json()["error"]["code"],
            )


class TestLiveTokens:
    def test_the_console_of_another_organisation_hands_out_no_tokens(
        self, client: TestClient, world: World
    ) -> None:
        response = client.get(f"/console/{world.denksessie_id}", headers={"Accept": "text/html"})
        assert response.status_code == 404
        assert "data-token" not in response.text

    def test_a_forged_facilitator_token_closes_4401(self, client: TestClient, world: World) -> None:
        forged = sign("a-key-the-attacker-made-up-123", ClientToken("facilitator", 1))
        with client.websocket_connect(f"/ws/{world.code}") as socket:
            socket.send_json(
                {
                    "type": "hello",
                    "protocol": PROTOCOL_VERSION,
                    "role": "facilitator",
                    "token": forged,
                }
            )
            error = socket.receive_json()
            assert error["code"] == "HANDSHAKE_REFUSED"
            closing = socket.receive()
            assert closing["code"] == CLOSE_UNAUTHORISED

    def test_a_screen_link_needs_the_signed_token(self, client: TestClient, world: World) -> None:
        assert client.get(f"/scherm/{world.denksessie_id}").status_code == 403
        other = sign("a-key-the-attacker-made-up-123", ClientToken("screen", world.denksessie_id))
        assert client.get(f"/scherm/{world.denksessie_id}?token={other}").status_code == 403
