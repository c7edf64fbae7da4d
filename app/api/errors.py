"""One JSON error shape for every failure, domain or framework.

``{"error": {"code": "VALIDATION_FAILED", "message": "...", "problems": [{"loc": "...",
"message": "..."}]}}``. ``message`` is made here from the error's code, reason and params, in the
language of the request (``?lang=en``, else the ``lang`` cookie, else the default language), by
``app/i18n/errors.py``; clients act on ``code``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import i18n
from app.errors import DomainError, InvalidInput, Problem, TooManyAttempts
from app.i18n.errors import error_text, worded
from app.validation import problems_from_errors

logger = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    409: "CONFLICT",
    413: "TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
    503: "UNAVAILABLE",
}
_OUT_OF_RANGE = i18n.N_(
    "Een waarde in het verzoek valt buiten het toegestane bereik; er is niets opgeslagen."
)


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def language_of(request: Request) -> i18n.Language:
    """The language a request asked for: ``?lang=``, then the ``lang`` cookie the pages set."""
    default: i18n.Language = request.app.state.settings.default_language
    return i18n.pick_language(
        (request.query_params.get("lang"), request.cookies.get("lang")), default
    )


def _text(request: Request, code: str, *, http_status: int, message: str = "") -> str:
    return error_text(code, language=language_of(request), message=message, http_status=http_status)


def domain_error_text(request: Request, exc: DomainError) -> str:
    """The sentence for a domain error, in the request's language."""
    return error_text(
        exc.code,
        language=language_of(request),
        reason=exc.reason,
        params=exc.params,
        message=exc.sentence,
        http_status=exc.http_status,
    )


def worded_problems(request: Request, exc: DomainError) -> list[Problem]:
    """An error's problems, each worded in the request's language (none unless ``InvalidInput``)."""
    if not isinstance(exc, InvalidInput):
        return []
    return worded(exc.problems, language=language_of(request))


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
        message = domain_error_text(request, exc)
        if _wants_html(request):
            response = html_error(request, exc.http_status, message)
        else:
            problems = worded_problems(request, exc)
            response = error_response(exc.http_status, exc.code, message, problems)
        if isinstance(exc, TooManyAttempts):
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = worded(
            problems_from_errors(exc.errors(), skip_first=("body",)), language=language_of(request)
        )
        message = _text(request, "VALIDATION_FAILED", http_status=422)
        return error_response(422, "VALIDATION_FAILED", message, problems)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        code = _HTTP_CODES.get(exc.status_code, "HTTP_ERROR")
        detail = exc.detail if isinstance(exc.detail, str) else ""
        if exc.status_code in (404, 405) or detail == _phrase(exc.status_code):
            detail = ""  # Starlette's own English phrase: the sentence for the status instead
        message = _text(request, code, http_status=exc.status_code, message=detail)
        if _wants_html(request):
            return html_error(request, exc.status_code, message)
        return error_response(exc.status_code, code, message)

    @app.exception_handler(DataError)
    async def _out_of_range(request: Request, _exc: DataError) -> Response:
        # The database refused a value the schema let through (an id beyond its integer type):
        # the input was wrong, not the server; the transaction was rolled back.
        message = i18n.translations(language_of(request)).gettext(_OUT_OF_RANGE)
        if _wants_html(request):
            return html_error(request, 422, message)
        return error_response(422, "VALIDATION_FAILED", message)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception("unexpected error", exc_info=exc)
        message = _text(request, "INTERNAL_ERROR", http_status=500)
        return error_response(500, "INTERNAL_ERROR", message)
