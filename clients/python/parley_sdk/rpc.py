"""Typed unary calls over the connection's channel, with the user's token.

Every failure is raised as `ParleyError` (with the server's stable reason).
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any, TypeVar

import grpc

from parley.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from parley.group.v1 import group_pb2, group_pb2_grpc
from parley.msg.v1 import msg_pb2, msg_pb2_grpc
from parley.relation.v1 import relation_pb2, relation_pb2_grpc
from parley.user.v1 import user_pb2, user_pb2_grpc
from parley_sdk.errors import NotConnectedError, ParleyError, from_rpc_error
from parley_sdk.network import Connection, backoff_delay

R = TypeVar("R")


class Rpc:
    """The unary services of the contract, bound to a connection."""

    def __init__(self, conn: Connection, timeout: float = 30.0, create_attempts: int = 3) -> None:
        self.conn = conn
        self.timeout = timeout
        self.create_attempts = create_attempts

    async def call(self, stub_class: Any, method: str, request: Any, response: type[R]) -> R:
        """Calls `method` of the service whose stub class is `stub_class`."""
        channel = self.conn.channel
        if channel is None:
            raise NotConnectedError("no channel yet")
        fn = getattr(stub_class(channel), method)
        try:
            result = await fn(request, metadata=self.conn.metadata(), timeout=self.timeout)
        except grpc.aio.AioRpcError as e:
            err = from_rpc_error(e)
            if err.code == grpc.StatusCode.UNAUTHENTICATED:
                # The token stopped working: reconnecting reports why (expired,
                # revoked, kicked) through the connection state.
                self.conn.reconnect()
            raise err from e
        assert isinstance(result, response)
        return result

    async def create(self, stub_class: Any, method: str, request: Any, response: type[R]) -> R:
        """A call that creates something: sent with an idempotency key (a
        fresh one unless the request has its own) and retried with that key
        after a transient failure, so an answer lost on the way (timeout,
        dropped connection) never creates twice: the server answers the retry
        with the first result."""
        if not request.idempotency_key:
            request.idempotency_key = uuid.uuid4().hex
        attempt = 0
        while True:
            try:
                return await self.call(stub_class, method, request, response)
            except ParleyError as e:
                attempt += 1
                if not e.transient or attempt >= self.create_attempts:
                    raise
            await asyncio.sleep(backoff_delay(attempt - 1, 0.2, 2.0))

    # -- messages -----------------------------------------------------------

    async def send(self, req: msg_pb2.SendMessageRequest) -> msg_pb2.SendMessageResponse:
        """MsgService.SendMessage."""
        return await self.call(
            msg_pb2_grpc.MsgServiceStub, "SendMessage", req, msg_pb2.SendMessageResponse
        )

    async def pull(self, req: msg_pb2.PullMessagesRequest) -> msg_pb2.PullMessagesResponse:
        """MsgService.PullMessages."""
        return await self.call(
            msg_pb2_grpc.MsgServiceStub, "PullMessages", req, msg_pb2.PullMessagesResponse
        )

    async def get_seqs(self, req: msg_pb2.GetSeqsRequest) -> msg_pb2.GetSeqsResponse:
        """MsgService.GetSeqs."""
        return await self.call(msg_pb2_grpc.MsgServiceStub, "GetSeqs", req, msg_pb2.GetSeqsResponse)

    async def mark_read(self, req: msg_pb2.MarkReadRequest) -> msg_pb2.MarkReadResponse:
        """MsgService.MarkRead."""
        return await self.call(
            msg_pb2_grpc.MsgServiceStub, "MarkRead", req, msg_pb2.MarkReadResponse
        )

    async def revoke(self, req: msg_pb2.RevokeMessageRequest) -> msg_pb2.RevokeMessageResponse:
        """MsgService.RevokeMessage."""
        return await self.call(
            msg_pb2_grpc.MsgServiceStub, "RevokeMessage", req, msg_pb2.RevokeMessageResponse
        )

    async def edit(self, req: msg_pb2.EditMessageRequest) -> msg_pb2.EditMessageResponse:
        """MsgService.EditMessage."""
        return await self.call(
            msg_pb2_grpc.MsgServiceStub, "EditMessage", req, msg_pb2.EditMessageResponse
        )

    async def delete(self, req: msg_pb2.DeleteMessagesRequest) -> msg_pb2.DeleteMessagesResponse:
        """MsgService.DeleteMessages."""
        return await self.call(
            msg_pb2_grpc.MsgServiceStub, "DeleteMessages", req, msg_pb2.DeleteMessagesResponse
        )

    async def clear(
        self, req: msg_pb2.ClearConversationRequest
    ) -> msg_pb2.ClearConversationResponse:
        """MsgService.ClearConversation."""
        return await self.call(
            msg_pb2_grpc.MsgServiceStub,
            "ClearConversation",
            req,
            msg_pb2.ClearConversationResponse,
        )

    async def receipts(
        self, req: msg_pb2.GetMessageReceiptsRequest
    ) -> msg_pb2.GetMessageReceiptsResponse:
        """MsgService.GetMessageReceipts."""
        return await self.call(
            msg_pb2_grpc.MsgServiceStub,
            "GetMessageReceipts",
            req,
            msg_pb2.GetMessageReceiptsResponse,
        )

    async def search(self, req: msg_pb2.SearchMessagesRequest) -> msg_pb2.SearchMessagesResponse:
        """MsgService.SearchMessages."""
        return await self.call(
            msg_pb2_grpc.MsgServiceStub, "SearchMessages", req, msg_pb2.SearchMessagesResponse
        )

    # -- conversations ------------------------------------------------------

    async def list_conversations(
        self, req: conversation_pb2.ListConversationsRequest
    ) -> conversation_pb2.ListConversationsResponse:
        """ConversationService.ListConversations."""
        return await self.call(
            conversation_pb2_grpc.ConversationServiceStub,
            "ListConversations",
            req,
            conversation_pb2.ListConversationsResponse,
        )

    async def get_conversations(
        self, req: conversation_pb2.GetConversationsRequest
    ) -> conversation_pb2.GetConversationsResponse:
        """ConversationService.GetConversations."""
        return await self.call(
            conversation_pb2_grpc.ConversationServiceStub,
            "GetConversations",
            req,
            conversation_pb2.GetConversationsResponse,
        )

    async def set_conversation(
        self, req: conversation_pb2.SetConversationRequest
    ) -> conversation_pb2.SetConversationResponse:
        """ConversationService.SetConversation."""
        return await self.call(
            conversation_pb2_grpc.ConversationServiceStub,
            "SetConversation",
            req,
            conversation_pb2.SetConversationResponse,
        )

    async def total_unread(self) -> conversation_pb2.GetTotalUnreadResponse:
        """ConversationService.GetTotalUnread."""
        return await self.call(
            conversation_pb2_grpc.ConversationServiceStub,
            "GetTotalUnread",
            conversation_pb2.GetTotalUnreadRequest(),
            conversation_pb2.GetTotalUnreadResponse,
        )

    # -- users --------------------------------------------------------------

    async def get_users(self, user_ids: list[str]) -> user_pb2.GetUsersResponse:
        """UserService.GetUsers."""
        return await self.call(
            user_pb2_grpc.UserServiceStub,
            "GetUsers",
            user_pb2.GetUsersRequest(user_ids=user_ids),
            user_pb2.GetUsersResponse,
        )

    async def update_profile(
        self, req: user_pb2.UpdateProfileRequest
    ) -> user_pb2.UpdateProfileResponse:
        """UserService.UpdateProfile."""
        return await self.call(
            user_pb2_grpc.UserServiceStub, "UpdateProfile", req, user_pb2.UpdateProfileResponse
        )

    async def search_users(self, req: user_pb2.SearchUsersRequest) -> user_pb2.SearchUsersResponse:
        """UserService.SearchUsers."""
        return await self.call(
            user_pb2_grpc.UserServiceStub, "SearchUsers", req, user_pb2.SearchUsersResponse
        )

    # -- relations and groups (generic: many small calls) -------------------

    async def relation(self, method: str, request: Any, response: type[R]) -> R:
        """A RelationService call."""
        return await self.call(relation_pb2_grpc.RelationServiceStub, method, request, response)

    async def group(self, method: str, request: Any, response: type[R]) -> R:
        """A GroupService call."""
        return await self.call(group_pb2_grpc.GroupServiceStub, method, request, response)


__all__ = ["Rpc", "group_pb2", "relation_pb2"]
