"""Shared pydantic base for everything read from people: unknown fields are errors, not ignored."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Every id is an ``integer`` column: 32 bits on PostgreSQL (SQLite holds 64). A larger number
# in a request is refused as invalid input (422) before it reaches the database, where it fails
# (PostgreSQL: out of range; SQLite's driver cannot even bind 2**63: a 500). Ids start at 1.
DB_ID_MAX = 2**31 - 1
DbId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
