"""groups: an index on (name, group_id) for AdminService.SearchGroups

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-08 01:50:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_groups_name", "groups", ["name", "group_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_groups_name", table_name="groups")
