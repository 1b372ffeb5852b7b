"""`parley admin …`: the operator CLI over AdminService (and AuthService for
the admin token).

The server address comes from --address or PARLEY_ADDRESS; the admin secret
from --secret, PARLEY_ADMIN_SECRET, or the data directory's `admin_secret`
file (--data-dir / PARLEY_DATA_DIR, default ./data). --token or
PARLEY_ADMIN_TOKEN skips the secret. --json prints machine-readable output."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message

from parley.admin.v1 import admin_pb2, admin_pb2_grpc
from parley.auth.v1 import auth_pb2, auth_pb2_grpc
from parley.common.v1 import common_pb2

P = common_pb2.Platform
PAGE = 500


class CliError(Exception):
    pass


# -- arguments ---------------------------------------------------------------


def register(sub: Any) -> None:
    """Adds the `admin` command to `parley`'s subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--address", help="server host:port (PARLEY_ADDRESS, default 127.0.0.1:50051)"
    )
    common.add_argument(
        "--secret", help="admin secret (PARLEY_ADMIN_SECRET, or DATA_DIR/admin_secret)"
    )
    common.add_argument(
        "--data-dir", type=Path, help="where admin_secret is (PARLEY_DATA_DIR, ./data)"
    )
    common.add_argument("--token", help="an admin token instead of the secret (PARLEY_ADMIN_TOKEN)")
    common.add_argument("--json", action="store_true", help="print JSON instead of tables")
    common.add_argument("--tls", action="store_true", help="connect over TLS (system roots)")
    common.add_argument(
        "--ca-file", help="PEM CA to trust instead, e.g. tls/cert.pem (PARLEY_CA_FILE; TLS)"
    )
    common.add_argument("--cert", help="client certificate PEM, when the server asks (mutual TLS)")
    common.add_argument("--key", help="the client certificate's private key PEM")
    common.add_argument("--timeout", type=float, default=30.0, help="seconds per call (default 30)")

    admin = sub.add_parser("admin", help="operate a running server (statistics, users, notices)")
    cmds = admin.add_subparsers(dest="admin_command", required=True)

    cmds.add_parser("token", parents=[common], help="print an admin token")

    stats = cmds.add_parser("stats", parents=[common], help="per-day statistics and who is online")
    stats.add_argument("--from", dest="start", help="first day YYYY-MM-DD (UTC)")
    stats.add_argument("--to", dest="end", help="last day YYYY-MM-DD (default today, UTC)")
    stats.add_argument("--days", type=int, default=7, help="days up to --to when --from is not set")

    users = cmds.add_parser("users", help="list, show, block and unblock users")
    ucmds = users.add_subparsers(dest="users_command", required=True)
    ls = ucmds.add_parser("list", parents=[common], help="list or search users")
    ls.add_argument("--keyword", default="", help="user id prefix or nickname substring")
    ls.add_argument("--blocked", action="store_true", help="only blocked users")
    ls.add_argument("--limit", type=int, default=50, help="at most this many (0: all)")
    get = ucmds.add_parser("get", parents=[common], help="one user with devices")
    get.add_argument("user_id")
    block = ucmds.add_parser("block", parents=[common], help="block a user and close their streams")
    block.add_argument("user_id")
    block.add_argument("--reason", default="", help="recorded for operators")
    unblock = ucmds.add_parser("unblock", parents=[common], help="unblock a user")
    unblock.add_argument("user_id")

    logout = cmds.add_parser("logout", parents=[common], help="force a user's devices to log out")
    logout.add_argument("user_id")
    logout.add_argument(
        "--platform", default="all", help="ios, android, windows, macos, linux, web, … or all"
    )

    notify = cmds.add_parser("notify", parents=[common], help="send a system notification")
    who = notify.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", action="append", dest="users", help="a receiver (repeatable)")
    who.add_argument("--all", action="store_true", help="every registered user")
    notify.add_argument("--text", required=True, help="body text")
    notify.add_argument("--title", default="")
    notify.add_argument("--url", default="")
    notify.add_argument("--extension", default="", help="app-defined data")


