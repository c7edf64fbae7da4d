"""ballot indexes: principles by round and participant, and by the principle they reword

Revision ID: 3f7a9c2e5b81
Revises: 8e2d6f1a4c30
Create Date: 2026-11-23 07:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '3f7a9c2e5b81'
down_revision: str | None = '8e2d6f1a4c30'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('principle', schema=None) as batch_op:
        batch_op.create_index(
            'ix_principle_round_id_participant_id', ['round_id', 'participant_id'], unique=False
        )
        batch_op.create_index('ix_principle_rewords_id', ['rewords_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('principle', schema=None) as batch_op:
        batch_op.drop_index('ix_principle_rewords_id')
        batch_op.drop_index('ix_principle_round_id_participant_id')
