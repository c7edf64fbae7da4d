"""Helpers for driving the account forms the way a browser does."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from app.api.deps import LOGIN_COOKIE

HTML = {"Accept": "text/html"}
_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def form_token(client: TestClient, path: str) -> str:
    """Open a form page and return the CSRF token of its hidden field."""
    response = client.get(path, headers=HTML)
    assert response.status_code == 200, response.text
    match = _CSRF_FIELD.search(response.text)
    assert match, f"no csrf_token field on {path}"
    return match.group(1)


def log_in_with_form(
    client: TestClient, email: str, password: str, *, next_path: str = "/console"
) -> object:
    token = form_token(client, f"/login?next={next_path}")
    return client.post(
        "/login",
        data={"csrf_token": token, "email": email, "password": password, "next": next_path},
        follow_redirects=False,
    )


def set_cookie_header(response: object, name: str = LOGIN_COOKIE) -> str:
    """The Set-Cookie header for ``name`` (lower-cased), or ''."""
    headers = response.headers.get_list("set-cookie")  # type: ignore[attr-defined]
    return next((h.lower() for h in headers if h.startswith(f"{name}=")), "")


def count(db: Session, model: type[SQLModel]) -> int:
    return int(db.exec(select(func.count()).select_from(model)).one())
