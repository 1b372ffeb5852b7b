"""Applying server events (`Message.notification`) to the local tables.

Runs inside the transaction that applies the event's seq (see `apply.py`).
Every change is applied only if it changes something, so an event applied
after the same change was made locally (or seen twice) emits nothing new.
"""

from __future__ import annotations

from parley.msg.v1 import message_pb2, notification_pb2
from parley_sdk.apply import ConvCache, Effects
from parley_sdk.content import CONTROL_EVENTS, FRIEND_EVENTS, GROUP_EVENTS
from parley_sdk.convert import group_from_proto, message_from_proto, user_from_proto
from parley_sdk.listeners import ParleyListener
from parley_sdk.models import (
    ChatMessage,
    Conversation,
    FriendApplication,
    FriendEvent,
    GroupEvent,
    GroupMember,
    MessageChange,
    MessageStatus,
    Receipt,
    ReceiptKind,
)
from parley_sdk.store import Tx

APP_PENDING, APP_ACCEPTED, APP_REFUSED = 1, 2, 3
ROLE_MEMBER, ROLE_ADMIN, ROLE_OWNER = 1, 2, 3
GROUP_ACTIVE, GROUP_MUTED, GROUP_DISMISSED = 1, 2, 3


def apply_event(
    tx: Tx, convs: ConvCache, conv: Conversation, m: message_pb2.Message, fx: Effects
) -> None:
    """Stores the event at its seq and applies what it says."""
    event = message_from_proto(m)
    existing = tx.message_by_client_id(m.sender_id, m.client_msg_id)
    if existing is not None:
        event.local_id = existing.local_id
    occupant = tx.message_at(m.conversation_id, m.seq)
    if occupant is not None and occupant.local_id != event.local_id:
        tx.delete_message(occupant.local_id)
    tx.save_message(event)
    n = m.notification
    kind = n.WhichOneof("event") or ""
    if kind not in CONTROL_EVENTS:
        conv.update_time_ms = max(conv.update_time_ms, m.server_time_ms)
        fx.new_message(event)
    if kind in ("message_revoked", "message_edited", "messages_deleted"):
        _message_change(tx, convs, n, kind, fx)
    elif kind in ("read_receipt", "delivery_receipt"):
        _receipt(convs, n, kind, fx)
    elif kind == "conversation_changed":
        fx.refresh_conversations.add(n.conversation_changed.conversation_id)
    elif kind == "conversation_cleared":
        target = convs.touch(n.conversation_cleared.conversation_id)
        convs.raise_floor(target, n.conversation_cleared.min_seq)
    elif kind in FRIEND_EVENTS:
        other = _friend_event(tx, convs.me, n, kind, m.server_time_ms)
        _emit_friend(fx, FriendEvent(kind, other, n))
    elif kind in GROUP_EVENTS:
        group_id = _group_event(tx, convs.me, n, kind, m.server_time_ms, fx)
        _emit_group(fx, GroupEvent(kind, group_id, n))


def _emit_friend(fx: Effects, event: FriendEvent) -> None:
    async def call(listener: ParleyListener) -> None:
        await listener.on_friend_event(event)

    fx.emit(call)


def _emit_group(fx: Effects, event: GroupEvent) -> None:
    async def call(listener: ParleyListener) -> None:
        await listener.on_group_event(event)

    fx.emit(call)


# -- message changes ---------------------------------------------------------


def _message_change(
    tx: Tx, convs: ConvCache, n: notification_pb2.Notification, kind: str, fx: Effects
) -> None:
    if kind == "message_revoked":
        ev = n.message_revoked
        target = tx.message_at(ev.conversation_id, ev.seq)
        if target is not None and revoke_local(tx, target):
            convs.touch(ev.conversation_id)
            fx.message_updated(target, MessageChange.REVOKED)
    elif kind == "message_edited":
        ed = n.message_edited
        target = tx.message_at(ed.conversation_id, ed.seq)
        if target is not None and edit_local(tx, target, ed):
            convs.touch(ed.conversation_id)
            fx.message_updated(target, MessageChange.EDITED)
    else:
        dl = n.messages_deleted
        for msg in delete_local(tx, dl.conversation_id, list(dl.seqs)):
            fx.message_updated(msg, MessageChange.DELETED)
        convs.touch(dl.conversation_id)


def revoke_local(tx: Tx, target: ChatMessage) -> bool:
    """Marks a stored message revoked; False when it already was."""
    if target.status != MessageStatus.NORMAL:
        return False
    target.status = MessageStatus.REVOKED
    target.content = None
    tx.save_message(target)
    return True


