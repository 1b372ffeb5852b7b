"""Blobs in an S3 bucket (any S3-compatible server), key files/<sha256>.

boto3, the reference client, called off the event loop (asyncio.to_thread)
rather than aiobotocore: aiobotocore pins narrow botocore and aiohttp
ranges, and the server's aiohttp is pinned for the webhooks; blob calls are
few and large, so a thread per call costs nothing that matters. `upload_file`
sends big files as a multipart upload; S3 shows an object only once it is
complete, which is the atomic publication the local store gets by rename."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

PREFIX = "files/"


class S3BlobStore:
    def __init__(
        self, endpoint: str, bucket: str, region: str, access_key: str, secret_key: str
    ) -> None:
        self.bucket = bucket
        self.client: Any = boto3.client(
            "s3",
            endpoint_url=endpoint or None,
            region_name=region,
            aws_access_key_id=access_key or None,
            aws_secret_access_key=secret_key or None,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}),
        )

    async def ensure_bucket(self) -> None:
        def run() -> None:
            try:
                self.client.head_bucket(Bucket=self.bucket)
            except ClientError:
                self.client.create_bucket(Bucket=self.bucket)

        await asyncio.to_thread(run)

    async def put(self, sha256: str, path: Path) -> None:
        await asyncio.to_thread(self.client.upload_file, str(path), self.bucket, PREFIX + sha256)
        await asyncio.to_thread(os.unlink, path)

    async def size(self, sha256: str) -> int | None:
        try:
            head = await asyncio.to_thread(
                self.client.head_object, Bucket=self.bucket, Key=PREFIX + sha256
            )
        except ClientError as e:
            if e.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return int(head["ContentLength"])

    async def read(self, sha256: str, offset: int, length: int, chunk: int) -> AsyncIterator[bytes]:
        if length <= 0:
            return
        got = await asyncio.to_thread(
            self.client.get_object,
            Bucket=self.bucket,
            Key=PREFIX + sha256,
            Range=f"bytes={offset}-{offset + length - 1}",
        )
        body = got["Body"]
        try:
            while True:
                data = await asyncio.to_thread(body.read, chunk)
                if not data:
                    break
                yield data
        finally:
            body.close()

    async def delete(self, sha256: str) -> None:
        await asyncio.to_thread(self.client.delete_object, Bucket=self.bucket, Key=PREFIX + sha256)

    async def close(self) -> None:
        self.client.close()
