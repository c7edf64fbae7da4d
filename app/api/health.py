"""``/healthz``: is this worker able to reach its database? Load balancers ask this."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

logger = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/healthz", responses={503: {"model": Health}})
def healthz(request: Request) -> JSONResponse:
    """200 when ``SELECT 1`` succeeds, 503 when the database cannot be reached."""
    try:
        with request.app.state.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        logger.warning("health check failed: %s", exc.__class__.__name__)
        return JSONResponse(
            status_code=503, content=Health(status="unavailable", database="down").model_dump()
        )
    return JSONResponse(content=Health(status="ok", database="ok").model_dump())
