"""Plain-text rendering of conversations and messages for the terminal client."""

from __future__ import annotations

import time

from parley_sdk.models import ChatMessage, Conversation, SendStatus, SessionType

HELP = """commands:
  /list                     conversations with unread counts
  /open <n|user|conv-id>    open a conversation (shows history, marks it read)
  /history [n]              n older messages of the open conversation
  /search <words>           search the local messages
  /read                     mark the open conversation read
  /edit <n> <text>          edit one of your messages
  /revoke <n>               revoke one of your messages
  /delete <n>               delete a message for yourself
  /resend                   resend your failed messages in the open conversation
  /send-file <path>         upload a file (or picture) and send it to the open conversation
  /save <n> <path>          save the file or picture of message n at path
  /help                     this text
  /quit                     leave (also Ctrl-D)
<n> is the number shown before a message (#n); #- is a message still being sent.
/open takes what /list shows: its number, a name (#group for a group) or a user id.
anything else is sent to the open conversation"""


def clock(ms: int) -> str:
    """HH:MM of a Unix-millisecond time."""
    return time.strftime("%H:%M", time.localtime(ms / 1000)) if ms else "--:--"


def conversation_label(conv: Conversation, names: dict[str, str]) -> str:
    """A short name for a conversation."""
    if conv.session_type == SessionType.SINGLE:
        return names.get(conv.peer_user_id, conv.peer_user_id)
    if conv.session_type == SessionType.GROUP:
        return "#" + names.get(conv.group_id, conv.group_id)
    return "notifications"


def conversation_line(index: int, conv: Conversation, names: dict[str, str]) -> str:
    """One line of the conversation list."""
    flags = ""
    if conv.pinned:
        flags += " [pinned]"
    if conv.muted:
        flags += " [muted]"
    unread = f" ({conv.unread_count} unread)" if conv.unread_count else ""
    latest = conv.latest_message.text if conv.latest_message is not None else ""
    if len(latest) > 40:
        latest = latest[:39] + "~"
    return f"{index:>3}. {conversation_label(conv, names)}{unread}{flags}  {latest}"


def message_line(msg: ChatMessage, me: str, names: dict[str, str], number: int = 0) -> str:
    """One line of history; `number` is the message's number in the conversation
    (0 while it is being sent)."""
    who = "me" if msg.sender_id == me else names.get(msg.sender_id, msg.sender_id or "system")
    seq = f"#{number}" if number else "#-"
    text = msg.text
    if msg.edited and not msg.is_event:
        text += " (edited)"
    if msg.is_event:
        return f"{seq} {clock(msg.server_time_ms)} * {text}"
    status = ""
    if msg.sender_id == me:
        status = {
            SendStatus.SENDING: " (sending)",
            SendStatus.FAILED: f" (failed: {msg.error})",
        }.get(msg.send_status, "")
    return f"{seq} {clock(msg.server_time_ms or msg.send_time_ms)} {who}: {text}{status}"
