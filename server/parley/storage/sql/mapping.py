"""Records (storage/records.py) to and from the rows of the SQL tables.

The field names of a record are its table's column names, so a row maps to a
record by name. The writers' parameter lists are built by one plain function
per hot type (a dict display is several times faster than a generic walk of
the fields, and the send path writes two entries per message)."""

from __future__ import annotations

from dataclasses import fields
from typing import Any, TypeVar

from parley.storage.batch import HiddenMark, MessageUpdate
from parley.storage.records import Conversation, UserConversation

R = TypeVar("R")


def record(cls: type[R], row: Any) -> R:
    """The record of a row selected with all the columns of its table."""
    return cls(**row._mapping)


_NAMES: dict[type, tuple[str, ...]] = {}


def columns(rec: Any) -> dict[str, Any]:
    """Every field of a record as a column value (for the cold paths: one
    group, one user, one request at a time)."""
    names = _NAMES.get(type(rec))
    if names is None:
        names = _NAMES[type(rec)] = tuple(f.name for f in fields(rec))
    return {name: getattr(rec, name) for name in names}


def conversation_columns(c: Conversation) -> dict[str, Any]:
    return {
        "conversation_id": c.conversation_id,
        "session_type": c.session_type,
        "max_seq": c.max_seq,
        "version": c.version,
        "update_time_ms": c.update_time_ms,
    }


def membership_columns(uc: UserConversation) -> dict[str, Any]:
    return {
        "user_id": uc.user_id,
        "conversation_id": uc.conversation_id,
        "session_type": uc.session_type,
        "peer_user_id": uc.peer_user_id,
        "group_id": uc.group_id,
        "min_seq": uc.min_seq,
        "has_read_seq": uc.has_read_seq,
        "delivered_seq": uc.delivered_seq,
        "pinned": uc.pinned,
        "receive_option": uc.receive_option,
        "draft": uc.draft,
        "draft_time_ms": uc.draft_time_ms,
        "extension": uc.extension,
        "version": uc.version,
        "create_time_ms": uc.create_time_ms,
    }


def update_params(u: MessageUpdate) -> dict[str, Any]:
    """Parameters of SqlMessageStore's update statement (its bind names
    differ from the columns: SQLAlchemy reserves the column names for SET)."""
    return {
        "b_conv": u.conversation_id,
        "b_seq": u.seq,
        "b_status": u.status,
        "b_body": u.body,
        "b_text": u.search_text,
    }


def hidden_columns(h: HiddenMark) -> dict[str, Any]:
    return {"user_id": h.user_id, "conversation_id": h.conversation_id, "seq": h.seq}
