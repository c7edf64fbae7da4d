"""Prepared frames on the wire (decision 0037): a frame built once for a whole room and written
straight to each socket must read, on the client, exactly as if it had been sent the ordinary
way, whatever came before and after it on the same socket, compressed or not.

The server side is uvicorn's own websocket protocol (the implementation ``make run`` serves
with) over a transport that keeps what it is given; the client side is the ``websockets``
library's client protocol, which decodes those bytes as a browser would. A last test serves the
whole app under uvicorn on a real socket.
"""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import httpx2 as httpx
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocket
from uvicorn.config import Config
from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
from uvicorn.server import ServerState
from websockets.asyncio.client import connect
from websockets.client import ClientProtocol
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory
from websockets.frames import Frame, Opcode
from websockets.uri import parse_uri

from app.realtime import wire as wire_module
from app.realtime.connection import Connection
from app.realtime.wire import COMPRESS_FROM, Prepared, Wire, WireMiddleware, wire_of
from tests.conftest import settings_for, with_committed_login
from tests.live import LiveServer
from tests.realtime.support import TIMEOUT_S, Live, hello
from tests.realtime.test_connection import eventually

# Texts that share long runs, so a compressor that remembers one refers back to it. ``ROOM``
# is as short as a phone's state (sent uncompressed), ``STAFF`` as long as the projector's
# (compressed once).
ROOM = json.dumps(
    {"type": "state", "seq": 7, "rounds": [{"id": n, "title": "Casus"} for n in (1, 2)]}
)
STAFF = json.dumps(
    {"type": "state", "seq": 7, "rounds": [{"id": n, "title": "Casus"} for n in range(300)]}
)
ACK = json.dumps({"type": "ack", "msg_id": "m-1", "rounds": [{"id": 1, "title": "Casus"}]})


class _Transport(asyncio.Transport):
    """Keeps what the server writes, for the client to read."""

    def __init__(self) -> None:
        super().__init__()
        self.written = bytearray()

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += data

    def take(self) -> bytes:
        data, self.written = bytes(self.written), bytearray()
        return data

    def is_closing(self) -> bool:
        return False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 40000)}.get(
            name, default
        )

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None

    def close(self) -> None:
        return None


@dataclass
class Pair:
    """One socket: uvicorn's protocol on the server side, a client protocol reading it."""

    server: WebSocketsSansIOProtocol
    websocket: WebSocket
    client: ClientProtocol
    transport: _Transport

    def texts(self) -> list[str]:
        """Every text message the client has received since the last call, decoded."""
        self.client.receive_data(self.transport.take())
        return [
            bytes(event.data).decode()
            for event in self.client.events_received()
            if isinstance(event, Frame) and event.opcode is Opcode.TEXT
        ]


@pytest.fixture
async def pair(request: pytest.FixtureRequest) -> AsyncIterator[Pair]:
    """A socket with permessage-deflate negotiated (parametrised False: without)."""
    deflate = getattr(request, "param", True)
    accepted: asyncio.Future[WebSocket] = asyncio.get_running_loop().create_future()
    held: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    async def app(scope: Any, receive: Any, send: Any) -> None:
        websocket = WebSocket(scope, receive, send)
        await websocket.accept()
        accepted.set_result(websocket)
        await held

    config = Config(WireMiddleware(app), ws_per_message_deflate=True, lifespan="off")
    config.load()
    server = WebSocketsSansIOProtocol(config, ServerState(), {})
    transport = _Transport()
    server.connection_made(transport)
    client = ClientProtocol(
        parse_uri("ws://127.0.0.1/ws"),
        extensions=[ClientPerMessageDeflateFactory()] if deflate else None,
    )
    client.send_request(client.connect())
    server.data_received(b"".join(client.data_to_send()))
    websocket = await asyncio.wait_for(accepted, TIMEOUT_S)
    client.receive_data(transport.take())
    assert [type(e).__name__ for e in client.events_received()] == ["Response"]
    assert bool(client.extensions) is deflate
    yield Pair(server, websocket, client, transport)
    held.set_result(None)
    server.connection_lost(None)


@pytest.fixture
async def connection(pair: Pair) -> AsyncIterator[Connection]:
    """The socket's sender (``Connection``), started, as the endpoint makes it for a phone."""
    started = Connection(pair.websocket, role="participant", denksessie_id=1)
    started.start()
    yield started
    await started.stop()


