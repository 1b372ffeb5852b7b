"""File metadata in SQL: files, pending uploads, and the messages naming them."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, desc, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from parley.storage.records import StoredFile, Upload
from parley.storage.sql.schema import FileRefRow, FileRow, FileUploadRow

F = FileRow.__table__  # type: ignore[attr-defined]
U = FileUploadRow.__table__  # type: ignore[attr-defined]
R = FileRefRow.__table__  # type: ignore[attr-defined]


def _file(row: Any) -> StoredFile:
    return StoredFile(**{f.name: getattr(row, f.name) for f in dataclasses.fields(StoredFile)})


def _upload(row: Any) -> Upload:
    return Upload(**{f.name: getattr(row, f.name) for f in dataclasses.fields(Upload)})


class SqlFileStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def put_upload(self, upload: Upload) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(insert(U).values(**dataclasses.asdict(upload)))

    async def get_upload(self, upload_id: str) -> Upload | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(U).where(U.c.upload_id == upload_id))).first()
        return _upload(row) if row else None

    async def finish_upload(self, upload_id: str, file: StoredFile) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(insert(F).values(**dataclasses.asdict(file)))
            await conn.execute(
                update(U).where(U.c.upload_id == upload_id).values(file_id=file.file_id)
            )

    async def expired_uploads(self, now_ms: int, limit: int) -> list[Upload]:
        q = select(U).where(U.c.expire_time_ms < now_ms).order_by(U.c.expire_time_ms).limit(limit)
        async with self._engine.connect() as conn:
            return [_upload(r) for r in (await conn.execute(q)).all()]

    async def delete_upload(self, upload_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(U).where(U.c.upload_id == upload_id))

    async def pending_bytes(self, uploader_id: str, now_ms: int) -> int:
        q = select(func.coalesce(func.sum(U.c.size), 0)).where(
            U.c.uploader_id == uploader_id, U.c.file_id == "", U.c.expire_time_ms >= now_ms
        )
        async with self._engine.connect() as conn:
            return int((await conn.execute(q)).scalar_one())

    async def get_file(self, file_id: str) -> StoredFile | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(F).where(F.c.file_id == file_id))).first()
        return _file(row) if row else None

    async def delete_file(self, file_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(delete(R).where(R.c.file_id == file_id))
            await conn.execute(delete(F).where(F.c.file_id == file_id))

    async def blob_in_use(self, sha256: str) -> bool:
        q = select(F.c.file_id).where(or_(F.c.sha256 == sha256, F.c.thumb_sha256 == sha256))
        async with self._engine.connect() as conn:
            return (await conn.execute(q.limit(1))).first() is not None

    async def add_refs(self, file_ids: Sequence[str], conversation_id: str, seq: int) -> None:
        for file_id in dict.fromkeys(file_ids):
            try:
                async with self._engine.begin() as conn:
                    await conn.execute(
                        insert(R).values(file_id=file_id, conversation_id=conversation_id, seq=seq)
                    )
            except IntegrityError:
                pass  # a resend: the reference is there

    async def refs(self, file_id: str) -> list[tuple[str, int]]:
        q = select(R.c.conversation_id, R.c.seq).where(R.c.file_id == file_id)
        async with self._engine.connect() as conn:
            return [(str(c), int(s)) for c, s in (await conn.execute(q)).all()]

    async def drop_ref(self, file_id: str, conversation_id: str, seq: int) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                delete(R).where(
                    R.c.file_id == file_id, R.c.conversation_id == conversation_id, R.c.seq == seq
                )
            )

    async def files_before(
        self, create_before_ms: int, after_id: str, limit: int
    ) -> list[StoredFile]:
        q = (
            select(F)
            .where(F.c.create_time_ms < create_before_ms, F.c.file_id > after_id)
            .order_by(F.c.file_id)
            .limit(limit)
        )
        async with self._engine.connect() as conn:
            return [_file(r) for r in (await conn.execute(q)).all()]

    async def bytes_used(self, uploader_id: str = "") -> int:
        q = select(func.coalesce(func.sum(F.c.size + F.c.thumb_size), 0))
        if uploader_id:
            q = q.where(F.c.uploader_id == uploader_id)
        async with self._engine.connect() as conn:
            return int((await conn.execute(q)).scalar_one())

    async def top_users(self, limit: int) -> list[tuple[str, int]]:
        total = func.sum(F.c.size + F.c.thumb_size).label("total")
        q = select(F.c.uploader_id, total).group_by(F.c.uploader_id).order_by(desc(total))
        async with self._engine.connect() as conn:
            rows = (await conn.execute(q.limit(limit))).all()
        return [(str(u), int(t)) for u, t in rows]
