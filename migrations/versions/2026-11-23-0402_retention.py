"""retention: organisation retention days, purge marks, result snapshots, principles outlive participants

Revision ID: 8e2d6f1a4c30
Revises: 5c1e8d4b7a20
Create Date: 2026-11-23 04:02:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '8e2d6f1a4c30'
down_revision: str | None = '5c1e8d4b7a20'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.add_column(sa.Column('retention_days', sa.Integer(), nullable=False, server_default='30'))
    with op.batch_alter_table('denksessie', schema=None) as batch_op:
        batch_op.add_column(sa.Column('purged_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    with op.batch_alter_table('session_round', schema=None) as batch_op:
        batch_op.add_column(sa.Column('result_snapshot', sa.JSON(), nullable=True))
    with op.batch_alter_table('principle', schema=None) as batch_op:
        batch_op.drop_constraint('fk_principle_participant_id_participant', type_='foreignkey')
        batch_op.alter_column('participant_id', existing_type=sa.String(length=32), nullable=True)
        batch_op.create_foreign_key(
            'fk_principle_participant_id_participant', 'participant', ['participant_id'], ['id'],
            ondelete='SET NULL',
        )


def downgrade() -> None:
    op.execute('DELETE FROM principle WHERE participant_id IS NULL')
    with op.batch_alter_table('principle', schema=None) as batch_op:
        batch_op.drop_constraint('fk_principle_participant_id_participant', type_='foreignkey')
        batch_op.alter_column('participant_id', existing_type=sa.String(length=32), nullable=False)
        batch_op.create_foreign_key(
            'fk_principle_participant_id_participant', 'participant', ['participant_id'], ['id'],
            ondelete='CASCADE',
        )
    with op.batch_alter_table('session_round', schema=None) as batch_op:
        batch_op.drop_column('result_snapshot')
    with op.batch_alter_table('denksessie', schema=None) as batch_op:
        batch_op.drop_column('purged_at')
    with op.batch_alter_table('organisation', schema=None) as batch_op:
        batch_op.drop_column('retention_days')