class TestAPreparedFrameReadsAsAnOrdinaryOne:
    @pytest.mark.parametrize("pair", [True, False], indirect=True, ids=["deflate", "plain"])
    @pytest.mark.parametrize("text", [ROOM, STAFF], ids=["short", "long"])
    async def test_between_ordinary_frames_everything_decodes_in_order(
        self, pair: Pair, text: str
    ) -> None:
        wire = wire_of(pair.websocket)
        assert wire is not None
        await pair.websocket.send_text(text)
        await pair.websocket.send_text(ACK)
        assert wire.write(Prepared(text.replace(":7", ":8")))
        await pair.websocket.send_text(ACK)  # refers back, if at all, to what it compressed
        assert wire.write(Prepared(text.replace(":7", ":9")))
        assert wire.write(Prepared(text.replace(":7", ":9")))
        await pair.websocket.send_text(text)
        assert pair.texts() == [
            text,
            ACK,
            text.replace(":7", ":8"),
            ACK,
            text.replace(":7", ":9"),
            text.replace(":7", ":9"),
            text,
        ]

    async def test_a_short_one_goes_uncompressed_and_a_long_one_compressed(
        self, pair: Pair
    ) -> None:
        """Where deflate was agreed: a phone's frame costs no decompressor on the phone, the
        projector's still travels small."""
        wire = wire_of(pair.websocket)
        assert wire is not None
        for text in (ROOM, STAFF):
            assert wire.write(Prepared(text))
            written = pair.transport.written
            compressed = bool(written[0] & 0x40)  # RSV1
            assert compressed is (len(text) >= COMPRESS_FROM)
            assert pair.texts() == [text]
        assert len(STAFF) >= COMPRESS_FROM > len(ROOM)

    async def test_one_prepared_frame_serves_every_socket(self, pair: Pair) -> None:
        """Built once: the bytes a second socket gets are the very same object."""
        frame = Prepared(STAFF)
        wire = wire_of(pair.websocket)
        assert wire is not None
        assert wire.write(frame)
        first = frame.on_wire(12)
        assert frame.on_wire(12) is first
        assert pair.texts() == [STAFF]

    async def test_long_frames_keep_their_length(self, pair: Pair) -> None:
        """Lengths over 125 and over 65,535 bytes take the longer headers."""
        wire = wire_of(pair.websocket)
        assert wire is not None
        texts = [json.dumps({"pad": "x" * size}) for size in (100, 5_000, 200_000)]
        for text in texts:
            assert wire.write(Prepared(text))
        assert pair.texts() == texts


class _Received:
    """Every text the client has read so far (reading what arrived at each call)."""

    def __init__(self, pair: Pair) -> None:
        self.pair = pair
        self.texts: list[str] = []

    def __call__(self) -> list[str]:
        self.texts += self.pair.texts()
        return self.texts


class TestAPreparedFrameWaitsWhenTheSocketCannotTakeIt:
    async def test_a_paused_transport_gets_it_later_through_the_sender(
        self, pair: Pair, connection: Connection
    ) -> None:
        """A client that does not read pauses the transport: nothing is written past it; the
        frame waits in its slot and goes once the client reads again."""
        pair.server.pause_writing()
        connection.send_latest("state", Prepared(ROOM))
        await asyncio.sleep(0)
        assert pair.texts() == []
        pair.server.resume_writing()
        received = _Received(pair)
        await eventually(lambda: len(received()) == 1)
        assert received() == [ROOM]

    async def test_a_frame_waiting_before_it_keeps_its_place(
        self, pair: Pair, connection: Connection
    ) -> None:
        """An ack queued first goes first: the prepared frame does not jump the queue."""
        connection.send_direct(ACK)
        connection.send_latest("state", Prepared(ROOM))
        received = _Received(pair)
        await eventually(lambda: len(received()) == 2)
        assert received() == [ACK, ROOM]

    async def test_after_the_close_nothing_is_written(self, pair: Pair) -> None:
        wire = wire_of(pair.websocket)
        assert wire is not None
        await pair.websocket.close(1000)
        pair.transport.take()
        assert not wire.write(Prepared(ROOM))
        assert pair.transport.take() == b""


