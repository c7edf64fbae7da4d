"""open answer mark: the facilitator's moderation of an open question's answers

Revision ID: 0a3e2c5d7f30
Revises: f31a0031c0de
Create Date: 2026-12-04 22:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '0a3e2c5d7f30'
down_revision: str | None = 'f31a0031c0de'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        'open_answer_mark',
        sa.Column('round_id', sa.Integer(), nullable=False),
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('answer_key', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column('hidden', sa.Boolean(), nullable=False),
        sa.Column('merged_into', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ['round_id'],
            ['session_round.id'],
            name=op.f('fk_open_answer_mark_round_id_session_round'),
            ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_open_answer_mark')),
        sa.UniqueConstraint(
            'round_id', 'answer_key', name=op.f('uq_open_answer_mark_round_id_answer_key')
        ),
    )


def downgrade() -> None:
    op.drop_table('open_answer_mark')
