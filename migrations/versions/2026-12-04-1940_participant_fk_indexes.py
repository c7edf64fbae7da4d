"""participant fk indexes: ballots and principles by participant alone, for the purge

Deleting a participant makes the database find its ballots and principles by ``participant_id``
alone; the existing indexes lead with ``round_id``, so each deleted participant scanned both
tables (docs/decisions/0009-pseudonyms-and-role-folding.md).

Revision ID: 9c4e1a7d2b60
Revises: a11d0011b0c5
Create Date: 2026-12-04 19:40:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = '9c4e1a7d2b60'
down_revision: str | None = 'a11d0011b0c5'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_ballot_participant_id'), ['participant_id'], unique=False
        )
    with op.batch_alter_table('principle', schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f('ix_principle_participant_id'), ['participant_id'], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table('principle', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_principle_participant_id'))
    with op.batch_alter_table('ballot', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ballot_participant_id'))
