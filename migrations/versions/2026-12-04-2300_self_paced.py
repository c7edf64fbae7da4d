"""self-paced denksessies: every round open until a closing time (decision 0033)

Revision ID: 5e1f0033a9b1
Revises: 0a3e2c5d7f30
Create Date: 2026-12-04 23:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '5e1f0033a9b1'
down_revision: str | None = '0a3e2c5d7f30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('denksessie', schema=None) as batch_op:
        batch_op.add_column(
            sa.Column('self_paced', sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column('closes_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('denksessie', schema=None) as batch_op:
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closes_at')
        batch_op.drop_column('self_paced')
