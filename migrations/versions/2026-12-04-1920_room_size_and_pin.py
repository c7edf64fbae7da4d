"""joining: the expected room size, an atomic count of joins, an optional room PIN

Revision ID: a11d0011b0c5
Revises: 3f7a9c2e5b81
Create Date: 2026-12-04 19:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'a11d0011b0c5'
down_revision: str | None = '3f7a9c2e5b81'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('denksessie', schema=None) as batch_op:
        batch_op.add_column(sa.Column('room_size', sa.Integer(), server_default='60', nullable=False))
        batch_op.add_column(sa.Column('joined', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(
            sa.Column('room_pin', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
    # Denksessies that already have participants: count them, and let at least that many in.
    op.execute(
        'UPDATE denksessie SET joined = '
        '(SELECT count(*) FROM participant WHERE participant.denksessie_id = denksessie.id)'
    )
    op.execute('UPDATE denksessie SET room_size = joined WHERE joined > room_size')


def downgrade() -> None:
    with op.batch_alter_table('denksessie', schema=None) as batch_op:
        batch_op.drop_column('room_pin')
        batch_op.drop_column('joined')
        batch_op.drop_column('room_size')
