"""hidden reasons and card quotes: moderation of casus reasons ("Waarom?") and the quotes a
facilitator picks for the card (decision 0031)

Revision ID: f31a0031c0de
Revises: 7b2d5e0c4a91
Create Date: 2026-12-04 22:03:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = 'f31a0031c0de'
down_revision: str | None = '7b2d5e0c4a91'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('card_quote',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('denksessie_id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('value_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('side', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['denksessie_id'], ['denksessie.id'], name=op.f('fk_card_quote_denksessie_id_denksessie'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['session_round.id'], name=op.f('fk_card_quote_round_id_session_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_card_quote')),
    sa.UniqueConstraint('denksessie_id', 'value_key', 'text', name=op.f('uq_card_quote_denksessie_id_value_key_text'))
    )
    with op.batch_alter_table('card_quote', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_card_quote_round_id'), ['round_id'], unique=False)

    op.create_table('hidden_reason',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('reason_id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['session_round.id'], name=op.f('fk_hidden_reason_round_id_session_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hidden_reason')),
    sa.UniqueConstraint('round_id', 'reason_id', name=op.f('uq_hidden_reason_round_id_reason_id'))
    )


def downgrade() -> None:
    op.drop_table('hidden_reason')
    with op.batch_alter_table('card_quote', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_card_quote_round_id'))

    op.drop_table('card_quote')
