"""screenings: one a user (a new screening replaces the user's last in one upsert)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Only the newest was ever read; the earlier ones were dropped on every save, but two saves
    # at once could leave two.
    op.execute(
        "DELETE FROM screenings WHERE EXISTS (SELECT 1 FROM screenings AS newer "
        "WHERE newer.user_id = screenings.user_id AND (newer.created_at > screenings.created_at "
        "OR (newer.created_at = screenings.created_at AND newer.id > screenings.id)))"
    )
    op.drop_index(op.f("ix_screenings_user_id"), table_name="screenings")
    op.create_index(op.f("ix_screenings_user_id"), "screenings", ["user_id"], unique=True)


def downgrade() -> None:
    op.drop_index(op.f("ix_screenings_user_id"), table_name="screenings")
    op.create_index(op.f("ix_screenings_user_id"), "screenings", ["user_id"], unique=False)