def edit_local(tx: Tx, target: ChatMessage, ed: notification_pb2.MessageEdited) -> bool:
    """Replaces a stored message's content; False when it is not newer."""
    if ed.edit_version <= target.edit_version or target.status != MessageStatus.NORMAL:
        return False
    target.content = ed.content
    target.edited = True
    target.edit_version = ed.edit_version
    tx.save_message(target)
    return True


def delete_local(tx: Tx, conversation_id: str, seqs: list[int]) -> list[ChatMessage]:
    """Removes stored messages (deleted for everyone or for this user); returns
    those that were present."""
    tx.add_tombstones(conversation_id, seqs)
    gone = []
    for seq in seqs:
        target = tx.message_at(conversation_id, seq)
        if target is None:
            continue
        tx.delete_message(target.local_id)
        target.status = MessageStatus.DELETED
        target.content = None
        gone.append(target)
    return gone


# -- receipts ----------------------------------------------------------------


def _receipt(convs: ConvCache, n: notification_pb2.Notification, kind: str, fx: Effects) -> None:
    me = convs.me
    if kind == "read_receipt":
        rr = n.read_receipt
        target = convs.get(rr.conversation_id)
        if rr.reader_user_id == me:
            if rr.has_read_seq > target.has_read_seq:
                target.has_read_seq = rr.has_read_seq
                convs.touch(rr.conversation_id)
        elif rr.has_read_seq > target.peer_has_read_seq:
            target.peer_has_read_seq = rr.has_read_seq
            convs.touch(rr.conversation_id)
            fx.receipt(
                Receipt(rr.conversation_id, rr.reader_user_id, ReceiptKind.READ, rr.has_read_seq)
            )
        return
    dr = n.delivery_receipt
    target = convs.get(dr.conversation_id)
    if dr.receiver_user_id != me and dr.delivered_seq > target.peer_delivered_seq:
        target.peer_delivered_seq = dr.delivered_seq
        convs.touch(dr.conversation_id)
        fx.receipt(
            Receipt(
                dr.conversation_id, dr.receiver_user_id, ReceiptKind.DELIVERED, dr.delivered_seq
            )
        )


# -- friends -----------------------------------------------------------------


def _friend_event(tx: Tx, me: str, n: notification_pb2.Notification, kind: str, at_ms: int) -> str:
    """Applies a friend-graph event; returns the other user concerned."""
    if kind == "friend_applied":
        ev = n.friend_applied
        tx.save_user(user_from_proto(ev.from_user))
        tx.save_application(
            FriendApplication(
                from_user_id=ev.from_user.user_id,
                to_user_id=ev.to_user_id,
                message=ev.message,
                state=APP_PENDING,
                create_time_ms=at_ms,
            )
        )
        return ev.to_user_id if ev.from_user.user_id == me else ev.from_user.user_id
    if kind == "friend_added":
        fa = n.friend_added
        tx.save_user(user_from_proto(fa.from_user))
        tx.save_user(user_from_proto(fa.to_user))
        other = fa.to_user.user_id if fa.from_user.user_id == me else fa.from_user.user_id
        tx.save_friend(other, None, at_ms)
        _answer(tx, fa.from_user.user_id, fa.to_user.user_id, APP_ACCEPTED, "", at_ms)
        return other
    if kind == "friend_application_refused":
        rf = n.friend_application_refused
        _answer(tx, rf.from_user_id, rf.to_user_id, APP_REFUSED, rf.message, at_ms)
        return rf.to_user_id if rf.from_user_id == me else rf.from_user_id
    if kind == "friend_deleted":
        fd = n.friend_deleted
        other = fd.friend_user_id if fd.user_id == me else fd.user_id
        tx.delete_friend(other)
        return other
    if kind == "friend_remark_set":
        tx.set_friend_remark(n.friend_remark_set.friend_user_id, n.friend_remark_set.remark)
        return n.friend_remark_set.friend_user_id
    if kind == "blacklist_added":
        tx.block(n.blacklist_added.blocked_user_id, at_ms)
        return n.blacklist_added.blocked_user_id
    if kind == "blacklist_removed":
        tx.unblock(n.blacklist_removed.blocked_user_id)
        return n.blacklist_removed.blocked_user_id
    # profile_changed
    tx.save_user(user_from_proto(n.profile_changed.user))
    return n.profile_changed.user.user_id


def _answer(tx: Tx, from_id: str, to_id: str, state: int, message: str, at_ms: int) -> None:
    app = tx.application(from_id, to_id) or FriendApplication(from_id, to_id, create_time_ms=at_ms)
    app.state = state
    app.response_message = message or app.response_message
    app.handle_time_ms = at_ms
    tx.save_application(app)


# -- groups ------------------------------------------------------------------


def _group_event(
    tx: Tx, me: str, n: notification_pb2.Notification, kind: str, at_ms: int, fx: Effects
) -> str:
    """Applies a group event; returns the group id."""
    if kind in ("group_created", "group_info_changed"):
        info = n.group_created.group if kind == "group_created" else n.group_info_changed.group
        group = group_from_proto(info)
        old = tx.group(info.group_id)
        group.joined = True if kind == "group_created" else (old.joined if old else True)
        tx.save_group(group)
        if kind == "group_created":
            for uid in n.group_created.member_user_ids:
                role = ROLE_OWNER if uid == info.owner_user_id else ROLE_MEMBER
                tx.save_member(GroupMember(info.group_id, uid, role=role, join_time_ms=at_ms))
            fx.refresh_groups.add(info.group_id)
        return info.group_id
    if kind in ("members_joined", "members_invited"):
        ev = n.members_joined if kind == "members_joined" else n.members_invited
        for u in ev.users:
            tx.save_user(user_from_proto(u))
            if tx.member(ev.group_id, u.user_id) is None:
                tx.save_member(
                    GroupMember(
                        ev.group_id,
                        u.user_id,
                        nickname=u.nickname,
                        join_time_ms=at_ms,
                        inviter_user_id=n.op_user_id if kind == "members_invited" else "",
                    )
                )
            if u.user_id == me:
                _set_joined(tx, ev.group_id, True)
                fx.refresh_groups.add(ev.group_id)
        _count_members(tx, ev.group_id)
        return ev.group_id
    if kind in ("member_quit", "members_kicked"):
        if kind == "member_quit":
            group_id, gone = n.member_quit.group_id, [n.member_quit.user_id]
        else:
            group_id, gone = n.members_kicked.group_id, list(n.members_kicked.user_ids)
        tx.delete_members(group_id, gone)
        if me in gone:
            _set_joined(tx, group_id, False)
        _count_members(tx, group_id)
        return group_id
    if kind == "member_muted":
        mm = n.member_muted
        _update_member(tx, mm.group_id, mm.user_id, mute_end_time_ms=mm.mute_end_time_ms)
        return mm.group_id
    if kind == "group_muted":
        g = tx.group(n.group_muted.group_id)
        if g is not None and g.status != GROUP_DISMISSED:
            g.status = GROUP_MUTED if n.group_muted.muted else GROUP_ACTIVE
            tx.save_group(g)
        return n.group_muted.group_id
    if kind == "member_role_changed":
        rc = n.member_role_changed
        _update_member(tx, rc.group_id, rc.user_id, role=int(rc.role))
        return rc.group_id
    if kind == "owner_transferred":
        ot = n.owner_transferred
        _update_member(tx, ot.group_id, ot.old_owner_user_id, role=ROLE_ADMIN)
        _update_member(tx, ot.group_id, ot.new_owner_user_id, role=ROLE_OWNER)
        g = tx.group(ot.group_id)
        if g is not None:
            g.owner_user_id = ot.new_owner_user_id
            tx.save_group(g)
        return ot.group_id
    if kind == "group_dismissed":
        g = tx.group(n.group_dismissed.group_id)
        if g is not None:
            g.status = GROUP_DISMISSED
            tx.save_group(g)
        return n.group_dismissed.group_id
    if kind == "member_nickname_changed":
        nc = n.member_nickname_changed
        _update_member(tx, nc.group_id, nc.user_id, group_nickname=nc.nickname)
        return nc.group_id
    if kind == "group_join_requested":
        tx.save_user(user_from_proto(n.group_join_requested.user))
        return n.group_join_requested.group_id
    # group_join_refused
    return n.group_join_refused.group_id


def _set_joined(tx: Tx, group_id: str, joined: bool) -> None:
    from parley_sdk.models import Group

    g = tx.group(group_id) or Group(group_id)
    g.joined = joined
    tx.save_group(g)


def _count_members(tx: Tx, group_id: str) -> None:
    g = tx.group(group_id)
    members = tx.members(group_id)
    if g is not None and members:
        g.member_count = len(members)
        tx.save_group(g)


def _update_member(tx: Tx, group_id: str, user_id: str, **changes: object) -> None:
    member = tx.member(group_id, user_id) or GroupMember(group_id, user_id)
    for key, value in changes.items():
        setattr(member, key, value)
    tx.save_member(member)
