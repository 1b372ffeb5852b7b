"""FrameBatch on the wire, built from frames already serialized.

A ServerFrame whose body is `batch` is, in protobuf's encoding, the batch
field's tag and length, then each frame as a length-delimited `frames` entry:
the queued bytes are concatenated, never parsed or serialized again."""

from __future__ import annotations

from parley.gateway.v1 import gateway_pb2

# A batch stays well under gRPC's default 4 MiB receive limit of a client.
MAX_BATCH_BYTES = 256 * 1024
MAX_BATCH_FRAMES = 256

_LEN = 2  # protobuf wire type: length-delimited
_ONE_BYTE = [bytes((i,)) for i in range(0x80)]


def _varint(n: int) -> bytes:
    # Once per batched frame: the usual lengths take the short paths.
    if n < 0x80:
        return _ONE_BYTE[n]
    if n < 0x4000:
        return bytes((n & 0x7F | 0x80, n >> 7))
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


_BATCH_TAG = _varint(gateway_pb2.ServerFrame.DESCRIPTOR.fields_by_name["batch"].number << 3 | _LEN)
_FRAME_TAG = _varint(gateway_pb2.FrameBatch.DESCRIPTOR.fields_by_name["frames"].number << 3 | _LEN)


def encode_batch(frames: list[bytes]) -> bytes:
    """The serialized ServerFrame carrying `frames` (serialized ServerFrames) in order."""
    body = b"".join([part for f in frames for part in (_FRAME_TAG, _varint(len(f)), f)])
    return _BATCH_TAG + _varint(len(body)) + body
