"""The websocket endpoint ``/ws/{code}``: handshake, snapshot, then ballots in and frames out.

A ballot goes validate -> commit -> ack -> publish. The commit happens in a worker thread with its
own database session (one commit boundary per message); only after it succeeded is the ack queued
and the marker published, so nothing is announced for a rolled-back ballot.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from pydantic import ValidationError
from sqlalchemy.exc import SQLAlchemyError
from sqlmodel import Session

from app.db import committing
from app.errors import DomainError
from app.i18n import Language, pick_language
from app.i18n.errors import TEXTS, error_text
from app.observability.logging import connection_id, new_id
from app.realtime.abuse import FrameLimiter, TokenSockets, Verdict, origin_allowed
from app.realtime.arrivals import Arrivals, NotAdmitted, staff_access_holds
from app.realtime.connection import Connection
from app.realtime.hub import Hub
from app.realtime.protocol import (
    CLOSE_BAD_HELLO,
    CLOSE_BAD_ORIGIN,
    CLOSE_NOT_FOUND,
    CLOSE_POLICY,
    CLOSE_REMOVED,
    CLOSE_TOO_BIG,
    CLOSE_TRY_AGAIN,
    CLOSE_UNAUTHORISED,
    MAX_FRAME_BYTES,
    PROTOCOL_VERSION,
    BallotFrame,
    Hello,
    Ping,
    Resync,
    client_frames,
    hello_frame,
    msg_id_of,
)
from app.realtime.threads import in_thread
from app.realtime.views import dumps
from app.sessions.ballot_batch import BallotRequest
from app.tokens import ClientToken, verify

logger = logging.getLogger(__name__)
router = APIRouter()
T = TypeVar("T")

HELLO_TIMEOUT_S = 10.0


# The reason a refusal gives when it names none of its own (``HANDSHAKE_REFUSED.*`` in
# ``app/i18n/errors.py``), by close code.
REASON_BY_CLOSE = {
    CLOSE_TOO_BIG: "TOO_BIG",
    CLOSE_BAD_HELLO: "BAD_HELLO",
    CLOSE_UNAUTHORISED: "BAD_TOKEN",
    CLOSE_REMOVED: "PARTICIPANT_REMOVED",
    CLOSE_NOT_FOUND: "UNKNOWN_CODE",
    CLOSE_BAD_ORIGIN: "BAD_ORIGIN",
}


class Refused(Exception):
    """A refused handshake, or a socket to close: the close code, a reason (a key of the
    ``HANDSHAKE_REFUSED.*`` texts) and the facts its sentence needs. The words are made for the
    socket's language when it is sent (``_refuse``)."""

    def __init__(self, code: int, reason: str, **params: object) -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason
        self.params = params

    @property
    def key(self) -> str:
        """``reason`` when there is a sentence for it, else the one for the close code."""
        if f"HANDSHAKE_REFUSED.{self.reason}" in TEXTS:
            return self.reason
        return REASON_BY_CLOSE.get(self.code, self.reason)


def socket_language(websocket: WebSocket) -> Language:
    """``?lang=`` on the socket's URL, else the ``lang`` cookie the pages set (a browser sends
    it with the upgrade request), else the server's default."""
    default: Language = websocket.app.state.settings.default_language
    return pick_language(
        (websocket.query_params.get("lang"), websocket.cookies.get("lang")), default
    )


def _error(
    code: str,
    language: Language,
    *,
    reason: str | None = None,
    params: Mapping[str, object] | None = None,
    message: str = "",
    **extra: Any,
) -> str:
    """An ``error`` frame; its ``message`` in the socket's language (``app/i18n/errors.py``)."""
    text = error_text(code, language=language, reason=reason, params=params, message=message)
    return dumps({"type": "error", "code": code, "message": text, **extra})


