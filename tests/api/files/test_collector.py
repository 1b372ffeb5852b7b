"""The collector: bytes no live message names go once past the grace period;
a sent file stays."""

from __future__ import annotations

import asyncio

import grpc

from parley.msg.v1 import msg_pb2
from tests.api.files.client import Files, refused, send_file, started, stored_blobs, user
from tests.harness import ServerProcess, bearer

GRACE = 8.0


async def test_a_revoked_file_is_collected_and_a_sent_one_stays(
    fresh_server: ServerProcess,
) -> None:
    # The grace covers the time from upload to send, even on a loaded host.
    async with started(fresh_server, gc_grace_seconds=str(GRACE), gc_interval_seconds="0.2") as api:
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
