"""One check of every request's fields, made where each request is decoded
(unary calls and every frame of the stream), before any servicer sees it.

Generic, from the descriptors: every enum field anywhere in a request
(nested, repeated, map values) holds a value the contract defines. Proto3
enums are open: an unknown number parses fine, and was stored or silently
ignored. Declarative, from RULES: the bounds the descriptors cannot tell
(seqs, TTLs, pages, ids, list sizes).

Only values a request sets are checked. Whether a field is required stays
with the servicer, after authentication, so an empty request's status
depends on the caller alone."""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message

from parley.config import Settings
from parley.errors import R, exhausted, invalid
from parley.ids import check_user_id

# Seqs stay exact in every client language's numbers (JavaScript's too).
MAX_SEQ = 2**53 - 1
Bound = int | Callable[[Settings], int]


@dataclass(frozen=True)
class Rule:
    """Bounds of one field, applied to each value of a repeated field."""

    low: int | None = None
    high: Bound | None = None
    chars: int | None = None
    # Raises (with the field's path in the message) when a value is malformed.
    form: Callable[[str, str], object] | None = None
    items: Bound | None = None
    reason: int = R.ERROR_REASON_INVALID_ARGUMENT


SEQ = Rule(low=1, high=MAX_SEQ, reason=R.ERROR_REASON_SEQ_OUT_OF_RANGE)
SEQS = Rule(low=1, high=MAX_SEQ, items=100, reason=R.ERROR_REASON_SEQ_OUT_OF_RANGE)
NON_NEGATIVE = Rule(low=0)
USER_ID = Rule(form=check_user_id)
CONVERSATION_ID = Rule(chars=140)
GROUP_ID = Rule(chars=64)

# By full field name.
RULES: dict[str, Rule] = {
    "parley.msg.v1.SeqRange.begin": SEQ,
    # Past the conversation's max a range simply reads to its end.
    "parley.msg.v1.SeqRange.end": NON_NEGATIVE,
    "parley.msg.v1.MarkReadRequest.has_read_seq": SEQ,
    "parley.gateway.v1.MarkReadFrame.has_read_seq": SEQ,
    "parley.msg.v1.AckDeliveryRequest.delivered_seq": SEQ,
    "parley.gateway.v1.DeliveryAckFrame.delivered_seq": SEQ,
    "parley.msg.v1.RevokeMessageRequest.seq": SEQ,
    "parley.msg.v1.EditMessageRequest.seq": SEQ,
    "parley.msg.v1.MessageSummary.seq": SEQ,
    "parley.msg.v1.DeleteMessagesRequest.seqs": SEQS,
    "parley.msg.v1.GetMessageReceiptsRequest.seqs": SEQS,
    "parley.auth.v1.IssueUserTokenRequest.ttl_seconds": Rule(
        low=0, high=lambda s: s.auth.max_user_token_ttl_seconds
    ),
    "parley.msg.v1.OutgoingMessage.send_time_ms": NON_NEGATIVE,
    "parley.msg.v1.SearchMessagesRequest.start_time_ms": NON_NEGATIVE,
    "parley.msg.v1.SearchMessagesRequest.end_time_ms": NON_NEGATIVE,
    "parley.conversation.v1.ListConversationsRequest.since_version": NON_NEGATIVE,
    # Above the largest page a page is clamped, not refused.
    "parley.common.v1.PageRequest.page_size": NON_NEGATIVE,
    # Opaque (each list reads its own): only its size is bounded here.
    "parley.common.v1.PageRequest.page_token": Rule(chars=128),
    "parley.msg.v1.GetSeqsRequest.conversation_ids": Rule(chars=140, items=500),
    "parley.user.v1.GetOnlineStatusRequest.user_ids": Rule(form=check_user_id, items=500),
    "parley.user.v1.SubscribeOnlineStatusRequest.subscribe_user_ids": Rule(
        form=check_user_id, items=1000
    ),
    "parley.gateway.v1.SubscribePresenceFrame.subscribe_user_ids": Rule(
        form=check_user_id, items=1000
    ),
    "parley.gateway.v1.ClientFrame.request_id": Rule(chars=64),
    "parley.gateway.v1.AuthFrame.device_id": Rule(chars=128),
    "parley.user.v1.SubscribeOnlineStatusRequest.device_id": Rule(chars=128),
    "parley.gateway.v1.HeartbeatRequest.device_id": Rule(chars=128),
    "parley.auth.v1.GetAdminTokenRequest.admin_id": Rule(chars=64),
}

# By field name, in any message: what these names hold is the same everywhere.
RULES_BY_NAME: dict[str, Rule] = {
    **dict.fromkeys(
        (
            "user_id",
            "user_ids",
            "to_user_id",
            "from_user_id",
            "new_owner_user_id",
            "member_user_ids",
            "admin_user_ids",
            "unsubscribe_user_ids",
            "recv_id",
            "sender_id",
        ),
        USER_ID,
    ),
    "conversation_id": CONVERSATION_ID,
    "conversation_ids": CONVERSATION_ID,
    "group_id": GROUP_ID,
    "group_ids": GROUP_ID,
}


