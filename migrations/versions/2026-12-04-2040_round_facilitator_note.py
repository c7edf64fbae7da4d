"""round facilitator note: a private note per round, for the console only

Revision ID: e21a0021c0de
Revises: 9c4e1a7d2b60
Create Date: 2026-12-04 20:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = 'e21a0021c0de'
down_revision: str | None = '9c4e1a7d2b60'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('session_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('facilitator_note', sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('session_round', schema=None) as batch_op:
        batch_op.drop_column('facilitator_note')
