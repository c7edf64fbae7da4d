"""trajects

Revision ID: 3a7f0c2e9b10
Revises: b4c39c32d56e
Create Date: 2026-11-23 04:00:00
"""

from collections.abc import Sequence

revision: str = '3a7f0c2e9b10'
down_revision: str | None = 'b4c39c32d56e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
