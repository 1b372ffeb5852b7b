"""Who may read a file: the uploader and the readers of a message naming it.
Nobody else, whatever id they try; revoke and delete take it away."""

from __future__ import annotations

import secrets

import grpc

from parley.file.v1 import file_pb2
from parley.msg.v1 import content_pb2, message_pb2, msg_pb2
from tests.api.files.client import Files, refused, send_file, user
from tests.harness import ST, Api, bearer, new_user_id

C = grpc.StatusCode
GONE = (C.NOT_FOUND, "ERROR_REASON_FILE_NOT_FOUND")


async def denied_everywhere(files: Files, file_id: str) -> None:
    get = files.stub.GetFile(file_pb2.GetFileRequest(file_id=file_id), metadata=files.md)
    assert await refused(get) == GONE
    assert await refused(files.download(file_id)) == GONE
    assert await refused(files.url(file_id)) == GONE


async def test_a_stranger_cannot_read_a_file_by_its_id_or_a_guessed_one(api: Api) -> None:
    _, owner = await user(api)
    _, stranger = await user(api)
    info = await Files(api, owner).upload(b"private notes\n" * 50)
    await denied_everywhere(Files(api, stranger), info.file_id)
    await denied_everywhere(Files(api, stranger), secrets.token_hex(16))
    await denied_everywhere(Files(api, stranger), "")


async def test_sending_a_file_grants_the_conversation_not_the_world(api: Api) -> None:
    _, owner = await user(api)
    peer_id, peer = await user(api)
    _, stranger = await user(api)
    data = b"shared notes\n" * 50
    info = await Files(api, owner).upload(data)
    await send_file(api, owner, peer_id, info)
    assert await Files(api, peer).download(info.file_id) == data
    await denied_everywhere(Files(api, stranger), info.file_id)


async def test_a_sender_cannot_name_a_file_they_may_not_read(api: Api) -> None:
    _, owner = await user(api)
    _, thief = await user(api)
    accomplice_id, _ = await user(api)
    info = await Files(api, owner).upload(b"secret\n" * 50)
    assert await refused(send_file(api, thief, accomplice_id, info)) == GONE
    await denied_everywhere(Files(api, thief), info.file_id)


async def test_revoke_and_delete_for_everyone_take_the_file_from_the_readers(api: Api) -> None:
    _, owner = await user(api)
    peer_id, peer = await user(api)
    revoked = await Files(api, owner).upload(b"oops\n" * 50, "oops.txt")
    deleted = await Files(api, owner).upload(b"gone\n" * 50, "gone.txt")
    ack1 = await send_file(api, owner, peer_id, revoked)
    ack2 = await send_file(api, owner, peer_id, deleted)
    await api.msg.RevokeMessage(
        msg_pb2.RevokeMessageRequest(conversation_id=ack1.conversation_id, seq=ack1.seq),
        metadata=bearer(owner),
    )
    await api.msg.DeleteMessages(
        msg_pb2.DeleteMessagesRequest(
            conversation_id=ack2.conversation_id,
            seqs=[ack2.seq],
            scope=msg_pb2.DELETE_SCOPE_FOR_EVERYONE,
        ),
        metadata=bearer(owner),
    )
    await denied_everywhere(Files(api, peer), revoked.file_id)
    await denied_everywhere(Files(api, peer), deleted.file_id)


async def test_clearing_the_conversation_takes_the_file_from_who_cleared(api: Api) -> None:
    _, owner = await user(api)
    peer_id, peer = await user(api)
    info = await Files(api, owner).upload(b"cleared\n" * 50)
    ack = await send_file(api, owner, peer_id, info)
    assert await Files(api, peer).download(info.file_id)
    await api.msg.ClearConversation(
        msg_pb2.ClearConversationRequest(conversation_id=ack.conversation_id),
        metadata=bearer(peer),
    )
    await denied_everywhere(Files(api, peer), info.file_id)


async def test_an_image_message_names_its_file(api: Api) -> None:
    _, owner = await user(api)
    peer_id, peer = await user(api)
    info = await Files(api, owner).upload(b"not really an image, but text\n" * 5)
    content = content_pb2.Content(
        image=content_pb2.ImageContent(original=content_pb2.ImageRendition(file_id=info.file_id))
    )
    om = message_pb2.OutgoingMessage(
        client_msg_id=new_user_id("m"),
        session_type=ST.SESSION_TYPE_SINGLE,
        recv_id=peer_id,
        content=content,
    )
    await api.msg.SendMessage(msg_pb2.SendMessageRequest(message=om), metadata=bearer(owner))
    assert await Files(api, peer).download(info.file_id)


async def test_the_streams_admit_their_caller_as_the_table_says(api: Api) -> None:
    _, token = await user(api)
    info = await Files(api, token).upload(b"streamed\n" * 10)
    for md_token, expected in (
        ("", (C.UNAUTHENTICATED, "ERROR_REASON_TOKEN_MISSING")),
        (api.admin_token, (C.PERMISSION_DENIED, "ERROR_REASON_PERMISSION_DENIED")),
        ("not-a-token", (C.UNAUTHENTICATED, "ERROR_REASON_TOKEN_INVALID")),
    ):
        files = Files(api, md_token)
        if not md_token:
            files.md = ()  # type: ignore[assignment]
        assert await refused(files.download(info.file_id)) == expected
        assert await refused(files.send("x" * 32, b"data", 0)) == expected
