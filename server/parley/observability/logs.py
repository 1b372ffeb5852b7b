"""Log setup: human text or JSON lines, both carrying the request id.

Log calls never include message content: records carry ids, counts and
reasons only, so logs can be shipped to shared systems without leaking chats."""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from typing import Any

from parley.observability.requests import REQUEST_ID

# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
}


QUIET_LIBRARIES = ("aiosqlite", "grpc", "aiohttp", "asyncio", "pymongo", "redis", "nats")


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
    handler = logging.StreamHandler(sys.stderr)
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
    logging.getLogger("sqlalchemy").setLevel(max(root.level, logging.WARNING))
