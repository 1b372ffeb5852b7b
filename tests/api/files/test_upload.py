"""Uploads over real gRPC: resume after a cut, hash, size and type checks,
dedup, and what a crash leaves."""

from __future__ import annotations

import random

import grpc

from tests.api.files.client import Files, refused, sha, user
from tests.harness import Api

C = grpc.StatusCode


async def test_an_upload_round_trips_and_is_typed_from_its_bytes(api: Api) -> None:
    _, token = await user(api)
    files = Files(api, token)
    data = b"hello, plain text\n" * 10_000
    info = await files.upload(data, "notes.pdf")  # the name claims a PDF
    assert info.mime_type == "text/plain"
    assert info.size == len(data) and info.sha256 == sha(data)
    assert await files.download(info.file_id) == data
    assert await files.download(info.file_id, 5, 10) == data[5:15]
