"""Log setup: human text or JSON lines, both carrying the request id.

Log calls never include message content: records carry ids, counts and
reasons only, so logs can be shipped to shared systems without leaking chats."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

from parley.observability.requests import REQUEST_ID
from parley.observability.stray_lines import relay_stderr

if TYPE_CHECKING:
    from sys import UnraisableHookArgs

# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


QUIET_LIBRARIES = ("aiosqlite", "grpc", "aiohttp", "asyncio", "pymongo", "redis", "nats")
# Libraries whose INFO lines are start-up chatter (Alembic's "Context impl
# SQLiteImpl", "Will assume non-transactional DDL"): shown at DEBUG only.
CHATTY_LIBRARIES = ("sqlalchemy", "alembic")

log = logging.getLogger("parley")
# Set by configure(): announce() then writes a record instead of a plain line.
_json = False
_json_out: TextIO | None = None


class RequestIdFilter(logging.Filter):
    """Stamps the current request id (a context variable) on each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, request_id, the
    record's `extra` fields, and exc (the traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = getattr(record, "request_id", "-")
        if rid != "-":
            out["request_id"] = rid
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                out[key] = value if isinstance(value, (str, int, float, bool)) else str(value)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def configure(level: str, fmt: str) -> None:
    """Replaces the root handlers with one stderr handler in the chosen format."""
    if fmt not in ("text", "json"):
        raise SystemExit(f"log_format must be 'text' or 'json', not {fmt!r}")
    handler = logging.StreamHandler(_json_stream() if fmt == "json" else sys.stderr)
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
        )
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # DEBUG is for Parley's own loggers: the libraries' debug output carries
    # SQL parameters and frames, i.e. message content.
    floor = max(root.level, logging.INFO)
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(floor)
    for name in CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(root.level, logging.WARNING))
    global _json
    _json = fmt == "json"
    if _json:
        _route_stray_output()


def _json_stream() -> TextIO:
    """The real stderr, once fd 2 goes through the stray-line wrapper."""
    global _json_out
    if _json_out is None:
        _json_out = open(relay_stderr(), "w", buffering=1, encoding="utf-8")
    return _json_out


def json_enabled() -> bool:
    return _json


def announce(message: str) -> None:
    """A line for the person at the terminal ("listening on ..."): printed as
    `parley: message` with text logs, an INFO record with JSON logs (so every
    line a pipeline reads parses)."""
    if _json:
        log.info(message)
    else:
        print(f"parley: {message}", flush=True)


def _route_stray_output() -> None:
    """What Python would print by itself (warnings, uncaught exceptions in the
    main thread, other threads and finalizers) goes through the JSON handler."""
    logging.captureWarnings(True)

    def excepthook(kind: type[BaseException], exc: BaseException, tb: TracebackType | None) -> None:
        log.critical("uncaught %s: %s", kind.__name__, exc, exc_info=(kind, exc, tb))

    def thread_excepthook(args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit:
            return
        name = args.thread.name if args.thread is not None else "?"
        exc_info = (args.exc_type, args.exc_value or args.exc_type(), args.exc_traceback)
        log.error("uncaught %s in thread %s", args.exc_type.__name__, name, exc_info=exc_info)

    def unraisablehook(args: UnraisableHookArgs) -> None:
        exc_info = None
        if args.exc_value is not None:
            exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
        log.error("%s: %r", args.err_msg or "exception ignored", args.object, exc_info=exc_info)

    sys.excepthook = excepthook
    threading.excepthook = thread_excepthook
    sys.unraisablehook = unraisablehook
