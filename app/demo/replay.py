"""Replay the 2024 traject against a running server, through its real HTTP and websocket API.

The facilitator's steps go over the JSON API with a logged-in session (cookie + CSRF header);
every simulated participant joins with the code, opens its own websocket, sends its ballot and
waits for the acknowledgement, exactly as a phone does. What comes out is a draft Principekaart
made by the traject's own shortlist, selection and curation: nothing is written behind the API's
back. The scenario is illustrative (app/demo/scenario.py); the traject and its card say so.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import json
import logging
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import websockets
from sqlalchemy import Engine

from app.accounts import service as accounts
from app.db import DbSession, transaction
from app.demo import scenario as scenarios
from app.errors import NotFound

logger = logging.getLogger(__name__)

CSRF_HEADER = "X-CSRF-Token"
PROTOCOL_VERSION = 1


class ReplayError(Exception):
    """A step of the replay was refused; the message says which and why."""


@dataclass
class ApiSession:
    """A facilitator's HTTP session: cookies kept, the CSRF header on every change."""

    base_url: str
    csrf_token: str = ""
    # A login made elsewhere (the server starting a replay for its user): (cookie name, value).
    login_cookie: tuple[str, str] | None = None
    cookies: http.cookiejar.CookieJar = field(default_factory=http.cookiejar.CookieJar)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self._opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.cookies))

    def request(self, method: str, path: str, body: Any = None) -> Any:
        raw = self._send(method, path, body)
        return json.loads(raw) if raw else None

    def get_text(self, path: str) -> str:
        return self._send("GET", path, None).decode()

    def _send(self, method: str, path: str, body: Any) -> bytes:
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base_url + path, data=data, method=method)
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if method not in ("GET", "HEAD") and self.csrf_token:
            request.add_header(CSRF_HEADER, self.csrf_token)
        if self.login_cookie is not None:
            request.add_header("Cookie", "=".join(self.login_cookie))
        try:
            with self._opener.open(request, timeout=30) as response:
                raw: bytes = response.read()
                return raw
        except urllib.error.HTTPError as exc:
            raise ReplayError(f"{method} {path}: {exc.code} {_message(exc.read())}") from exc
        except urllib.error.URLError as exc:
            unreachable = f"de server is niet bereikbaar ({exc.reason})"
            raise ReplayError(f"{method} {path}: {unreachable}") from exc

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def post(self, path: str, body: Any = None) -> Any:
        return self.request("POST", path, {} if body is None else body)

    def put(self, path: str, body: Any) -> Any:
        return self.request("PUT", path, body)

    def login(self, email: str, password: str) -> None:
        answer = self.post("/api/v1/account/login", {"email": email, "password": password})
        self.csrf_token = str(answer["csrf_token"])

    @property
    def ws_base(self) -> str:
        parts = urlsplit(self.base_url)
        scheme = "wss" if parts.scheme == "https" else "ws"
        return f"{scheme}://{parts.netloc}"


def _message(raw: bytes) -> str:
    try:
        error = json.loads(raw)["error"]
    except (ValueError, KeyError, TypeError):
        return raw[:200].decode(errors="replace")
    problems = "; ".join(f"{p['loc']}: {p['message']}" for p in error.get("problems", []))
    return f"{error.get('message', '')} {problems}".strip()


# --- participants ------------------------------------------------------------------------------


async def _participant_votes(
    api: ApiSession, code: str, token: str, ballots: list[tuple[int, str, dict[str, Any]]]
) -> None:
    """One phone: hello, wait for the snapshot, send each ballot and wait for its ack."""
    async with websockets.connect(f"{api.ws_base}/ws/{code}", open_timeout=30) as socket:
        hello = {"type": "hello", "protocol": PROTOCOL_VERSION, "role": "participant"}
        await socket.send(json.dumps({**hello, "token": token}))
        await _wait_for(socket, lambda frame: frame["type"] == "snapshot")
        for round_id, kind, payload in ballots:
            msg_id = uuid.uuid4().hex
            ballot = {"type": "ballot", "msg_id": msg_id, "round_id": round_id, "kind": kind}
            await socket.send(json.dumps({**ballot, "payload": payload}))
            frame = await _wait_for(
                socket,
                lambda f, m=msg_id: f["type"] in ("ack", "error") and f.get("msg_id") == m,  # type: ignore[misc]
            )
            if frame["type"] == "error":
                raise ReplayError(f"stem geweigerd: {frame.get('code')} {frame.get('message')}")


