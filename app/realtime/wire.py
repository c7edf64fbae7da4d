"""One frame to thousands of sockets: encoded, compressed and framed once, then written.

Sent the ordinary way (``websocket.send_text``), a frame is encoded to UTF-8, compressed
(permessage-deflate, which every browser offers) and framed once per socket, through four
layers of coroutines: at 2,000 phones that was most of a room-wide update. A frame the hub
sends to many sockets (a ``state``, a ``tally``) is therefore a ``Prepared``: its bytes on the
wire are built once per way of sending (plain, or deflated for a window size) and written to
each socket's transport as they are.

That is sound for the websocket protocol because:

- a frame under ``COMPRESS_FROM`` (a phone's) goes uncompressed, which RFC 7692 allows for any
  message where deflate was agreed: with RSV1 clear it passes the client's decompressor (and
  its window) by, and the socket's own compressor never sees it;
- a longer one is compressed on its own (a fresh compressor, ending with a sync flush), so it
  refers to nothing sent before it and any client decompresses it whatever it received
  earlier (the sender may always choose not to use the window); the socket's own compressor
  is then started afresh, so what it compresses next refers only to what it compressed
  itself, never to bytes the client has but it did not write;
- it is written only when uvicorn would write a text frame itself at once: the handshake done,
  the connection open, nothing of ours waiting in the protocol, the transport not paused (a
  client that does not read), no close sent. Otherwise the sender sends it the ordinary way.

``Wire`` is this socket's uvicorn protocol (its sans-I/O ``websockets`` implementation, the one
uvicorn uses when ``websockets`` is installed), found by ``WireMiddleware``: uvicorn hands the
app its protocol's bound ``send``. Under any other server, or another implementation, no wire
is found and every frame goes through ``send_text`` as before.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

# A prepared frame shorter than this (UTF-8 bytes) goes uncompressed even where deflate was
# agreed, as RFC 7692 allows per message: a phone's state or tally (1-3 KB at 2,000 phones,
# sized for a phone) then costs no compressor on the server and no decompressor on each of
# thousands of clients, for a few hundred bytes more per phone. (The `ws` library for Node
# does the same below 1 KB.) The staff's frames, tens to hundreds of KB, are compressed.
COMPRESS_FROM = 4_096
# The scope extension a ``Wire`` travels in, from the middleware to the endpoint's connection.
EXTENSION = "denksessie.wire"
_SYNC_FLUSH_TAIL = b"\x00\x00\xff\xff"
_TEXT = 0x81  # FIN, text
_TEXT_DEFLATED = 0xC1  # FIN, RSV1 (compressed), text

try:  # the implementation whose internals ``Wire`` knows (pinned in constraints.txt)
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
    from websockets.extensions.permessage_deflate import PerMessageDeflate
    from websockets.protocol import State
except ImportError:  # pragma: no cover - another server stack: every frame goes the usual way
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]


def _header(first: int, length: int) -> bytes:
    """A server frame's header (RFC 6455 5.2: never masked)."""
    if length < 126:
        return bytes((first, length))
    if length < 65_536:
        return bytes((first, 126)) + length.to_bytes(2, "big")
    return bytes((first, 127)) + length.to_bytes(8, "big")


class Prepared:
    """A text frame for many sockets: the text, and its bytes on the wire built once per way of
    sending (``None``: plain; an int: deflated for that window size), on first use. ``later``
    makes the text itself on first use (a frame that most sockets will not need)."""

    __slots__ = ("_encoded", "_later", "_text", "_wire")

    def __init__(self, text: str) -> None:
        self._text: str | None = text
        self._later: Callable[[], str] | None = None
        self._encoded: bytes | None = None
        self._wire: dict[int | None, bytes] = {}

    @classmethod
    def later(cls, make: Callable[[], str]) -> Prepared:
        prepared = cls("")
        prepared._text, prepared._later = None, make
        return prepared

    @property
    def text(self) -> str:
        if self._text is None:
            assert self._later is not None
            self._text, self._later = self._later(), None
        return self._text

    def __repr__(self) -> str:
        return f"Prepared({self.text[:40]!r}...)"

    def _payload(self) -> bytes:
        if self._encoded is None:
            self._encoded = self.text.encode()
        return self._encoded

    @property
    def worth_compressing(self) -> bool:
        return len(self._payload()) >= COMPRESS_FROM

    def on_wire(self, window_bits: int | None) -> bytes:
        built = self._wire.get(window_bits)
        if built is None:
            payload = self._payload()
            if window_bits is None:
                built = _header(_TEXT, len(payload)) + payload
            else:
                compressor = zlib.compressobj(wbits=-window_bits)
                payload = compressor.compress(payload) + compressor.flush(zlib.Z_SYNC_FLUSH)
                assert payload.endswith(_SYNC_FLUSH_TAIL)
                payload = payload[: -len(_SYNC_FLUSH_TAIL)]
                built = _header(_TEXT_DEFLATED, len(payload)) + payload
            self._wire[window_bits] = built
        return built


