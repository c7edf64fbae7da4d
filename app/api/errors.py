"""One JSON error shape for every failure, domain or framework.

``{"error": {"code": "VALIDATION_FAILED", "message": "...", "problems": [{"loc": "...",
"message": "..."}]}}``; messages are Dutch because people read them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.errors import DomainError, InvalidInput, Problem, TooManyAttempts
from app.validation import problems_from_errors

logger = logging.getLogger(__name__)

_HTTP_CODES = {
    400: ("BAD_REQUEST", "Ongeldig verzoek."),
    401: ("UNAUTHENTICATED", "Log eerst in."),
    403: ("FORBIDDEN", "Dit mag niet."),
    404: ("NOT_FOUND", "Niet gevonden."),
    405: ("METHOD_NOT_ALLOWED", "Deze methode is hier niet toegestaan."),
    409: ("CONFLICT", "Dit botst met wat er al is."),
    413: ("TOO_LARGE", "Het verzoek is te groot."),
    415: ("UNSUPPORTED_MEDIA_TYPE", "Dit bestandstype wordt niet ondersteund."),
    503: ("UNAVAILABLE", "De dienst is tijdelijk niet beschikbaar."),
}


class ProblemOut(BaseModel):
    loc: str
    message: str


class ErrorBody(BaseModel):
    code: str
    message: str
    problems: list[ProblemOut] = []


class ErrorResponse(BaseModel):
    """The shape of every error answer, listed in the OpenAPI document."""

    error: ErrorBody


def error_response(
    status: int, code: str, message: str, problems: list[Problem] | None = None
) -> JSONResponse:
    body = ErrorResponse(
        error=ErrorBody(
            code=code,
            message=message,
            problems=[ProblemOut(loc=p.loc, message=p.message) for p in problems or []],
        )
    )
    return JSONResponse(status_code=status, content=body.model_dump())


ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorResponse} for status in (403, 404, 409, 422)
}


HtmlErrorRenderer = Callable[[Request, int, str], Response]


def _wants_html(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


def install(app: FastAPI, *, html_error: HtmlErrorRenderer) -> None:
    """Register the handlers; pages (not /api) asked for by a browser get an HTML error page."""

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> Response:
        if _wants_html(request):
            response = html_error(request, exc.http_status, exc.message)
        else:
            problems = exc.problems if isinstance(exc, InvalidInput) else None
            response = error_response(exc.http_status, exc.code, exc.message, problems)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = problems_from_errors(exc.errors(), skip_first=("body",))
        return error_response(
            422,
            "VALIDATION_FAILED",
            "Het verzoek is niet geldig; er is niets opgeslagen.",
            problems,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code, message = _HTTP_CODES.get(exc.status_code, ("HTTP_ERROR", str(exc.detail)))
        if isinstance(exc.detail, str) and exc.status_code not in (404, 405):
            message = exc.detail
        if _wants_html(request):
            return html_error(request, exc.status_code, message)
        return error_response(exc.status_code, code, message)

    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, _exc: DataError) -> Response:
        # The database refused a value the schema let through (an id beyond its integer type):
        # the input was wrong, not the server; the transaction was rolled back.
        message = (
            "Een waarde in het verzoek valt buiten het toegestane bereik; er is niets opgeslagen."
        )
        if _wants_html(request):
            return html_error(request, 422, message)
        return error_response(422, "VALIDATION_FAILED", message)

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", exc_info=exc)
        return error_response(500, "INTERNAL_ERROR", "Er ging iets mis aan onze kant.")