# -- connection --------------------------------------------------------------


class Client:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.address = args.address or os.environ.get("PARLEY_ADDRESS") or "127.0.0.1:50051"
        self.timeout = args.timeout
        self.channel = _channel(self.address, args)
        self.auth = auth_pb2_grpc.AuthServiceStub(self.channel)
        self.admin = admin_pb2_grpc.AdminServiceStub(self.channel)
        self._token = args.token or os.environ.get("PARLEY_ADMIN_TOKEN", "")

    def secret(self) -> str:
        if self.args.secret:
            return str(self.args.secret)
        env = os.environ.get("PARLEY_ADMIN_SECRET", "")
        if env:
            return env
        data_dir = self.args.data_dir or Path(os.environ.get("PARLEY_DATA_DIR", "data"))
        path = Path(data_dir) / "admin_secret"
        try:
            return path.read_text().strip()
        except OSError as e:
            raise CliError(
                f"no admin secret: pass --secret, set PARLEY_ADMIN_SECRET, or point --data-dir "
                f"at the server's data directory ({path}: {e.strerror})"
            ) from e

    def admin_token(self) -> tuple[str, int]:
        resp = self.auth.GetAdminToken(
            auth_pb2.GetAdminTokenRequest(secret=self.secret(), admin_id="parley-cli"),
            timeout=self.timeout,
        )
        return resp.token, resp.expire_time_ms

    def metadata(self) -> tuple[tuple[str, str]]:
        if not self._token:
            self._token, _ = self.admin_token()
        return (("authorization", f"Bearer {self._token}"),)

    def call(self, method: Callable[..., Any], request: Message) -> Any:
        return method(request, metadata=self.metadata(), timeout=self.timeout)

    def close(self) -> None:
        self.channel.close()


def _channel(address: str, args: argparse.Namespace) -> grpc.Channel:
    ca = args.ca_file or os.environ.get("PARLEY_CA_FILE", "")
    channel: grpc.Channel
    if not (ca or args.tls or args.cert):
        channel = grpc.insecure_channel(address)
        return channel
    if bool(args.cert) != bool(args.key):
        raise CliError("--cert and --key go together")

    def read(path: str | None) -> bytes | None:
        if not path:
            return None
        try:
            return Path(path).read_bytes()
        except OSError as e:
            raise CliError(f"{path}: {e.strerror}") from e

    creds = grpc.ssl_channel_credentials(read(ca), read(args.key), read(args.cert))
    channel = grpc.secure_channel(address, creds)
    return channel


# -- output ------------------------------------------------------------------


def _to_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(
        message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
    )


def _print_json(doc: object) -> None:
    print(json.dumps(doc, indent=2, ensure_ascii=False))


def _time(ms: int) -> str:
    if not ms:
        return "-"
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def _platform(value: int) -> str:
    return P.Name(value).removeprefix("PLATFORM_").lower()  # type: ignore[arg-type]


def _console() -> Any:
    from rich.console import Console

    return Console()


def _user_table(users: Sequence[admin_pb2.AdminUser], title: str | None = None) -> Any:
    from rich.table import Table

    table = Table(title=title)
    for col in ("user", "nickname", "registered", "last active", "devices", "blocked"):
        table.add_column(col)
    for u in users:
        devices = ", ".join(f"{_platform(d.platform)}:{d.device_id}" for d in u.devices)
        table.add_row(
            u.user.user_id,
            u.user.nickname,
            _time(u.user.create_time_ms),
            _time(u.last_active_time_ms),
            devices or "offline",
            "yes" if u.blocked else "",
        )
    return table


# -- commands ----------------------------------------------------------------


def _cmd_token(c: Client) -> None:
    token, expire = c.admin_token()
    if c.args.json:
        _print_json({"token": token, "expire_time_ms": expire})
    else:
        print(token)
        print(f"expires {_time(expire)}", file=sys.stderr)


