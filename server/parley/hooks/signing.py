"""Request signing of webhooks, and the check an app server runs.

The signature is HMAC-SHA256 over `<timestamp>.<body>` with the shared
secret: the timestamp is signed too, so a captured request cannot be replayed
later with a fresh timestamp header."""

from __future__ import annotations

import hashlib
import hmac
import time

EVENT_HEADER = "X-Parley-Event"
DELIVERY_HEADER = "X-Parley-Delivery"
TIMESTAMP_HEADER = "X-Parley-Timestamp"
SIGNATURE_HEADER = "X-Parley-Signature"


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The X-Parley-Signature value: `sha256=<hex digest>`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature: str,
    tolerance_seconds: float = 300.0,
    now: float | None = None,
) -> bool:
    """True when the signature matches and the timestamp (Unix ms) is within
    the tolerance of now."""
    try:
        ts_ms = int(timestamp)
    except ValueError:
        return False
    current = time.time() if now is None else now
    if abs(current - ts_ms / 1000) > tolerance_seconds:
        return False
    return hmac.compare_digest(sign(secret, timestamp, body), signature)
