"""initial schema

Revision ID: 9956517debcc
Revises: 
Create Date: 2026-11-23 01:37:08.302039
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = '9956517debcc'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('organisation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('is_builtin', sa.Boolean(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation')),
    sa.UniqueConstraint('slug', name=op.f('uq_organisation_slug'))
    )
    op.create_table('casus',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('situation', sa.Text(), nullable=False),
    sa.Column('decision_question', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
    sa.Column('domain', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('catalogue_slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('values_in_tension', sa.JSON(), nullable=False),
    sa.Column('tension', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('source', sa.JSON(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_casus_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_casus')),
    sa.UniqueConstraint('organisation_id', 'slug', name=op.f('uq_casus_organisation_id_slug'))
    )
    with op.batch_alter_table('casus', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_casus_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('catalogue',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('language', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('source', sa.JSON(), nullable=True),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_catalogue_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue')),
    sa.UniqueConstraint('organisation_id', 'slug', name=op.f('uq_catalogue_organisation_id_slug'))
    )
    with op.batch_alter_table('catalogue', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('catalogue_cluster',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('group', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogue.id'], name=op.f('fk_catalogue_cluster_catalogue_id_catalogue'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_cluster')),
    sa.UniqueConstraint('catalogue_id', 'key', name=op.f('uq_catalogue_cluster_catalogue_id_key'))
    )
    with op.batch_alter_table('catalogue_cluster', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_cluster_catalogue_id'), ['catalogue_id'], unique=False)

    op.create_table('principekaart',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('slug', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('title', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('central_question', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('source', sa.JSON(), nullable=True),
    sa.Column('process', sa.JSON(), nullable=True),
    sa.Column('uses', sa.JSON(), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogue.id'], name=op.f('fk_principekaart_catalogue_id_catalogue')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_principekaart_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_principekaart')),
    sa.UniqueConstraint('organisation_id', 'slug', name=op.f('uq_principekaart_organisation_id_slug'))
    )
    with op.batch_alter_table('principekaart', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_principekaart_catalogue_id'), ['catalogue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_principekaart_organisation_id'), ['organisation_id'], unique=False)

    op.create_table('catalogue_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('catalogue_id', sa.Integer(), nullable=False),
    sa.Column('cluster_id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['catalogue_id'], ['catalogue.id'], name=op.f('fk_catalogue_value_catalogue_id_catalogue'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['cluster_id'], ['catalogue_cluster.id'], name=op.f('fk_catalogue_value_cluster_id_catalogue_cluster'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalogue_value')),
    sa.UniqueConstraint('catalogue_id', 'key', name=op.f('uq_catalogue_value_catalogue_id_key'))
    )
    with op.batch_alter_table('catalogue_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_catalogue_value_catalogue_id'), ['catalogue_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_catalogue_value_cluster_id'), ['cluster_id'], unique=False)

    op.create_table('opvatting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('value_id', sa.Integer(), nullable=False),
    sa.Column('text', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['value_id'], ['catalogue_value.id'], name=op.f('fk_opvatting_value_id_catalogue_value'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_opvatting'))
    )
    with op.batch_alter_table('opvatting', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opvatting_value_id'), ['value_id'], unique=False)

    op.create_table('principekaart_value',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('principekaart_id', sa.Integer(), nullable=False),
    sa.Column('value_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('headline', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('sub_principles', sa.JSON(), nullable=False),
    sa.Column('quote', sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
    sa.ForeignKeyConstraint(['principekaart_id'], ['principekaart.id'], name=op.f('fk_principekaart_value_principekaart_id_principekaart'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['value_id'], ['catalogue_value.id'], name=op.f('fk_principekaart_value_value_id_catalogue_value')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_principekaart_value')),
    sa.UniqueConstraint('principekaart_id', 'value_id', name=op.f('uq_principekaart_value_principekaart_id_value_id'))
    )
    with op.batch_alter_table('principekaart_value', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_principekaart_value_principekaart_id'), ['principekaart_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_principekaart_value_value_id'), ['value_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('principekaart_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_principekaart_value_value_id'))
        batch_op.drop_index(batch_op.f('ix_principekaart_value_principekaart_id'))

    op.drop_table('principekaart_value')
    with op.batch_alter_table('opvatting', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opvatting_value_id'))

    op.drop_table('opvatting')
    with op.batch_alter_table('catalogue_value', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_value_cluster_id'))
        batch_op.drop_index(batch_op.f('ix_catalogue_value_catalogue_id'))

    op.drop_table('catalogue_value')
    with op.batch_alter_table('principekaart', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_principekaart_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_principekaart_catalogue_id'))

    op.drop_table('principekaart')
    with op.batch_alter_table('catalogue_cluster', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_cluster_catalogue_id'))

    op.drop_table('catalogue_cluster')
    with op.batch_alter_table('catalogue', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_catalogue_organisation_id'))

    op.drop_table('catalogue')
    with op.batch_alter_table('casus', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_casus_organisation_id'))

    op.drop_table('casus')
    op.drop_table('organisation')