class TestAShortDirectFrame:
    async def test_goes_to_the_socket_at_once_and_uncompressed(
        self, pair: Pair, connection: Connection
    ) -> None:
        """An ack when nothing waits: written before the event loop turns, RSV1 clear, and it
        reads as the ordinary frames around it do."""
        await pair.websocket.send_text(STAFF)  # the socket's own compressor has a history
        assert pair.texts() == [STAFF]
        connection.send_direct(ACK)
        written = bytes(pair.transport.written)
        assert written
        assert not written[0] & 0x40  # RSV1 clear: not compressed
        assert pair.texts() == [ACK]
        connection.send_direct(STAFF)  # long: the sender compresses it the ordinary way
        received = _Received(pair)
        await eventually(lambda: len(received()) == 1)
        assert received() == [STAFF]

    async def test_keeps_its_place_behind_a_long_one_still_queued(
        self, pair: Pair, connection: Connection
    ) -> None:
        first, second = ACK.replace("m-1", "m-2"), ACK.replace("m-1", "m-3")
        connection.send_direct(first)
        connection.send_direct(STAFF)
        connection.send_direct(second)
        received = _Received(pair)
        await eventually(lambda: len(received()) == 3)
        assert received() == [first, STAFF, second]

    async def test_waits_for_a_paused_transport_and_fills_the_queue(self, pair: Pair) -> None:
        """A client that does not read still fills the direct queue and is closed as a slow
        reader: the quick path never writes past a paused transport."""
        connection = Connection(pair.websocket, role="participant", denksessie_id=1, capacity=4)
        connection.start()
        try:
            pair.server.pause_writing()
            for n in range(5):
                connection.send_direct(ACK.replace("m-1", f"m-{n}"))
            assert pair.texts() == []
            assert connection.closing
        finally:
            await connection.stop()


class TestPreparedBytes:
    def test_deflated_bytes_inflate_to_the_text(self) -> None:
        built = Prepared(ROOM).on_wire(10)
        assert built[0] == 0xC1  # FIN, compressed, text
        length = built[1]
        payload = built[2 : 2 + length]
        inflated = zlib.decompressobj(-10).decompress(payload + b"\x00\x00\xff\xff")
        assert inflated.decode() == ROOM

    def test_plain_bytes_are_the_text(self) -> None:
        built = Prepared("héllo").on_wire(None)
        assert built == bytes([0x81, 6]) + "héllo".encode()


class TestTheAppServedByUvicorn:
    async def test_a_phone_reads_a_room_wide_update_written_through_its_wire(
        self, realtime_database: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Through the whole stack: the middleware finds uvicorn's protocol, the hub's state
        goes through the wire, and the phone (deflate offered, as by every browser) reads it
        and the ack after it."""
        written: list[str] = []
        write = Wire.write

        def counted(self: Wire, frame: Prepared) -> bool:
            done = write(self, frame)
            if done:
                written.append(frame.text)
            return done

        monkeypatch.setattr(wire_module.Wire, "write", counted)
        server = LiveServer(settings_for(realtime_database))
        await asyncio.to_thread(server.start)
        try:
            with httpx.Client(base_url=server.url, trust_env=False) as http:
                live = Live.create(with_committed_login(cast(TestClient, http), realtime_database))
                round_id = await asyncio.to_thread(live.open_round, "approval")
                member = await asyncio.to_thread(live.join)
                url = f"ws://{server.host}:{server.port}/ws/{live.code}"
                async with connect(url, proxy=None, open_timeout=TIMEOUT_S) as ws:
                    await ws.send(json.dumps(hello("participant", member.token)))
                    assert json.loads(await ws.recv())["type"] == "welcome"
                    assert json.loads(await ws.recv())["type"] == "snapshot"
                    seq = await asyncio.to_thread(
                        live.control, f"rounds/{round_id}/timer", {"seconds": 60}
                    )
                    state = await _frame(ws, lambda f: f["type"] == "state" and f["seq"] >= seq)
                    timed = next(r for r in state["rounds"] if r["id"] == round_id)
                    assert timed["deadline_at"]
                    await ws.send(
                        json.dumps(
                            {
                                "type": "ballot",
                                "msg_id": "wire-ballot-0001",
                                "round_id": round_id,
                                "kind": "approval",
                                "payload": {"approve": ["privacy"]},
                            }
                        )
                    )
                    ack = await _frame(ws, lambda f: f["type"] == "ack")
                    assert ack["msg_id"] == "wire-ballot-0001"
            assert any(text.startswith('{"type":"state"') for text in written)
        finally:
            await asyncio.to_thread(server.stop)


async def _frame(ws: Any, wanted: Any) -> dict[str, Any]:
    async with asyncio.timeout(TIMEOUT_S):
        while True:
            frame: dict[str, Any] = json.loads(await ws.recv())
            if wanted(frame):
                return frame
