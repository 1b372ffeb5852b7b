"""`parley-chat`: a terminal chat client built only on the SDK.

    parley-chat --address 127.0.0.1:50051 --token "$ALICE" --platform ios \\
                --device-id alice-laptop --db alice.db

Over TLS: `--tls` (a certificate of a public CA), or `--ca-file tls/cert.pem`
(the self-signed development certificate of `parley dev-cert`).

Lines you type are sent to the open conversation; `/help` lists commands.
Incoming messages, receipts and typing show up live; the bottom line shows
the connection state, the total unread count and who is typing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Any

from prompt_toolkit import PromptSession
from prompt_toolkit.patch_stdout import patch_stdout

from parley_sdk.chat.view import HELP, conversation_label, conversation_line, message_line
from parley_sdk.client import ParleyClient, group_conversation_id, single_conversation_id
from parley_sdk.errors import ParleyError
from parley_sdk.listeners import ParleyListener
from parley_sdk.models import (
    ChatMessage,
    ConnectionState,
    Conversation,
    MessageChange,
    Receipt,
    ReceiptKind,
    SendStatus,
    TypingEvent,
)
from parley_sdk.network import NetworkOptions

TYPING_SHOWN_S = 6.0
TYPING_RESEND_S = 3.0
TYPING_IDLE_S = 4.0


class ChatApp(ParleyListener):
    """The terminal client: listener output above, a prompt below."""

    def __init__(self, client: ParleyClient) -> None:
        self.client = client
        self.open_cid = ""
        self.state = ConnectionState.CONNECTING
        self.total_unread = 0
        self.names: dict[str, str] = {}
        self.listed: list[str] = []
        self.typing: dict[tuple[str, str], float] = {}
        self.synced_once = False
        self.oldest_shown = 0
        self.session: PromptSession[str] | None = None
        self._typing_sent = 0.0
        self._typing_stop: asyncio.TimerHandle | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    # -- output -------------------------------------------------------------

    def out(self, text: str) -> None:
        """Prints above the prompt."""
        print(text, flush=True)
        self.redraw()

    def redraw(self) -> None:
        if self.session is not None and self.session.app.is_running:
            self.session.app.invalidate()

    def toolbar(self) -> str:
        """The bottom line."""
        me = self.client.user_id or "?"
        parts = [f"[{self.state.value}] {me}", f"unread {self.total_unread}"]
        if self.open_cid:
            parts.append(f"chat: {self._label(self.open_cid)}")
        now = time.monotonic()
        typing = sorted(
            self.names.get(u, u)
            for (cid, u), until in self.typing.items()
            if until > now and cid == self.open_cid
        )
        if typing:
            parts.append(f"{', '.join(typing)} is typing...")
        return " | ".join(parts)

    def _label(self, cid: str) -> str:
        if cid.startswith("si_"):
            users = cid[3:].split("_")
            peer = next((u for u in users if u != self.client.user_id), users[0])
            return self.names.get(peer, peer)
        if cid.startswith("sg_"):
            return "#" + self.names.get(cid[3:], cid[3:])
        return "notifications"

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _number(self, cid: str, seq: int) -> int:
        """The number a person sees for a seq: receipts and other control
        events take seqs too, and would make the numbers skip."""
        return (await self.client.messages.numbers(cid, [seq])).get(seq, 0)

    async def _line(self, msg: ChatMessage) -> str:
        number = await self._number(msg.conversation_id, msg.seq)
        return message_line(msg, self.client.user_id, self.names, number)

    async def _learn_group(self, group_id: str) -> None:
        """Remembers a group's name (from the cache, else the server)."""
        if group_id in self.names:
            return
        group = await self.client.groups.get(group_id)
        if group is None:
            with contextlib.suppress(ParleyError):
                group = await self.client.groups.refresh_group(group_id)
        if group is not None and group.name:
            self.names[group_id] = group.name

    # -- listener -----------------------------------------------------------

    async def on_connection_state(self, state: ConnectionState, detail: str) -> None:
        self.state = state
        if state == ConnectionState.CONNECTED:
            self.out(f"[connected as {self.client.user_id}]")
        elif state == ConnectionState.KICKED:
            # The one notice of a kick (on_kicked reports the same event): the
            # state's detail says why, e.g. another login took this slot.
            self.out(f"[logged out by the server: {detail}]")
        elif state.terminal and state != ConnectionState.CLOSED:
            self.out(f"[{state.value}: {detail}]")
        self.redraw()

    async def on_sync_finished(self) -> None:
        if not self.synced_once:
            self.synced_once = True
            self.total_unread = await self.client.get_total_unread()
            await self.show_list()

    async def on_new_message(self, message: ChatMessage) -> None:
        me = self.client.user_id
        if message.group_id:
            await self._learn_group(message.group_id)
        if message.conversation_id == self.open_cid:
            self.out(await self._line(message))
            if message.sender_id != me and message.seq:
                self.typing.pop((message.conversation_id, message.sender_id), None)
                await self.client.mark_read(self.open_cid, message.seq)
        elif message.sender_id != me and not message.is_control_event:
            conv = await self.client.get_conversation(message.conversation_id)
            unread = conv.unread_count if conv is not None else 0
            who = self.names.get(message.sender_id, message.sender_id or "system")
            label = self._label(message.conversation_id)
            where = "" if label == who else f" in {label}"
            self.out(f"[new] {who}{where}: {message.text} ({unread} unread)")

    async def on_message_updated(self, message: ChatMessage, change: MessageChange) -> None:
        if message.conversation_id != self.open_cid:
            return
        if change == MessageChange.SENT:
            self.out(f"[sent #{await self._number(message.conversation_id, message.seq)}]")
        elif change == MessageChange.FAILED:
            self.out(f"[failed: {message.error}] {message.text}")
        elif change in (MessageChange.EDITED, MessageChange.REVOKED):
            self.out(f"[{change.value}] {await self._line(message)}")
        elif change == MessageChange.DELETED:
            self.out(f"[deleted #{await self._number(message.conversation_id, message.seq)}]")

    async def on_receipt(self, receipt: Receipt) -> None:
        if receipt.conversation_id == self.open_cid and receipt.kind == ReceiptKind.READ:
            who = self.names.get(receipt.user_id, receipt.user_id)
            upto = await self._number(receipt.conversation_id, receipt.seq)
            self.out(f"[{who} read up to #{upto}]")

    async def on_typing(self, event: TypingEvent) -> None:
        key = (event.conversation_id, event.user_id)
        if event.typing:
            self.typing[key] = time.monotonic() + TYPING_SHOWN_S
        else:
            self.typing.pop(key, None)
        self.redraw()

    async def on_total_unread_changed(self, total: int) -> None:
        self.total_unread = total
        self.redraw()

    async def on_conversation_changed(self, conversations: list[Conversation]) -> None:
        self.redraw()

    # -- typing out ---------------------------------------------------------

    def on_text_changed(self, text: str) -> None:
        """Tells the peer we are typing (at most every few seconds)."""
        if not self.open_cid or not text or text.startswith("/"):
            return
        now = time.monotonic()
        if now - self._typing_sent > TYPING_RESEND_S:
            self._typing_sent = now
            self._spawn(self.client.typing(self.open_cid, True))
        if self._typing_stop is not None:
            self._typing_stop.cancel()
        cid = self.open_cid
        self._typing_stop = asyncio.get_running_loop().call_later(
            TYPING_IDLE_S, lambda: self._stop_typing(cid)
        )

    def _stop_typing(self, cid: str) -> None:
        self._typing_sent = 0.0
        if self._typing_stop is not None:
            self._typing_stop.cancel()
            self._typing_stop = None
        self._spawn(self.client.typing(cid, False))

    # -- commands -----------------------------------------------------------

    async def load_names(self, convs: list[Conversation]) -> None:
        """Nicknames of the peers (from the profile cache, fetched when missing)."""
        peers = [
            c.peer_user_id for c in convs if c.peer_user_id and c.peer_user_id not in self.names
        ]
        if peers:
            with contextlib.suppress(ParleyError):
                for user in await self.client.get_users(peers):
                    self.names[user.user_id] = user.nickname or user.user_id
        for group in await self.client.groups.joined():
            self.names[group.group_id] = group.name or group.group_id

    async def show_list(self) -> None:
        convs = await self.client.get_conversations()
        await self.load_names(convs)
        self.listed = [c.conversation_id for c in convs]
        if not convs:
            self.out("no conversations yet; /open <user id> starts one")
            return
        self.out(f"conversations ({self.total_unread} unread):")
        for i, conv in enumerate(convs, 1):
            self.out(conversation_line(i, conv, self.names))

    async def resolve(self, target: str) -> str:
        """The conversation `/open` means: a number or a name from `/list`, a
        conversation id, `#group` (its name or id), or a user id that exists.
        Empty (and says why) when there is none: a chat with someone who does
        not exist would only hold failed sends."""
        if target.isdigit() and 1 <= int(target) <= len(self.listed):
            return self.listed[int(target) - 1]
        if target.startswith(("si_", "sg_", "n_")):
            return target
        for cid in self.listed:
            if self._label(cid) == target:
                return cid
        if target.startswith("#"):
            name = target[1:]
            for group in await self.client.groups.joined():
                if name in (group.name, group.group_id):
                    self.names.setdefault(group.group_id, group.name or group.group_id)
                    return group_conversation_id(group.group_id)
            self.out(f"[no group {target} among yours]")
            return ""
        found = await self.client.get_users([target])
        if not found:
            if self.state == ConnectionState.CONNECTED:
                self.out(f"[no user {target}]")
            else:
                self.out(f"[{target} is not known here; connect to look the user up]")
            return ""
        self.names[target] = found[0].nickname or target
        return single_conversation_id(self.client.user_id, target)

    async def open(self, target: str) -> None:
        cid = await self.resolve(target)
        if not cid:
            return
        self.open_cid = cid
        conv = await self.client.get_conversation(cid)
        label = conversation_label(conv, self.names) if conv is not None else self._label(cid)
        self.out(f"--- chat with {label} ---")
        shown = await self.client.get_history(cid, limit=20)
        self.oldest_shown = min((m.seq for m in shown if m.seq), default=0)
        await self._show(cid, shown)
        if conv is not None:
            await self.client.mark_read(cid)

    async def history(self, n: int) -> None:
        if not self.open_cid:
            self.out("open a conversation first")
            return
        if self.oldest_shown <= 1:
            self.out("(no older messages)")
            return
        older = await self.client.get_history(self.open_cid, before_seq=self.oldest_shown, limit=n)
        if not older:
            self.out("(no older messages)")
            self.oldest_shown = 0
            return
        self.oldest_shown = older[0].seq
        self.out(f"--- {len(older)} older ---")
        await self._show(self.open_cid, older)

    async def _show(self, cid: str, messages: list[ChatMessage]) -> None:
        numbers = await self.client.messages.numbers(cid, [m.seq for m in messages])
        for msg in messages:
            self.out(message_line(msg, self.client.user_id, self.names, numbers.get(msg.seq, 0)))

    async def send(self, text: str) -> None:
        if not self.open_cid:
            self.out("open a conversation first (/list, /open <n|user>)")
            return
        self._stop_typing(self.open_cid)
        msg = await self.client.send_text(self.open_cid, text)
        if msg.send_status == SendStatus.FAILED and msg.conversation_id != self.open_cid:
            self.out(f"[failed: {msg.error}]")

    async def handle(self, line: str) -> bool:
        """Runs one input line; False to quit."""
        line = line.strip()
        if not line:
            return True
        if not line.startswith("/"):
            self._spawn(self.send(line))
            return True
        cmd, _, arg = line.partition(" ")
        arg = arg.strip()
        try:
            if cmd in ("/quit", "/exit", "/q"):
                return False
            if cmd in ("/help", "/h", "/?"):
                self.out(HELP)
            elif cmd in ("/list", "/l"):
                await self.show_list()
            elif cmd in ("/open", "/o") and arg:
                await self.open(arg)
            elif cmd == "/history":
                await self.history(int(arg) if arg.isdigit() else 20)
            elif cmd == "/search" and arg:
                found = await self.client.search_messages(arg, limit=20)
                self.out(f"{len(found)} found:")
                for msg in reversed(found):
                    where = self._label(msg.conversation_id)
                    self.out(f"  [{where}] " + await self._line(msg))
            elif cmd == "/read" and self.open_cid:
                await self.client.mark_read(self.open_cid)
                self.out("[marked read]")
            elif cmd == "/edit" and self.open_cid:
                number, _, text = arg.partition(" ")
                seq = await self._seq(number)
                await self.client.edit_message(self.open_cid, seq, text)
            elif cmd == "/revoke" and self.open_cid and arg.isdigit():
                await self.client.revoke_message(self.open_cid, await self._seq(arg))
            elif cmd == "/delete" and self.open_cid and arg.isdigit():
                await self.client.delete_messages(self.open_cid, [await self._seq(arg)])
            elif cmd == "/resend" and self.open_cid:
                for msg in await self.client.get_history(self.open_cid, limit=200):
                    if msg.send_status == SendStatus.FAILED:
                        self._spawn(self.client.resend(msg))
            elif cmd == "/send-file" and self.open_cid and arg:
                self._spawn(self.send_file(self.open_cid, Path(arg)))
            elif cmd == "/save" and self.open_cid and " " in arg:
                number, _, dest = arg.partition(" ")
                await self.save(await self._seq(number), Path(dest.strip()))
            else:
                self.out(f"unknown or incomplete command {cmd!r}; /help lists them")
        except ParleyError as e:
            self.out(f"[error: {e.reason or e.code.name}: {e.message}]")
        except (ValueError, OSError) as e:
            self.out(f"[error: {e}]")
        return True

    async def send_file(self, conversation_id: str, path: Path) -> None:
        shown = [-1]

        def progress(done: int, total: int) -> None:
            tenth = done * 10 // max(total, 1)
            if tenth != shown[0]:
                shown[0] = tenth
                self.out(f"[{path.name}: {done * 100 // max(total, 1)}%]")

        try:
            await self.client.send_file(conversation_id, path, progress)
        except ParleyError as e:
            self.out(f"[error: {e.reason or e.code.name}: {e.message}]")
        except OSError as e:
            self.out(f"[error: {e}]")

    async def save(self, seq: int, dest: Path) -> None:
        msg = await self.client.get_message(self.open_cid, seq)
        content = msg.content if msg is not None else None
        file_id = ""
        if content is not None:
            file_id = content.file.file_id or content.image.original.file_id
            file_id = file_id or content.voice.file_id or content.video.file_id
        if not file_id:
            self.out("[that message holds no file]")
            return
        saved = await self.client.download_file(file_id, dest)
        self.out(f"[saved {saved} ({saved.stat().st_size} bytes)]")

    async def _seq(self, number: str) -> int:
        """The seq of a message number typed in a command (`#3` or `3`)."""
        return await self.client.messages.seq_of_number(self.open_cid, int(number.lstrip("#")))

    async def run(self) -> None:
        """Reads lines until /quit or end of input."""
        self.session = PromptSession(bottom_toolbar=self.toolbar, refresh_interval=0.5)
        self.session.default_buffer.on_text_changed += lambda buf: self.on_text_changed(buf.text)
        self.out("parley-chat: /help lists commands")
        with patch_stdout(raw=True):
            while True:
                try:
                    line = await self.session.prompt_async(self._prompt)
                except (EOFError, KeyboardInterrupt):
                    break
                if not await self.handle(line):
                    break
        for task in list(self._tasks):
            task.cancel()

    def _prompt(self) -> str:
        me = self.client.user_id or "?"
        return f"{me}@{self._label(self.open_cid)}> " if self.open_cid else f"{me}> "


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="parley-chat", description="Parley terminal chat client")
    p.add_argument("--address", default=os.environ.get("PARLEY_ADDRESS", "127.0.0.1:50051"))
    p.add_argument("--token", default=os.environ.get("PARLEY_TOKEN", ""), help="user token")
    p.add_argument("--tls", action="store_true", help="connect over TLS (system root certificates)")
    p.add_argument(
        "--ca-file",
        default=os.environ.get("PARLEY_CA_FILE", ""),
        help="PEM CA to trust instead, e.g. tls/cert.pem of `parley dev-cert` (implies --tls)",
    )
    p.add_argument("--platform", default="linux", help="the token's platform (ios, linux, ...)")
    p.add_argument("--device-id", default="", help="stable id of this device")
    p.add_argument("--db", default="", help="SQLite file of this user (default: ./<device>.db)")
    p.add_argument("--log-file", default="", help="write SDK logs here")
    args = p.parse_args(argv)
    if not args.token:
        p.error("--token (or PARLEY_TOKEN) is required")
    if not args.device_id:
        args.device_id = f"parley-chat-{os.uname().nodename}"
    if not args.db:
        args.db = str(Path.cwd() / f"{args.device_id}.db")
    return args


async def amain(args: argparse.Namespace) -> int:
    network = NetworkOptions(tls=args.tls, ca_file=args.ca_file or None)
    client = ParleyClient(
        args.address, args.token, args.platform, args.device_id, db_path=args.db, network=network
    )
    app = ChatApp(client)
    client.add_listener(app)
    tls = ", TLS" if network.credentials() is not None else ""
    print(f"parley-chat: connecting to {args.address} (store {args.db}{tls})", flush=True)
    async with client:
        await app.run()
    return 0


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of `parley-chat`."""
    args = parse_args(argv)
    if args.log_file:
        logging.basicConfig(filename=args.log_file, level=logging.INFO)
    else:
        logging.disable(logging.WARNING)
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(asyncio.run(amain(args)))


if __name__ == "__main__":
    main()