Frame = str | Prepared


def text_of(frame: Frame) -> str:
    return frame.text if isinstance(frame, Prepared) else frame


class _Fresh:
    """A socket's own compressor started afresh, made on first use: most sockets get prepared
    frame after prepared frame and compress nothing of their own in between, and making (and
    freeing) a compressor per socket per frame was most of what writing a frame cost."""

    __slots__ = ("_deflate", "_made")

    def __init__(self, deflate: Any) -> None:
        self._deflate = deflate
        self._made: Any = None

    def _real(self) -> Any:
        if self._made is None:
            deflate = self._deflate
            self._made = zlib.compressobj(
                wbits=-deflate.local_max_window_bits, **deflate.compress_settings
            )
            deflate.encoder = self._made
        return self._made

    def compress(self, data: bytes) -> bytes:
        compressed: bytes = self._real().compress(data)
        return compressed

    def flush(self, mode: int = zlib.Z_FINISH) -> bytes:
        flushed: bytes = self._real().flush(mode)
        return flushed


class Wire:
    """Writes prepared frames straight to one socket's transport, when that is what uvicorn
    would do itself at once (see the module's docstring); ``write`` says whether it did."""

    __slots__ = ("_deflate", "_known", "_protocol")

    def __init__(self, protocol: Any) -> None:
        self._protocol = protocol
        self._known = False  # the negotiated extensions are read after the handshake
        self._deflate: Any = None

    def _extensions_known(self) -> bool:
        extensions = list(self._protocol.conn.extensions)
        if len(extensions) > 1 or (extensions and not isinstance(extensions[0], PerMessageDeflate)):
            return False  # an extension this module does not know: never written here
        self._deflate = extensions[0] if extensions else None
        self._known = True
        return True

    def _open(self) -> bool:
        """Whether uvicorn would write a frame to this socket at once, itself."""
        protocol = self._protocol
        conn = protocol.conn
        if (
            not protocol.handshake_complete
            or protocol.initial_response is not None
            or protocol.close_sent
            or protocol.disconnected
            or not protocol.writable.is_set()
            or protocol.transport.is_closing()
            or conn.state is not State.OPEN
            or conn.expect_continuation_frame
            or conn.writes
        ):
            return False
        return self._known or self._extensions_known()

    def write_short(self, text: str) -> bool:
        """One socket's own short frame (an ack, an error) written plain, as a prepared phone
        frame is: no compressor and no trip through the socket's sender; False when it is long
        enough to compress or the socket cannot take it now."""
        payload = text.encode()
        if len(payload) >= COMPRESS_FROM or not self._open():
            return False
        try:
            self._protocol.transport.write(_header(_TEXT, len(payload)) + payload)
        except Exception:  # a transport going away: the sender finds out the ordinary way
            return False
        return True

    def write(self, frame: Prepared) -> bool:
        if not self._open():
            return False
        deflate = self._deflate
        plain = deflate is None or not frame.worth_compressing
        # Uncompressed (RSV1 clear), a frame passes both sides' compression windows by.
        built = frame.on_wire(None if plain else deflate.local_max_window_bits)
        try:
            self._protocol.transport.write(built)
        except Exception:  # a transport going away: the sender finds out the ordinary way
            return False
        if plain:
            return True
        if not deflate.local_no_context_takeover and not isinstance(deflate.encoder, _Fresh):
            # What this socket compresses next must not refer to bytes it did not compress.
            deflate.encoder = _Fresh(deflate)
        return True


def wire_of(websocket: Any) -> Wire | None:
    """The wire the middleware found for this websocket, or None."""
    scope = getattr(websocket, "scope", None)
    if not isinstance(scope, dict):
        return None
    found = scope.get("extensions", {}).get(EXTENSION)
    return found if isinstance(found, Wire) else None


class WireMiddleware:
    """Pure ASGI, outermost: for a websocket served by uvicorn's sans-I/O implementation, puts
    a ``Wire`` for its protocol in the scope's extensions. Everything else passes untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and WebSocketsSansIOProtocol is not None:
            protocol = getattr(send, "__self__", None)
            if isinstance(protocol, WebSocketsSansIOProtocol):
                extensions = scope.setdefault("extensions", {})
                if extensions is not None:
                    extensions[EXTENSION] = Wire(protocol)
        await self.app(scope, receive, send)
