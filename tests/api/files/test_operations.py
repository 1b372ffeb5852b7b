"""Operations: storage in the admin statistics."""

from __future__ import annotations

import datetime

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from tests.api.files.client import Files, user
from tests.harness import Api, bearer


def today() -> admin_pb2.GetStatisticsRequest:
    day = datetime.datetime.now(datetime.UTC).date().isoformat()
    return admin_pb2.GetStatisticsRequest(start_date=day, end_date=day)


async def test_the_statistics_count_stored_bytes_per_user_and_in_total(api: Api) -> None:
    admin = admin_pb2_grpc.AdminServiceStub(api.channel)
    before = await admin.GetStatistics(today(), metadata=bearer(api.admin_token))
    uid, token = await user(api, "heavy")
    data = b"x" * 3_000_000
    await Files(api, token).upload(data, "big.txt")
    after = await admin.GetStatistics(today(), metadata=bearer(api.admin_token))
    assert after.file_bytes - before.file_bytes == len(data)
    assert (uid, len(data)) in [(u.user_id, u.bytes) for u in after.top_storage_users]
