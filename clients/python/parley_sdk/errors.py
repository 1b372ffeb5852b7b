"""Failures as the SDK reports them: a gRPC status code plus the stable
`ErrorReason` name the server attaches to every failure."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2

from parley.common.v1 import common_pb2

_STATUS_KEY = "grpc-status-details-bin"

# Codes after which the same request may succeed later (after a reconnect).
TRANSIENT_CODES = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.CANCELLED,
        grpc.StatusCode.ABORTED,
        grpc.StatusCode.UNKNOWN,
        grpc.StatusCode.INTERNAL,
    }
)
TRANSIENT_REASONS = frozenset(
    {
        "ERROR_REASON_RATE_LIMITED",
        "ERROR_REASON_SHUTTING_DOWN",
        "ERROR_REASON_IDEMPOTENCY_KEY_IN_FLIGHT",
    }
)


class ParleyError(Exception):
    """A failed request.

    `code` is the gRPC status code, `reason` the `parley.common.v1.ErrorReason`
    name (e.g. ``"ERROR_REASON_BLOCKED_BY_USER"``; empty when the server gave
    none, e.g. for transport failures), `message` the server's detail text.
    """

    def __init__(self, code: grpc.StatusCode, reason: str, message: str) -> None:
        super().__init__(f"{code.name} {reason or '-'}: {message}")
        self.code = code
        self.reason = reason
        self.message = message

    @property
    def unimplemented(self) -> bool:
        """True when the server does not implement the call (yet)."""
        return (
            self.code == grpc.StatusCode.UNIMPLEMENTED
            or self.reason == "ERROR_REASON_UNIMPLEMENTED"
        )

    @property
    def transient(self) -> bool:
        """True when retrying later (e.g. after a reconnect) may succeed."""
        return self.code in TRANSIENT_CODES or self.reason in TRANSIENT_REASONS


class NotConnectedError(ParleyError):
    """The realtime stream is not open (the client is offline or reconnecting)."""

    def __init__(self, message: str = "not connected") -> None:
        super().__init__(grpc.StatusCode.UNAVAILABLE, "", message)


class ClientClosedError(ParleyError):
    """The client was closed."""

    def __init__(self) -> None:
        super().__init__(grpc.StatusCode.CANCELLED, "", "client closed")


def reason_of(metadata: object) -> str:
    """The ErrorInfo reason carried in trailing metadata, or ``""``."""
    for item in metadata or ():  # type: ignore[attr-defined]
        key, value = item
        if key != _STATUS_KEY or not isinstance(value, bytes):
            continue
        try:
            status = status_pb2.Status.FromString(value)
        except Exception:
            return ""
        for detail in status.details:
            info = error_details_pb2.ErrorInfo()
            if detail.Unpack(info):
                return str(info.reason)
    return ""


def from_rpc_error(err: grpc.aio.AioRpcError) -> ParleyError:
    """Converts a failed gRPC call into a ParleyError."""
    code: grpc.StatusCode = err.code()
    details: str = err.details() or ""
    return ParleyError(code, reason_of(err.trailing_metadata()), details)


def from_error_frame(code: int, reason: int, message: str) -> ParleyError:
    """Converts a stream ErrorFrame into a ParleyError."""
    status = next((c for c in grpc.StatusCode if c.value[0] == code), grpc.StatusCode.UNKNOWN)
    try:
        name = common_pb2.ErrorReason.Name(reason)  # type: ignore[arg-type]
    except ValueError:
        name = ""
    return ParleyError(status, name, message)