async def _in_db(websocket: WebSocket, work: Callable[[Session], T], *, commit: bool) -> T:
    """Reads run side by side; writes pass the app's write limiter (one at a time on SQLite,
    whose lock contention otherwise makes writers sleep in its busy handler)."""
    engine = websocket.app.state.engine

    def run() -> T:
        with Session(engine, expire_on_commit=False) as db:
            if not commit:
                return work(db)
            with committing(db):
                return work(db)

    state = websocket.app.state
    return await in_thread(run, limiter=state.write_limiter if commit else state.read_limiter)


async def _receive_text(websocket: WebSocket) -> str:
    message = await websocket.receive()
    if message["type"] == "websocket.disconnect":
        raise WebSocketDisconnect(message.get("code", 1000))
    text = message.get("text")
    if text is None:
        data = message.get("bytes") or b""
        if len(data) > MAX_FRAME_BYTES:
            raise Refused(CLOSE_TOO_BIG, "TOO_BIG")
        text = data.decode("utf-8", errors="replace")
    if len(text.encode("utf-8")) > MAX_FRAME_BYTES:
        raise Refused(CLOSE_TOO_BIG, "TOO_BIG")
    return text


async def _handshake(websocket: WebSocket) -> tuple[Hello, ClientToken]:
    """The hello and its verified token; whether they fit this code is checked with the
    snapshot's read (``Arrivals.admit``)."""
    try:
        raw = await asyncio.wait_for(_receive_text(websocket), HELLO_TIMEOUT_S)
        hello = hello_frame.validate_json(raw)
    except (TimeoutError, ValidationError) as exc:
        raise Refused(CLOSE_BAD_HELLO, "BAD_HELLO") from exc
    if hello.protocol != PROTOCOL_VERSION:
        raise Refused(CLOSE_BAD_HELLO, "PROTOCOL_VERSION", version=PROTOCOL_VERSION)
    token = verify(websocket.app.state.settings.secret_key, hello.token)
    if token is None or token.role != hello.role:
        raise Refused(CLOSE_UNAUTHORISED, "BAD_TOKEN")
    return hello, token


async def _watch_staff_access(
    websocket: WebSocket, connection: Connection, token: ClientToken, every_s: float
) -> None:
    """Close a staff socket soon after its token is revoked (logout, member removed, role
    lowered) or expires; the facilitator's page then says so (4401)."""
    assert token.expires_at is not None
    while not connection.closing:
        await asyncio.sleep(min(every_s, max(0.0, token.expires_at - time.time())))
        try:
            holds = token.expires_at > time.time() and await _in_db(
                websocket, lambda db: staff_access_holds(db, token), commit=False
            )
        except SQLAlchemyError:  # the database is away: check again next time
            logger.warning("could not re-check a staff socket's access", exc_info=True)
            continue
        if not holds:
            logger.info("websocket access revoked: %s", token.grant)
            connection.send_direct(_error("ACCESS_REVOKED", connection.language))
            connection.close(CLOSE_UNAUTHORISED, "ACCESS_REVOKED")
            return


def _arrivals(websocket: WebSocket) -> Arrivals:
    """One queue of arrivals per hub (so per worker, and anew when a test restarts the app)."""
    state = websocket.app.state
    arrivals: Arrivals | None = getattr(state, "arrivals", None)
    if arrivals is None or arrivals.hub is not state.hub:
        arrivals = state.arrivals = Arrivals(state.hub, state.engine, limiter=state.read_limiter)
    return arrivals


def _frame_limiter(websocket: WebSocket) -> FrameLimiter:
    """One limiter per app (so per worker), made on first use from the app's settings."""
    state = websocket.app.state
    limiter: FrameLimiter | None = getattr(state, "frame_limiter", None)
    if limiter is None:
        limiter = state.frame_limiter = FrameLimiter.from_settings(state.settings)
    return limiter


def _token_sockets(websocket: WebSocket) -> TokenSockets:
    """One count per app (so per worker), made on first use from the app's settings."""
    state = websocket.app.state
    sockets: TokenSockets | None = getattr(state, "token_sockets", None)
    if sockets is None:
        sockets = state.token_sockets = TokenSockets(state.settings.ws_per_token_limit)
    return sockets


