"""JSON shapes of hook payloads: protobuf messages in the proto3 JSON
mapping with the .proto field names (snake_case) and enum value names."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message as ProtoMessage

from parley.common.v1 import common_pb2
from parley.msg.v1 import content_pb2, message_pb2

Payload = dict[str, Any]


def to_json(message: ProtoMessage) -> Payload:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def enum_name(enum: Any, value: int) -> str:
    try:
        return str(enum.Name(value))
    except ValueError:
        return str(value)


def session_type_name(value: int) -> str:
    return enum_name(common_pb2.SessionType, value)


def platform_name(value: int) -> str:
    return enum_name(common_pb2.Platform, value)


def outgoing_payload(
    sender_id: str, sender_platform: int, om: message_pb2.OutgoingMessage
) -> Payload:
    """before.message.send: the message as sent, before it gets a seq."""
    return {
        "sender_id": sender_id,
        "sender_platform": platform_name(sender_platform),
        "session_type": session_type_name(om.session_type),
        "recv_id": om.recv_id,
        "group_id": om.group_id,
        "client_msg_id": om.client_msg_id,
        "content": to_json(om.content),
        "mentions": to_json(om.mentions),
        "extensions": dict(om.extensions),
        "silent": om.silent,
    }


def message_payload(msg: message_pb2.Message) -> Payload:
    """The stored message (server ids, seq, times, content)."""
    return to_json(msg)


def parse_content(doc: object) -> content_pb2.Content:
    """A replacement content from a before-send answer. Raises ValueError."""
    if not isinstance(doc, dict):
        raise ValueError("content must be a JSON object")
    content = content_pb2.Content()
    try:
        json_format.ParseDict(doc, content)
    except json_format.ParseError as e:
        raise ValueError(str(e)) from e
    return content
