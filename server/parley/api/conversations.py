from __future__ import annotations

from parley.api.base import Authn, Ctx, page_bounds, page_response, rpc
from parley.conversation.v1 import conversation_pb2, conversation_pb2_grpc
from parley.domain.conversations import Conversations


class ConversationServicer(conversation_pb2_grpc.ConversationServiceServicer):
    def __init__(self, authn: Authn, conversations: Conversations) -> None:
        self.authn = authn
        self.conversations = conversations

    @rpc
    async def ListConversations(
        self, request: conversation_pb2.ListConversationsRequest, context: Ctx
    ) -> conversation_pb2.ListConversationsResponse:
        ident = self.authn.caller(context)
        offset, limit = page_bounds(request.page)
        convs, total, version = await self.conversations.list_page(
            ident.user_id, request.since_version, offset, limit
        )
        return conversation_pb2.ListConversationsResponse(
            conversations=convs,
            page=page_response(offset, limit, len(convs), total),
            version=version,
        )

    @rpc
    async def GetConversations(
        self, request: conversation_pb2.GetConversationsRequest, context: Ctx
    ) -> conversation_pb2.GetConversationsResponse:
        ident = self.authn.caller(context)
        convs = await self.conversations.get(ident.user_id, request.conversation_ids)
        return conversation_pb2.GetConversationsResponse(conversations=convs)

    @rpc
    async def SetConversation(
        self, request: conversation_pb2.SetConversationRequest, context: Ctx
    ) -> conversation_pb2.SetConversationResponse:
        ident = self.authn.caller(context)
        conv = await self.conversations.set(
            ident.user_id,
            request.conversation_id,
            request.pinned if request.HasField("pinned") else None,
            request.receive_option if request.HasField("receive_option") else None,
            request.draft if request.HasField("draft") else None,
            request.extension if request.HasField("extension") else None,
        )
        return conversation_pb2.SetConversationResponse(conversation=conv)

    @rpc
    async def GetTotalUnread(
        self, request: conversation_pb2.GetTotalUnreadRequest, context: Ctx
    ) -> conversation_pb2.GetTotalUnreadResponse:
        ident = self.authn.caller(context)
        total = await self.conversations.total_unread(ident.user_id)
        return conversation_pb2.GetTotalUnreadResponse(total_unread=total)