def _cmd_stats(c: Client) -> None:
    today = dt.datetime.now(dt.UTC).date()
    end = dt.date.fromisoformat(c.args.end) if c.args.end else today
    if c.args.start:
        start = dt.date.fromisoformat(c.args.start)
    else:
        start = end - dt.timedelta(days=max(1, c.args.days) - 1)
    resp = c.call(
        c.admin.GetStatistics,
        admin_pb2.GetStatisticsRequest(start_date=start.isoformat(), end_date=end.isoformat()),
    )
    if c.args.json:
        _print_json(_to_dict(resp))
        return
    from rich.table import Table

    table = Table(title=f"Parley statistics {start} … {end} (UTC)")
    # Short headers: the table fits 80 columns (pipes and CI logs).
    headers = ("day", "users", "new", "active", "1:1 msgs", "grp msgs", "new grps", "act grps")
    for h in headers:
        table.add_column(h, justify="left" if h == "day" else "right", no_wrap=True)
    for d in resp.days:
        table.add_row(
            d.date,
            *(
                f"{v:,}"
                for v in (
                    d.total_users,
                    d.new_users,
                    d.active_users,
                    d.single_messages,
                    d.group_messages,
                    d.groups_created,
                    d.active_groups,
                )
            ),
        )
    console = _console()
    console.print(table)
    console.print(
        f"now: {resp.total_users:,} users registered, {resp.online_users:,} online, "
        f"{resp.open_streams:,} open streams"
    )


def _list_users(c: Client) -> list[admin_pb2.AdminUser]:
    out: list[admin_pb2.AdminUser] = []
    token = ""
    limit = c.args.limit
    while True:
        size = PAGE if limit <= 0 else min(PAGE, limit - len(out))
        resp = c.call(
            c.admin.ListUsers,
            admin_pb2.ListUsersRequest(
                keyword=c.args.keyword,
                blocked_only=c.args.blocked,
                page=common_pb2.PageRequest(page_token=token, page_size=size),
            ),
        )
        out.extend(resp.users)
        token = resp.page.next_page_token
        if not token or (limit > 0 and len(out) >= limit):
            return out


def _cmd_users(c: Client) -> None:
    cmd = c.args.users_command
    console = None if c.args.json else _console()
    if cmd == "list":
        users = _list_users(c)
        if console is None:
            _print_json([_to_dict(u) for u in users])
        else:
            console.print(_user_table(users, f"{len(users)} user(s)"))
    elif cmd == "get":
        resp = c.call(c.admin.GetUser, admin_pb2.GetUserRequest(user_id=c.args.user_id))
        if console is None:
            _print_json(_to_dict(resp.user))
            return
        console.print(_user_table([resp.user]))
        if resp.user.devices:
            from rich.table import Table

            table = Table(title="devices")
            for col in ("device", "platform", "sdk", "connected", "node"):
                table.add_column(col)
            for d in resp.user.devices:
                table.add_row(
                    d.device_id,
                    _platform(d.platform),
                    d.sdk_version,
                    _time(d.connect_time_ms),
                    d.node_id,
                )
            console.print(table)
    elif cmd == "block":
        block = c.call(
            c.admin.BlockUser,
            admin_pb2.BlockUserRequest(user_id=c.args.user_id, reason=c.args.reason),
        )
        _report(
            c,
            {"user_id": c.args.user_id, "blocked": True, "closed_streams": block.closed_streams},
            f"{c.args.user_id} blocked; {block.closed_streams} stream(s) closed",
        )
    elif cmd == "unblock":
        c.call(c.admin.UnblockUser, admin_pb2.UnblockUserRequest(user_id=c.args.user_id))
        _report(c, {"user_id": c.args.user_id, "blocked": False}, f"{c.args.user_id} unblocked")


def _report(c: Client, doc: dict[str, Any], text: str) -> None:
    if c.args.json:
        _print_json(doc)
    else:
        print(text)


def _parse_platform(name: str) -> int:
    if name.lower() in ("all", ""):
        return P.PLATFORM_UNSPECIFIED
    key = "PLATFORM_" + name.upper().replace("-", "_")
    if key not in P.keys() or key == "PLATFORM_ADMIN":
        names = ", ".join(_platform(v) for v in P.values() if v not in (0, P.PLATFORM_ADMIN))
        raise CliError(f"unknown platform {name!r}; one of: all, {names}")
    return int(P.Value(key))


def _cmd_logout(c: Client) -> None:
    platform = _parse_platform(c.args.platform)
    resp = c.call(
        c.admin.ForceLogout,
        admin_pb2.ForceLogoutRequest(user_id=c.args.user_id, platform=platform),  # type: ignore[arg-type]
    )
    _report(
        c,
        {"user_id": c.args.user_id, "closed_streams": resp.closed_streams},
        f"{c.args.user_id} logged out ({c.args.platform}); {resp.closed_streams} stream(s) closed",
    )


def _notice(c: Client, user_ids: Sequence[str]) -> admin_pb2.SendSystemNotificationRequest:
    return admin_pb2.SendSystemNotificationRequest(
        user_ids=user_ids,
        title=c.args.title,
        text=c.args.text,
        url=c.args.url,
        extension=c.args.extension,
    )


def _cmd_notify(c: Client) -> None:
    if not c.args.all:
        resp = c.call(c.admin.SendSystemNotification, _notice(c, c.args.users))
        _report(
            c,
            {"delivered_users": resp.delivered_users},
            f"delivered to {resp.delivered_users} user(s)",
        )
        return
    # Everyone: page through the users and send page by page, so a long
    # broadcast shows progress (and the server's work is cut into calls).
    delivered = 0
    token = ""
    progress = None
    task = None
    if not c.args.json:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        progress = Progress(
            TextColumn("notifying"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=_console(),
        )
        progress.start()
    try:
        while True:
            page = c.call(
                c.admin.ListUsers,
                admin_pb2.ListUsersRequest(
                    page=common_pb2.PageRequest(page_token=token, page_size=PAGE)
                ),
            )
            if progress is not None and task is None:
                task = progress.add_task("notify", total=max(page.page.total, 0) or None)
            ids = [u.user.user_id for u in page.users]
            if ids:
                resp = c.call(c.admin.SendSystemNotification, _notice(c, ids))
                delivered += resp.delivered_users
                if progress is not None and task is not None:
                    progress.update(task, completed=delivered)
            token = page.page.next_page_token
            if not token:
                break
    finally:
        if progress is not None:
            progress.stop()
    _report(c, {"delivered_users": delivered}, f"delivered to {delivered} user(s)")


COMMANDS: dict[str, Callable[[Client], None]] = {
    "token": _cmd_token,
    "stats": _cmd_stats,
    "users": _cmd_users,
    "logout": _cmd_logout,
    "notify": _cmd_notify,
}


def run(args: argparse.Namespace) -> int:
    try:
        client = Client(args)
    except CliError as e:
        print(f"parley admin: {e}", file=sys.stderr)
        return 2
    try:
        COMMANDS[args.admin_command](client)
        return 0
    except CliError as e:
        print(f"parley admin: {e}", file=sys.stderr)
        return 2
    except ValueError as e:  # a malformed date
        print(f"parley admin: {e}", file=sys.stderr)
        return 2
    except grpc.RpcError as e:
        print(f"parley admin: {_describe(e)}", file=sys.stderr)
        return 1
    finally:
        client.close()


def _describe(e: grpc.RpcError) -> str:
    code = e.code().name if hasattr(e, "code") else "UNKNOWN"
    details = e.details() if hasattr(e, "details") else str(e)
    reason = ""
    if hasattr(e, "trailing_metadata"):
        from google.rpc import error_details_pb2, status_pb2

        for key, value in e.trailing_metadata() or ():
            if key == "grpc-status-details-bin":
                for d in status_pb2.Status.FromString(value).details:
                    info = error_details_pb2.ErrorInfo()
                    if d.Unpack(info):
                        reason = info.reason
    return f"{code} {reason}: {details}" if reason else f"{code}: {details}"
