"""Short-lived download URLs: HMAC-SHA256 over (file id, variant, expiry)
with a key derived from the server's token secret. Whoever holds the URL may
GET the bytes until it expires, as with S3's presigned URLs; a changed byte
of the id, variant or expiry fails the signature."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlencode

from parley.clock import now_ms


class UrlSigner:
    def __init__(self, secret: str, ttl_seconds: float) -> None:
        # A key of its own, so a URL signature is never a valid token signature.
        self._key = hmac.new(secret.encode(), b"parley.file-url.v1", hashlib.sha256).digest()
        self._ttl_ms = int(ttl_seconds * 1000)

    def _mac(self, file_id: str, thumbnail: bool, expire_ms: int) -> str:
        msg = f"{file_id}\n{int(thumbnail)}\n{expire_ms}".encode()
        return hmac.new(self._key, msg, hashlib.sha256).hexdigest()

    def sign(self, base: str, file_id: str, thumbnail: bool) -> tuple[str, int]:
        expire_ms = now_ms() + self._ttl_ms
        query = urlencode(
            {"t": int(thumbnail), "e": expire_ms, "s": self._mac(file_id, thumbnail, expire_ms)}
        )
        return f"{base.rstrip('/')}/files/{file_id}?{query}", expire_ms

    def check(self, file_id: str, thumbnail: str, expire: str, signature: str) -> bool:
        """Whether the URL's parts carry a valid, unexpired signature."""
        if thumbnail not in ("0", "1") or not expire.isdigit():
            return False
        expire_ms = int(expire)
        good = self._mac(file_id, thumbnail == "1", expire_ms)
        return hmac.compare_digest(good, signature) and now_ms() <= expire_ms
