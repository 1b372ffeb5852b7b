"""files: stored files, resumable uploads, and the messages naming files

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07 22:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _str(n: int) -> sqlmodel.sql.sqltypes.AutoString:
    return sqlmodel.sql.sqltypes.AutoString(length=n)


def upgrade() -> None:
    op.create_table(
        "files",
        sa.Column("file_id", _str(64), nullable=False),
        sa.Column("uploader_id", _str(64), nullable=False),
        sa.Column("name", _str(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("mime_type", _str(128), nullable=False),
        sa.Column("sha256", _str(64), nullable=False),
        sa.Column("create_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("width", sa.BigInteger(), nullable=False),
        sa.Column("height", sa.BigInteger(), nullable=False),
        sa.Column("placeholder", _str(128), nullable=False),
        sa.Column("thumb_sha256", _str(64), nullable=False),
        sa.Column("thumb_size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("file_id"),
    )
    op.create_index(op.f("ix_files_uploader_id"), "files", ["uploader_id"], unique=False)
    op.create_index(op.f("ix_files_sha256"), "files", ["sha256"], unique=False)
    op.create_index(op.f("ix_files_create_time_ms"), "files", ["create_time_ms"], unique=False)
    op.create_index(op.f("ix_files_thumb_sha256"), "files", ["thumb_sha256"], unique=False)
    op.create_table(
        "file_uploads",
        sa.Column("upload_id", _str(64), nullable=False),
        sa.Column("uploader_id", _str(64), nullable=False),
        sa.Column("name", _str(255), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", _str(64), nullable=False),
        sa.Column("create_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("expire_time_ms", sa.BigInteger(), nullable=False),
        sa.Column("file_id", _str(64), nullable=False),
        sa.PrimaryKeyConstraint("upload_id"),
    )
    op.create_index(
        op.f("ix_file_uploads_uploader_id"), "file_uploads", ["uploader_id"], unique=False
    )
    op.create_index(
        op.f("ix_file_uploads_expire_time_ms"), "file_uploads", ["expire_time_ms"], unique=False
    )
    op.create_table(
        "file_refs",
        sa.Column("file_id", _str(64), nullable=False),
        sa.Column("conversation_id", _str(160), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("file_id", "conversation_id", "seq"),
    )


def downgrade() -> None:
    op.drop_table("file_refs")
    op.drop_index(op.f("ix_file_uploads_expire_time_ms"), table_name="file_uploads")
    op.drop_index(op.f("ix_file_uploads_uploader_id"), table_name="file_uploads")
    op.drop_table("file_uploads")
    op.drop_index(op.f("ix_files_thumb_sha256"), table_name="files")
    op.drop_index(op.f("ix_files_create_time_ms"), table_name="files")
    op.drop_index(op.f("ix_files_sha256"), table_name="files")
    op.drop_index(op.f("ix_files_uploader_id"), table_name="files")
    op.drop_table("files")
