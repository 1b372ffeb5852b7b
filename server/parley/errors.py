"""Failures with a gRPC status code and a stable reason from the contract."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from parley.common.v1 import common_pb2

R = common_pb2.ErrorReason
ERROR_DOMAIN = "parley.dev"


class ParleyError(Exception):
    """Raised anywhere in the server; servicers turn it into a status or an error frame."""

    def __init__(self, code: grpc.StatusCode, reason: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.reason = reason
        self.message = message

    @property
    def reason_name(self) -> str:
        return common_pb2.ErrorReason.Name(self.reason)  # type: ignore[arg-type]

    def to_status(self) -> grpc.Status:
        info = error_details_pb2.ErrorInfo(reason=self.reason_name, domain=ERROR_DOMAIN)
        detail = any_pb2.Any()
        detail.Pack(info)
        status = status_pb2.Status(code=self.code.value[0], message=self.message, details=[detail])
        result: grpc.Status = rpc_status.to_status(status)
        return result


@dataclass(frozen=True, slots=True)
class Rejected:
    """A decoded request that failed validation (parley.api.decoding): unary
    calls end with its error, the stream answers the frame with an ErrorFrame."""

    request: Any
    error: ParleyError


def invalid(message: str, reason: int = R.ERROR_REASON_INVALID_ARGUMENT) -> ParleyError:
    return ParleyError(grpc.StatusCode.INVALID_ARGUMENT, reason, message)


def not_found(reason: int, message: str) -> ParleyError:
    return ParleyError(grpc.StatusCode.NOT_FOUND, reason, message)


def denied(reason: int, message: str) -> ParleyError:
    return ParleyError(grpc.StatusCode.PERMISSION_DENIED, reason, message)


def unauthenticated(reason: int, message: str) -> ParleyError:
    return ParleyError(grpc.StatusCode.UNAUTHENTICATED, reason, message)


def precondition(reason: int, message: str) -> ParleyError:
    return ParleyError(grpc.StatusCode.FAILED_PRECONDITION, reason, message)


def exhausted(reason: int, message: str) -> ParleyError:
    return ParleyError(grpc.StatusCode.RESOURCE_EXHAUSTED, reason, message)


def unavailable(reason: int, message: str) -> ParleyError:
    return ParleyError(grpc.StatusCode.UNAVAILABLE, reason, message)