async def _refuse(websocket: WebSocket, refused: Refused, language: Language) -> None:
    logger.info("websocket refused: %s (%s)", refused.code, refused.reason)
    frame = _error("HANDSHAKE_REFUSED", language, reason=refused.key, params=refused.params)
    await websocket.send_text(frame)
    await websocket.close(code=refused.code, reason=refused.key)


async def denksessie_socket(websocket: WebSocket) -> None:
    code: str = websocket.path_params["code"]
    # Accepted even for a foreign Origin, then closed with 4406 before anything is read: a
    # browser never sees why an upgrade was refused (only 1006), but it does see a close code.
    await websocket.accept()
    hub: Hub = websocket.app.state.hub
    settings = websocket.app.state.settings
    language = socket_language(websocket)
    # Every log line of this socket, its sender task included, carries this id.
    connection_id.set(new_id())
    try:
        if not origin_allowed(
            websocket.headers.get("origin"),
            websocket.headers.get("host"),
            settings.allowed_origins,
        ):
            raise Refused(CLOSE_BAD_ORIGIN, "BAD_ORIGIN")
        hello, token = await _handshake(websocket)
    except Refused as refused:
        await _refuse(websocket, refused, language)
        return
    except WebSocketDisconnect:
        return
    sockets = _token_sockets(websocket)
    if not sockets.open(hello.token):
        await _refuse(websocket, Refused(CLOSE_TRY_AGAIN, "TOO_MANY_SOCKETS"), language)
        return
    try:
        await _serve_socket(websocket, hub, code, hello, token, language)
    finally:
        sockets.close(hello.token)


# A plain Starlette route: FastAPI's resolves dependencies and validates parameters for every
# socket, and this one has a path parameter only (thousands of sockets at once after a restart).
router.add_websocket_route("/ws/{code}", denksessie_socket)


async def _serve_socket(
    websocket: WebSocket,
    hub: Hub,
    code: str,
    hello: Hello,
    token: ClientToken,
    language: Language,
) -> None:
    denksessie_id = token.denksessie_id
    connection = Connection(
        websocket,
        role=hello.role,
        denksessie_id=denksessie_id,
        participant_id=token.participant_id,
        on_slow=hub.metrics.slow_consumers.inc,
        language=language,
    )
    limiter = _frame_limiter(websocket)
    budget = limiter.budget()
    # Registered first, so no event after the snapshot's read is missed; then one database
    # visit (shared with the sockets arriving meanwhile) both checks the code and participant
    # and reads the snapshot, unless this worker confirmed the phone since the last state event.
    await hub.add(connection, claim=False)
    try:
        snapshot = hub.snapshot_from_memory(connection, code, held=hello.kept)
        if snapshot is None:
            snapshot = await _arrivals(websocket).admit(connection, code, token, held=hello.kept)
    except NotAdmitted as refused:
        await hub.remove(connection)
        await _refuse(websocket, Refused(refused.code, refused.reason), language)
        return
    except BaseException:
        await hub.remove(connection)
        raise
    hub.claim(connection)
    watcher = (
        asyncio.create_task(
            _watch_staff_access(
                websocket, connection, token, websocket.app.state.settings.access_recheck_s
            )
        )
        if token.is_staff
        else None
    )
    opened = time.monotonic()
    logger.info(
        "websocket open: %s in denksessie %s",
        hello.role,
        denksessie_id,
        extra={"role": hello.role, "denksessie_id": denksessie_id},
    )
    try:
        connection.send_direct(
            dumps({"type": "welcome", "protocol": PROTOCOL_VERSION, "role": hello.role})
        )
        connection.send_direct(snapshot)
        hub.ready(connection)
        while True:
            # A burst from a client that reads lets the sender catch up first, so only a
            # client that does not read overflows its queue (1013); the flood limit (1008)
            # stays the answer to sending too much.
            await connection.room_to_answer()
            text = await _receive_text(websocket)
            verdict = limiter.check(budget)
            if verdict is Verdict.SERVE:
                await _serve_frame(websocket, hub, connection, text)
                continue
            connection.send_direct(_error("RATE_LIMITED", language, retry=True))
            if verdict is Verdict.FLOOD:
                raise Refused(CLOSE_POLICY, "FLOOD")
    except WebSocketDisconnect:
        pass
    except Refused as refused:
        connection.close(refused.code, refused.reason)
        await connection.wait_closed()
    finally:
        if watcher is not None:
            watcher.cancel()
        await hub.remove(connection)
        logger.info(
            "websocket closed after %.1f s",
            time.monotonic() - opened,
            extra={"role": hello.role, "denksessie_id": denksessie_id},
        )