async def _wait_for(socket: Any, wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    async with asyncio.timeout(30):
        async for raw in socket:
            frame: dict[str, Any] = json.loads(raw)
            if frame["type"] == "error" and frame.get("code") == "HANDSHAKE_REFUSED":
                raise ReplayError(f"websocket geweigerd: {frame.get('message')}")
            if wanted(frame):
                return frame
    raise ReplayError("de websocket werd gesloten voordat het antwoord kwam")


def _join(api: ApiSession, code: str, people: int) -> list[str]:
    """Every phone of a session joins once; its token carries it through every round."""
    return [str(api.post(f"/api/v1/join/{code}", {})["token"]) for _ in range(people)]


async def _room(
    api: ApiSession,
    code: str,
    tokens: list[str],
    phones: list[list[tuple[int, str, dict[str, Any]]]],
) -> None:
    """All phones vote at once, as in a room, each on its own socket."""
    votes = zip(tokens, phones, strict=True)
    await asyncio.gather(*(_participant_votes(api, code, token, mine) for token, mine in votes))


# --- the facilitator ---------------------------------------------------------------------------


@dataclass
class ReplayResult:
    traject_id: int
    card_slug: str
    card_url: str
    shortlist: list[str]
    selection: list[str]
    participants: int


def run(api: ApiSession, scenario: dict[str, Any] | None = None) -> ReplayResult:
    """Run the whole traject; returns where the card is. Raises ReplayError on a refusal."""
    return asyncio.run(run_async(api, scenario or scenarios.load()))


async def run_async(api: ApiSession, scenario: dict[str, Any]) -> ReplayResult:
    spec = scenario["traject"]
    traject = api.post(
        "/api/v1/trajects",
        {
            "title": spec["title"],
            "central_question": spec["central_question"],
            "card_size": spec["card_size"],
            "method": spec["method"],
            "min_participants": spec["shortlist_min"],
            "max_values": spec["shortlist_max"],
            "illustrative": True,
        },
    )
    base = f"/api/v1/trajects/{traject['id']}"
    casus_ids = {c["slug"]: c["id"] for c in api.get("/api/v1/casussen")}
    people = 0
    for session in scenario["naming_sessions"]:
        people += len(session["participants"])
        await _naming_session(api, base, session, casus_ids)
    api.post(f"{base}/stages/naming/close")

    shortlist = api.get(f"{base}/shortlist")
    if shortlist["tie"] and not shortlist["tie"]["taken"]:
        api.post(
            f"{base}/shortlist/changes",
            {"action": "take_all_tied", "reason": "Naspel: alle gelijk geëindigde waarden mee."},
        )
    prioritising = scenario["prioritising_session"]
    people += len(prioritising["participants"])
    created = api.post(
        f"{base}/sessions/new",
        {"stage": "prioritising", "title": prioritising["title"], "roles": _roles(prioritising)},
    )
    ranking = api.post(f"{base}/ranking-round", {"denksessie_id": created["id"]})
    round_id = ranking["round"]["id"]
    session_path = f"/api/v1/denksessies/{created['id']}"
    api.post(f"{session_path}/rounds/{round_id}/open")
    tokens = _join(api, created["code"], len(prioritising["participants"]))
    await _room(
        api,
        created["code"],
        tokens,
        [[(round_id, "ranking", {"ranking": p["ranking"]})] for p in prioritising["participants"]],
    )
    api.post(f"{session_path}/rounds/{round_id}/close")
    api.post(f"{session_path}/end")
    api.post(f"{base}/stages/prioritising/close")

    # A tie at the cut, if any, is left to the traject's documented tie-break order.
    selection = api.get(f"{base}/selection")
    # As in 2024, the principles come from the casus sessions and are curated after session 3.
    for value in selection["selection"]:
        _curate(api, base, value, scenario["card"].get(value))
    card = api.post(f"{base}/card", {"title": "Principekaart Professionals (naspel 2024)"})
    final = api.get(base)
    return ReplayResult(
        traject_id=int(traject["id"]),
        card_slug=card["slug"],
        card_url=card["url"],
        shortlist=list(final["shortlist"]["values"]),
        selection=list(selection["selection"]),
        participants=people,
    )


def _roles(session: dict[str, Any]) -> list[str]:
    return sorted({p["role"] for p in session["participants"] if p.get("role")})


async def _naming_session(
    api: ApiSession, base: str, session: dict[str, Any], casus_ids: dict[str, int]
) -> None:
    ids = [casus_ids[slug] for slug in session["casussen"]]
    created = api.post(
        f"{base}/sessions/new",
        {"stage": "naming", "title": session["title"], "casus_ids": ids, "roles": _roles(session)},
    )
    session_path = f"/api/v1/denksessies/{created['id']}"
    tokens = _join(api, created["code"], len(session["participants"]))
    for index, casus_id in enumerate(ids):
        new_round = api.post(
            f"{session_path}/rounds", {"kind": "casus", "config": {"casus_id": casus_id}}
        )
        api.post(f"{session_path}/rounds/{new_round['id']}/open")
        await _room(
            api,
            created["code"],
            tokens,
            [[(new_round["id"], "casus", p["answers"][index])] for p in session["participants"]],
        )
        api.post(f"{session_path}/rounds/{new_round['id']}/close")
    api.post(f"{session_path}/end")


def _curate(api: ApiSession, base: str, value: str, wanted: dict[str, Any] | None) -> None:
    """The facilitator's curation, as in 2024: per principle of the scenario's card, pick one the
    participants wrote in its sense (from the folded group holding most of them) and reword it
    to the card's text; the traject records each rewording, and the Verantwoording lists them.
    A value the scenario has no card text for gets the most written groups, unchanged."""
    groups = api.get(f"{base}/curation/{value}")["groups"]
    texts = [] if wanted is None else [wanted["headline"], *wanted["sub_principles"]]
    picks: list[dict[str, Any]] = []
    for text in texts:
        said = set(wanted["written"].get(text, [])) if wanted else set()
        found = [[p["id"] for p in g["principles"] if p["text"] in said] for g in groups]
        best = max(found, key=len, default=[])
        if best:
            picks.append({"principle_id": best[0], "text": text})
    if not texts or len(picks) < len(texts):
        firsts = [group["principles"][0]["id"] for group in groups]
        if len(firsts) < 4:
            raise ReplayError(f"te weinig principes voor {value} om een kaart te maken")
        picks = [{"principle_id": i} for i in firsts[:5]]
    api.put(f"{base}/curation/{value}", {"headline": picks[0], "subs": picks[1:5]})


def login_for(db: DbSession, email: str, lifetime_minutes: int = 30) -> tuple[str, str]:
    """A short login session for ``email`` (cookie token, CSRF token), made by someone who may
    already act for that account: the command line on the server's own database, or the server
    for its logged-in user pressing the console's replay button."""
    user = accounts.get_by_email(db, email)
    if user is None:
        raise NotFound(f"Er is geen account {email}.")
    token = accounts.start_login(db, user=user, lifetime=timedelta(minutes=lifetime_minutes))
    login = accounts.resolve_login(db, token)
    assert login is not None
    return token, login.session.csrf_token


def run_as(engine: Engine, base_url: str, email: str, cookie_name: str) -> ReplayResult:
    """Run the replay against ``base_url`` logged in as ``email``: a short login made in the
    server's own database and always ended afterwards, whether the replay succeeds or not."""
    with transaction(engine) as db:
        token, csrf = login_for(db, email)
    try:
        return run(ApiSession(base_url, csrf_token=csrf, login_cookie=(cookie_name, token)))
    finally:
        with transaction(engine) as db:
            accounts.end_login(db, token)
