"""The collector: bytes no live message names go once past the grace period;
a sent file stays."""

from __future__ import annotations

import asyncio

import grpc

from parley.msg.v1 import msg_pb2
from tests.api.files.client import Files, refused, send_file, stored_blobs, user
from tests.harness import Api, ServerProcess, bearer

GRACE = 8.0


async def test_a_revoked_file_is_collected_and_a_sent_one_stays(
    fresh_server: ServerProcess,
) -> None:
    fresh_server.env.update(
        # The grace covers the time from upload to send, even on a loaded host.
        {"PARLEY_FILES__GC_GRACE_SECONDS": str(GRACE), "PARLEY_FILES__GC_INTERVAL_SECONDS": "0.2"}
    )
    fresh_server.start()
    api = Api(fresh_server.address, fresh_server.admin_secret)
    await api.login_admin()
    try:
        _, owner = await user(api)
        peer_id, peer = await user(api)
        kept_data, revoked_data = b"kept\n" * 100, b"revoked\n" * 100
        kept = await Files(api, owner).upload(kept_data, "kept.txt")
        await send_file(api, owner, peer_id, kept)
        revoked = await Files(api, owner).upload(revoked_data, "revoked.txt")
        ack = await send_file(api, owner, peer_id, revoked)
        await api.msg.RevokeMessage(
            msg_pb2.RevokeMessageRequest(conversation_id=ack.conversation_id, seq=ack.seq),
            metadata=bearer(owner),
        )
        for _ in range(int(GRACE * 10) + 300):
            names = set(await asyncio.to_thread(stored_blobs, fresh_server))
            if revoked.sha256 not in names:
                break
            await asyncio.sleep(0.1)
        assert revoked.sha256 not in names and kept.sha256 in names
        code, reason = await refused(Files(api, owner).download(revoked.file_id))
        assert (code, reason) == (grpc.StatusCode.NOT_FOUND, "ERROR_REASON_FILE_NOT_FOUND")
        assert await Files(api, peer).download(kept.file_id) == kept_data
    finally:
        await api.close()