async def _serve_frame(websocket: WebSocket, hub: Hub, connection: Connection, text: str) -> None:
    try:
        frame = client_frames.validate_json(text)
    except ValidationError:
        # With its msg_id when it carries one: a client resends a ballot until it hears of it.
        msg_id = msg_id_of(text)
        language = connection.language
        connection.send_direct(
            _error("BAD_FRAME", language)
            if msg_id is None
            else _error("BAD_FRAME", language, msg_id=msg_id)
        )
        return
    if isinstance(frame, Ping):
        connection.send_direct(dumps({"type": "pong"}))
    elif isinstance(frame, Resync):
        try:
            snapshot = await _arrivals(websocket).resync(connection)
        except NotAdmitted as refused:
            raise Refused(refused.code, refused.reason) from refused
        connection.send_direct(snapshot)
        hub.refresh(connection)
    elif isinstance(frame, BallotFrame):
        await _serve_ballot(websocket, hub, connection, frame)


async def _serve_ballot(
    websocket: WebSocket, hub: Hub, connection: Connection, frame: BallotFrame
) -> None:
    if connection.role != "participant" or connection.participant_id is None:
        hub.metrics.ballots_rejected.labels("WRONG_ROLE").inc()
        connection.send_direct(_error("WRONG_ROLE", connection.language, msg_id=frame.msg_id))
        return
    metrics = hub.metrics
    received = time.perf_counter()
    request = BallotRequest(
        denksessie_id=connection.denksessie_id,
        participant_id=connection.participant_id,
        round_id=frame.round_id,
        kind=frame.kind,
        payload=frame.payload,
        client_msg_id=frame.msg_id,
    )
    try:
        cast_result = await hub.writer.submit(request)
    except DomainError as exc:
        metrics.ballots_rejected.labels(exc.code).inc()
        connection.send_direct(
            _error(
                exc.code,
                connection.language,
                reason=exc.reason,
                params=exc.params,
                message=exc.sentence,
                msg_id=frame.msg_id,
            )
        )
        if exc.code == "PARTICIPANT_REMOVED":
            raise Refused(CLOSE_REMOVED, "PARTICIPANT_REMOVED") from exc
        return
    except SQLAlchemyError:
        logger.warning("ballot not stored: database unavailable", exc_info=True)
        metrics.ballots_rejected.labels("UNAVAILABLE").inc()
        connection.send_direct(
            _error("UNAVAILABLE", connection.language, msg_id=frame.msg_id, retry=True)
        )
        return
    connection.send_direct(
        dumps(
            {
                "type": "ack",
                "msg_id": frame.msg_id,
                "round_id": cast_result.round_id,
                "revision": cast_result.revision,
                "duplicate": cast_result.duplicate,
            }
        )
    )
    metrics.ballots_accepted.labels(str(cast_result.duplicate).lower()).inc()
    metrics.ballot_ack_seconds.observe(time.perf_counter() - received)
    # Every worker hears of the stored ballot from the writer (``Hub._stored``): a resend's too,
    # since its first attempt may have been stored by a worker that died before publishing.
