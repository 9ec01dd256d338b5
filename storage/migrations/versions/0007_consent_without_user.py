"""consents: user_id may be empty (/forget keeps a submitted application's consent, not whose)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Batch mode: SQLite cannot ALTER a column, the table is copied (its index and foreign key
    # with it); PostgreSQL gets a plain ALTER COLUMN ... DROP NOT NULL.
    with op.batch_alter_table("consents") as batch:
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=True)


def downgrade() -> None:
    # A consent kept without its user (after /forget) stays, under user 0: nobody's.
    op.execute("UPDATE consents SET user_id = 0 WHERE user_id IS NULL")
    with op.batch_alter_table("consents") as batch:
        batch.alter_column("user_id", existing_type=sa.BigInteger(), nullable=False)
