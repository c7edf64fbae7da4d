"""denksessies

Revision ID: 7517d0681260
Revises: 9956517debcc
Create Date: 2026-11-23 01:52:59.624828
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '7517d0681260'
down_revision: str | None = '9956517debcc'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('denksessie',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('join_code', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('join_locked', sa.Boolean(), nullable=False),
    sa.Column('show_results_live', sa.Boolean(), nullable=False),
    sa.Column('roles', sa.JSON(), nullable=False),
    sa.Column('casus_ids', sa.JSON(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('ended_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogue.id'], name=op.f('fk_denksessie_catalogue_id_catalogue')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_denksessie_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_denksessie')),
    sa.UniqueConstraint('join_code', name=op.f('uq_denksessie_join_code'))
    )
    with op.batch_alter_table('denksessie', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_denksessie_catalogue_id'), ['catalogue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_denksessie_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('moderation_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('denksessie_id', sa.Integer(), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('target', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['denksessie_id'], ['denksessie.id'], name=op.f('fk_moderation_log_denksessie_id_denksessie'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_moderation_log'))
    )
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_moderation_log_denksessie_id'), ['denksessie_id'], unique=False)

    op.create_table('participant',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('denksessie_id', sa.Integer(), nullable=False),
    sa.Column('display_name', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=True),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=True),
    sa.Column('removed', sa.Boolean(), nullable=False),
    sa.Column('joined_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['denksessie_id'], ['denksessie.id'], name=op.f('fk_participant_denksessie_id_denksessie'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participant'))
    )
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participant_denksessie_id'), ['denksessie_id'], unique=False)

    op.create_table('session_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('denksessie_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('revealed', sa.Boolean(), nullable=False),
    sa.Column('config', sa.JSON(), nullable=False),
    sa.Column('tie_break_order', sa.JSON(), nullable=False),
    sa.Column('opened_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('closed_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('deadline_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.ForeignKeyConstraint(['denksessie_id'], ['denksessie.id'], name=op.f('fk_session_round_denksessie_id_denksessie'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_round'))
    )
    with op.batch_alter_table('session_round', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_round_denksessie_id'), ['denksessie_id'], unique=False)

    op.create_table('ballot',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.String(length=32), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('client_msg_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_ballot_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['session_round.id'], name=op.f('fk_ballot_round_id_session_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot')),
    sa.UniqueConstraint('round_id', 'participant_id', name=op.f('uq_ballot_round_id_participant_id'))
    )
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ballot_round_id'), ['round_id'], unique=False)

    op.create_table('ballot_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.String(length=32), nullable=False),
    sa.Column('client_msg_id', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('accepted_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_ballot_submission_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['session_round.id'], name=op.f('fk_ballot_submission_round_id_session_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ballot_submission')),
    sa.UniqueConstraint('participant_id', 'client_msg_id', name=op.f('uq_ballot_submission_participant_id_client_msg_id'))
    )
    op.create_table('principle',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.String(length=32), nullable=False),
    sa.Column('value_key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('rewords_id', sa.Integer(), nullable=True),
    sa.Column('hidden', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participant.id'], name=op.f('fk_principle_participant_id_participant'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rewords_id'], ['principle.id'], name=op.f('fk_principle_rewords_id_principle'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['session_round.id'], name=op.f('fk_principle_round_id_session_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_principle'))
    )
    with op.batch_alter_table('principle', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_principle_round_id'), ['round_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('principle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_principle_round_id'))

    op.drop_table('principle')
    op.drop_table('ballot_submission')
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_round_id'))

    op.drop_table('ballot')
    with op.batch_alter_table('session_round', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_round_denksessie_id'))

    op.drop_table('session_round')
    with op.batch_alter_table('participant', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participant_denksessie_id'))

    op.drop_table('participant')
    with op.batch_alter_table('moderation_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_moderation_log_denksessie_id'))

    op.drop_table('moderation_log')
    with op.batch_alter_table('denksessie', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_denksessie_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_denksessie_catalogue_id'))

    op.drop_table('denksessie')
