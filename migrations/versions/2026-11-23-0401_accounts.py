"""accounts

Revision ID: 5c1e8d4b7a20
Revises: 3a7f0c2e9b10
Create Date: 2026-11-23 04:01:00
"""

from collections.abc import Sequence

revision: str = '5c1e8d4b7a20'
down_revision: str | None = '3a7f0c2e9b10'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
