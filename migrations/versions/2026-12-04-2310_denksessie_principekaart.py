"""denksessie principekaart: the card an intervisie was started from

Revision ID: f34a0034b1d0
Revises: 5e1f0033a9b1
Create Date: 2026-12-04 23:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f34a0034b1d0"
down_revision: str | None = "5e1f0033a9b1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("denksessie", schema=None) as batch_op:
        batch_op.add_column(sa.Column("principekaart_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_denksessie_principekaart_id"), ["principekaart_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_denksessie_principekaart_id_principekaart"),
            "principekaart",
            ["principekaart_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("denksessie", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_denksessie_principekaart_id_principekaart"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_denksessie_principekaart_id"))
        batch_op.drop_column("principekaart_id")
