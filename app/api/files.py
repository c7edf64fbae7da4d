"""Exchange files over HTTP: reading an upload (JSON or YAML) and answering a download."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request, Response

from app.errors import InvalidInput, Problem
from app.exchange import MEDIA_TYPES, Format, dump, format_from_media_type, parse

MAX_UPLOAD_BYTES = 2_000_000

UPLOAD_BODY_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "object"}},
            "application/yaml": {"schema": {"type": "string"}},
        },
    }
}


async def uploaded_document(request: Request) -> Any:
    """The parsed body; JSON unless the Content-Type says YAML. Too large or unreadable: 422."""
    body = await request.body()
    return parse_upload(body, format_from_media_type(request.headers.get("content-type")))


def parse_upload(body: bytes, fmt: Format) -> Any:
    """An uploaded document (a body, or a file from a page's form) parsed, within the limit."""
    if len(body) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            reason="FILE_TOO_LARGE",
            problems=[
                Problem(
                    "(document)",
                    code="FILE_TOO_LARGE",
                    params={"mb": MAX_UPLOAD_BYTES // 1_000_000},
                )
            ],
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(
            reason="NOT_UTF8", problems=[Problem("(document)", code="NOT_UTF8")]
        ) from exc
    return parse(text, fmt)


UploadedDocument = Annotated[Any, Depends(uploaded_document)]


DOWNLOAD_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"content": {"application/json": {}, "application/yaml": {}}}
}


def download(document: Any, fmt: Format, filename: str) -> Response:
    """The document as an attachment, so a browser saves it instead of showing it."""
    return Response(
        content=dump(document, fmt),
        media_type=f"{MEDIA_TYPES[fmt]}; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )
