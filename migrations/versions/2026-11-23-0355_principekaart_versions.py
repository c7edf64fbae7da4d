"""principekaart versions

Revision ID: b4c39c32d56e
Revises: 7517d0681260
Create Date: 2026-11-23 03:55:21.436762
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'b4c39c32d56e'
down_revision: str | None = '7517d0681260'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('principekaart', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False, server_default='published'))
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False, server_default='1'))
        batch_op.add_column(sa.Column('previous_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('public_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column('published_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('verantwoording', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_principekaart_previous_id'), ['previous_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_principekaart_public_token'), ['public_token'])
        batch_op.create_foreign_key(batch_op.f('fk_principekaart_previous_id_principekaart'), 'principekaart', ['previous_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('principekaart', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_principekaart_previous_id_principekaart'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_principekaart_public_token'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_principekaart_previous_id'))
        batch_op.drop_column('verantwoording')
        batch_op.drop_column('published_at')
        batch_op.drop_column('public_token')
        batch_op.drop_column('previous_id')
        batch_op.drop_column('version')
        batch_op.drop_column('status')

