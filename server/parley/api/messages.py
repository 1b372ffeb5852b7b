from __future__ import annotations

from parley.api.base import Authn, Ctx, page_bounds, page_response, rpc
from parley.common.v1 import common_pb2
from parley.domain.edits import Edits
from parley.domain.messages import Messages
from parley.domain.read_state import ReadState
from parley.domain.sync import Sync, visible_message
from parley.errors import R, invalid
from parley.msg.v1 import msg_pb2, msg_pb2_grpc

ST = common_pb2.SessionType


class MsgServicer(msg_pb2_grpc.MsgServiceServicer):
    def __init__(
        self, authn: Authn, messages: Messages, sync: Sync, read_state: ReadState, edits: Edits
    ) -> None:
        self.authn = authn
        self.messages = messages
        self.sync = sync
        self.read_state = read_state
        self.edits = edits

    @rpc
    async def SendMessage(
        self, request: msg_pb2.SendMessageRequest, context: Ctx
    ) -> msg_pb2.SendMessageResponse:
        ident = self.authn.caller(context)
        ack = await self.messages.send(ident, request.message)
        return msg_pb2.SendMessageResponse(ack=ack)

    @rpc
    async def PullMessages(
        self, request: msg_pb2.PullMessagesRequest, context: Ctx
    ) -> msg_pb2.PullMessagesResponse:
        ident = self.authn.caller(context)
        results = await self.sync.pull(ident.user_id, request.ranges, request.order)
        return msg_pb2.PullMessagesResponse(results=results)

    @rpc
    async def GetSeqs(
        self, request: msg_pb2.GetSeqsRequest, context: Ctx
    ) -> msg_pb2.GetSeqsResponse:
        ident = self.authn.caller(context)
        seqs = await self.sync.get_seqs(ident.user_id, request.conversation_ids)
        return msg_pb2.GetSeqsResponse(seqs=seqs)

    @rpc
    async def MarkRead(
        self, request: msg_pb2.MarkReadRequest, context: Ctx
    ) -> msg_pb2.MarkReadResponse:
        ident = self.authn.caller(context)
        seq, unread = await self.read_state.mark_read(
            ident.user_id, request.conversation_id, request.has_read_seq
        )
        return msg_pb2.MarkReadResponse(has_read_seq=seq, unread_count=unread)

    @rpc
    async def AckDelivery(
        self, request: msg_pb2.AckDeliveryRequest, context: Ctx
    ) -> msg_pb2.AckDeliveryResponse:
        ident = self.authn.caller(context)
        await self.read_state.ack_delivery(
            ident.user_id, request.conversation_id, request.delivered_seq
        )
        return msg_pb2.AckDeliveryResponse()

    @rpc
    async def RevokeMessage(
        self, request: msg_pb2.RevokeMessageRequest, context: Ctx
    ) -> msg_pb2.RevokeMessageResponse:
        ident = self.authn.caller(context)
        seq = await self.edits.revoke(ident, request.conversation_id, request.seq)
        return msg_pb2.RevokeMessageResponse(event_seq=seq)

    @rpc
    async def EditMessage(
        self, request: msg_pb2.EditMessageRequest, context: Ctx
    ) -> msg_pb2.EditMessageResponse:
        ident = self.authn.caller(context)
        seq, version = await self.edits.edit(
            ident, request.conversation_id, request.seq, request.content
        )
        return msg_pb2.EditMessageResponse(event_seq=seq, edit_version=version)

    @rpc
    async def DeleteMessages(
        self, request: msg_pb2.DeleteMessagesRequest, context: Ctx
    ) -> msg_pb2.DeleteMessagesResponse:
        ident = self.authn.caller(context)
        await self.edits.delete(ident, request.conversation_id, request.seqs, request.scope)
        return msg_pb2.DeleteMessagesResponse()

    @rpc
    async def ClearConversation(
        self, request: msg_pb2.ClearConversationRequest, context: Ctx
    ) -> msg_pb2.ClearConversationResponse:
        ident = self.authn.caller(context)
        min_seq = await self.edits.clear(ident, request.conversation_id)
        return msg_pb2.ClearConversationResponse(min_seq=min_seq)

    @rpc
    async def SearchMessages(
        self, request: msg_pb2.SearchMessagesRequest, context: Ctx
    ) -> msg_pb2.SearchMessagesResponse:
        ident = self.authn.caller(context)
        keyword = request.keyword.strip()
        if not keyword:
            raise invalid("keyword is required")
        if request.conversation_id:
            await self.sync.access.readable(request.conversation_id, ident.user_id)
        offset, limit = page_bounds(request.page)
        rows = await self.sync.messages.search(
            ident.user_id,
            keyword,
            request.conversation_id,
            request.sender_id,
            request.start_time_ms,
            request.end_time_ms,
            offset,
            limit,
        )
        access = self.sync.access
        msgs = [
            visible_message(r.body, r.status, False, ident.user_id)
            for r in rows
            # Former group members keep their row (for their history): nothing after they left.
            if await access.visible_top(ident.user_id, r.conversation_id, r.seq) >= r.seq
        ]
        found = [m for m in msgs if m is not None]
        return msg_pb2.SearchMessagesResponse(
            messages=found, page=page_response(offset, limit, len(rows), -1)
        )

    @rpc
    async def GetMessageReceipts(
        self, request: msg_pb2.GetMessageReceiptsRequest, context: Ctx
    ) -> msg_pb2.GetMessageReceiptsResponse:
        ident = self.authn.caller(context)
        ref = await self.sync.access.readable(request.conversation_id, ident.user_id)
        if not request.seqs:
            raise invalid("give 1 to 100 seqs")
        cid = ref.conversation_id
        top = await self.sync.access.visible_top(
            ident.user_id, cid, await self.sync.seqs.visible_max(cid)
        )
        if max(request.seqs) > top:
            raise invalid("seq above the conversation's max", R.ERROR_REASON_SEQ_OUT_OF_RANGE)
        out = msg_pb2.GetMessageReceiptsResponse()
        if ref.session_type != ST.SESSION_TYPE_SINGLE:
            receipts = await self.read_state.group_receipts(ident.user_id, ref, request.seqs)
            out.receipts.extend(receipts)
            return out
        peer = ref.peer_of(ident.user_id)
        puc = await self.sync.conversations.get_user_conversation(peer, ref.conversation_id)
        read = puc.has_read_seq if puc else 0
        delivered = max(puc.delivered_seq, read) if puc else 0
        for seq in request.seqs:
            r = out.receipts.add(seq=seq)
            r.read_count = 1 if seq <= read else 0
            r.delivered_count = 1 if seq <= delivered else 0
            r.unread_count = 1 - r.read_count
            if r.read_count:
                r.reader_user_ids.append(peer)
        return out