@dataclass(frozen=True)
class _Field:
    """One field to check, of a message type's few: fields with nothing to
    check in them (a text content, a ping) are never read."""

    name: str
    rule: Rule | None
    enum: EnumDescriptor | None
    # A message inside which something is checked.
    message: bool
    repeated: bool
    # Read only when HasField says it is set (messages, oneof members, `optional`).
    presence: bool
    # Map fields: the entries' values are checked, as `enum` and `message` say.
    is_map: bool


def _field(f: FieldDescriptor) -> _Field | None:
    rule = RULES.get(f.full_name) or RULES_BY_NAME.get(f.name)
    sub = f.message_type
    if sub is not None and sub.GetOptions().map_entry:
        value = _field(sub.fields_by_name["value"])
        if value is None:
            return None
        return _Field(f.name, None, value.enum, value.message, True, False, True)
    enum = f.enum_type
    # A type that contains itself is taken as checked; its plan is ready by then.
    message = sub is not None and (sub.full_name in _planning or _plan(sub).checks)
    if rule is None and enum is None and not message:
        return None
    return _Field(f.name, rule, enum, message, f.is_repeated, f.has_presence, False)


@dataclass(frozen=True)
class _Plan:
    """The fields to check of one message type."""

    fields: tuple[_Field, ...]
    # Members of each oneof with something to check; one WhichOneof finds the set one.
    oneofs: tuple[tuple[str, dict[str, _Field]], ...]

    @property
    def checks(self) -> bool:
        return bool(self.fields or self.oneofs)


_planning: set[str] = set()


@functools.cache
def _plan(desc: Descriptor) -> _Plan:
    _planning.add(desc.full_name)
    try:
        fields, oneofs = [], []
        for group in desc.oneofs:
            members = {x.name: x for x in map(_field, group.fields) if x is not None}
            if members:
                oneofs.append((group.name, members))
        for f in desc.fields:
            checked = _field(f) if f.containing_oneof is None else None
            if checked is not None:
                fields.append(checked)
        return _Plan(tuple(fields), tuple(oneofs))
    finally:
        _planning.discard(desc.full_name)


class Validator:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check(self, request: Message, size: int) -> None:
        """Raises ParleyError for the first field out of bounds."""
        most = self.settings.limits.max_frame_bytes
        if size > most:
            raise exhausted(
                R.ERROR_REASON_FRAME_TOO_LARGE,
                f"request of {size} bytes exceeds the {most} bytes max_frame_bytes",
            )
        self._message(request, "")

    def _message(self, msg: Message, prefix: str) -> None:
        plan = _plan(msg.DESCRIPTOR)
        for group, members in plan.oneofs:
            name = msg.WhichOneof(group)  # type: ignore[arg-type]
            if name in members:
                self._field(msg, members[name], prefix)
        for f in plan.fields:
            if f.presence and not msg.HasField(f.name):
                continue
            self._field(msg, f, prefix)

    def _field(self, msg: Message, f: _Field, prefix: str) -> None:
        value = getattr(msg, f.name)
        if value or f.presence:  # a value given (proto3 cannot tell the default from none)
            path = prefix + f.name
            if f.is_map:
                self._map(f, value, path)
                return
            values: Iterable[Any] = value if f.repeated else (value,)
            if f.rule is not None:
                self._apply(f.rule, value, values, path)
            if f.enum is not None:
                for v in values:
                    _check_enum(f.enum, v, path)
            elif f.message:
                if f.repeated:
                    for i, v in enumerate(values):
                        self._message(v, f"{path}[{i}].")
                else:
                    self._message(value, path + ".")

    def _map(self, f: _Field, entries: Any, path: str) -> None:
        for key, v in entries.items():
            if f.enum is not None:
                _check_enum(f.enum, v, f"{path}[{key!r}]")
            elif f.message:
                self._message(v, f"{path}[{key!r}].")

    def _bound(self, bound: Bound) -> int:
        return bound if isinstance(bound, int) else bound(self.settings)

    def _apply(self, rule: Rule, value: Any, values: Iterable[Any], path: str) -> None:
        if rule.items is not None and len(value) > self._bound(rule.items):
            raise invalid(f"{path}: at most {self._bound(rule.items)} values")
        for v in values:
            if isinstance(v, str):
                if rule.chars is not None and len(v) > rule.chars:
                    raise invalid(f"{path} is longer than {rule.chars} chars")
                if rule.form is not None:
                    rule.form(v, path)
                continue
            low = rule.low
            high = None if rule.high is None else self._bound(rule.high)
            if low is not None and v < low:
                raise invalid(f"{path} must be at least {low}, not {v}", rule.reason)
            if high is not None and v > high:
                raise invalid(f"{path} must be at most {high}, not {v}", rule.reason)


def _check_enum(enum: EnumDescriptor, value: int, path: str) -> None:
    if value not in enum.values_by_number:
        raise invalid(f"{path}: {value} is not a {enum.name} value")
