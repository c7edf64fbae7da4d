"""trajects

Revision ID: 3a7f0c2e9b10
Revises: b4c39c32d56e
Create Date: 2026-11-23 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '3a7f0c2e9b10'
down_revision: str | None = 'b4c39c32d56e'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('traject',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('central_question', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('card_size', sa.Integer(), nullable=False),
    sa.Column('method', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('min_participants', sa.Integer(), nullable=False),
    sa.Column('max_values', sa.Integer(), nullable=False),
    sa.Column('illustrative', sa.Boolean(), nullable=False),
    sa.Column('tie_break_order', sa.JSON(), nullable=False),
    sa.Column('closed_stages', sa.JSON(), nullable=False),
    sa.Column('shortlist_frozen', sa.JSON(), nullable=True),
    sa.Column('card_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['card_id'], ['principekaart.id'], name=op.f('fk_traject_card_id_principekaart')),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogue.id'], name=op.f('fk_traject_catalogue_id_catalogue')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_traject_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_traject'))
    )
    with op.batch_alter_table('traject', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_traject_card_id'), ['card_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_traject_catalogue_id'), ['catalogue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_traject_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('traject_audit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('traject_id', sa.Integer(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['traject_id'], ['traject.id'], name=op.f('fk_traject_audit_traject_id_traject'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_traject_audit'))
    )
    with op.batch_alter_table('traject_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_traject_audit_traject_id'), ['traject_id'], unique=False)

    op.create_table('traject_principle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('traject_id', sa.Integer(), nullable=False),
    sa.Column('value_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('principle_id', sa.Integer(), nullable=False),
    sa.Column('original', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.ForeignKeyConstraint(['traject_id'], ['traject.id'], name=op.f('fk_traject_principle_traject_id_traject'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_traject_principle')),
    sa.UniqueConstraint('traject_id', 'value_key', 'position', name=op.f('uq_traject_principle_traject_id_value_key_position'))
    )
    with op.batch_alter_table('traject_principle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_traject_principle_traject_id'), ['traject_id'], unique=False)

    op.create_table('traject_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('traject_id', sa.Integer(), nullable=False),
    sa.Column('denksessie_id', sa.Integer(), nullable=False),
    sa.Column('stage', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attached_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['denksessie_id'], ['denksessie.id'], name=op.f('fk_traject_session_denksessie_id_denksessie'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['traject_id'], ['traject.id'], name=op.f('fk_traject_session_traject_id_traject'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_traject_session')),
    sa.UniqueConstraint('denksessie_id', name=op.f('uq_traject_session_denksessie_id'))
    )
    with op.batch_alter_table('traject_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_traject_session_traject_id'), ['traject_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('traject_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_traject_session_traject_id'))

    op.drop_table('traject_session')
    with op.batch_alter_table('traject_principle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_traject_principle_traject_id'))

    op.drop_table('traject_principle')
    with op.batch_alter_table('traject_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_traject_audit_traject_id'))

    op.drop_table('traject_audit')
    with op.batch_alter_table('traject', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_traject_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_traject_catalogue_id'))
        batch_op.drop_index(batch_op.f('ix_traject_card_id'))

    op.drop_table('traject')
