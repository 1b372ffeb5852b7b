"""Signed, expiring, revocable tokens (JWT, HS256 via PyJWT)."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from typing import Any

import jwt

from parley.bounded import ExpiringSet
from parley.clock import now_ms
from parley.common.v1 import common_pb2
from parley.domain.peers import NO_PEERS, TOKEN_FLOOR, TOKEN_REVOKED, Peers
from parley.errors import R, unauthenticated
from parley.storage.interfaces import TokenStore

P = common_pb2.Platform
_ALGO = "HS256"
# Expiry of a revocation told by a peer that did not say (kept for good).
_NEVER = 2**63 - 1


@dataclass(frozen=True, slots=True)
class Identity:
    user_id: str
    platform: int
    is_admin: bool
    jti: str
    issued_ms: int
    expire_ms: int


class TokenService:
    def __init__(self, store: TokenStore, signing_key: str, peers: Peers = NO_PEERS) -> None:
        self._store = store
        self._key = signing_key
        # Revoked token ids until the token's expiry: past it the token fails
        # on its own, so the revocation is swept.
        self._revoked: ExpiringSet[str] = ExpiringSet("token_revocations")
        # Per (user, platform): as many as users force-logged out (admin calls).
        self._floors: dict[tuple[str, int], int] = {}
        # Revocations and logout floors made on other nodes apply here too.
        self.peers = peers
        peers.on(TOKEN_REVOKED, self._peer_revoked)
        peers.on(TOKEN_FLOOR, self._peer_floor)
        peers.on_resync(self.load)

    async def load(self) -> None:
        # Merged, not replaced: revocations are final and floors only rise,
        # and a change made while this read ran must not be lost.
        for jti, expire_ms in (await self._store.revocations(now_ms())).items():
            self._revoked.add(jti, expire_ms)
        for key, floor in (await self._store.floors()).items():
            self._raise_floor(key, floor)

    def _peer_revoked(self, data: dict[str, Any]) -> None:
        self._revoked.add(str(data["jti"]), int(data.get("expire_ms", _NEVER)))

    def _peer_floor(self, data: dict[str, Any]) -> None:
        self._raise_floor((str(data["user_id"]), int(data["platform"])), int(data["floor"]))

    def _raise_floor(self, key: tuple[str, int], floor: int) -> None:
        if floor > self._floors.get(key, 0):
            self._floors[key] = floor

    def issue(self, user_id: str, platform: int, ttl_seconds: int, admin: bool) -> tuple[str, int]:
        issued = now_ms()
        expire = issued + ttl_seconds * 1000
        claims = {
            "sub": user_id,
            "plt": int(platform),
            "adm": admin,
            "jti": uuid.uuid4().hex,
            "iat_ms": issued,
            "exp": expire // 1000,
        }
        return jwt.encode(claims, self._key, algorithm=_ALGO), expire

    def verify(self, token: str) -> Identity:
        if not token:
            raise unauthenticated(R.ERROR_REASON_TOKEN_MISSING, "no token")
        try:
            claims = jwt.decode(token, self._key, algorithms=[_ALGO])
        except jwt.ExpiredSignatureError as e:
            raise unauthenticated(R.ERROR_REASON_TOKEN_EXPIRED, "token expired") from e
        except jwt.InvalidTokenError as e:
            raise unauthenticated(R.ERROR_REASON_TOKEN_INVALID, "token invalid") from e
        try:
            ident = Identity(
                user_id=str(claims["sub"]),
                platform=int(claims["plt"]),
                is_admin=bool(claims["adm"]),
                jti=str(claims["jti"]),
                issued_ms=int(claims["iat_ms"]),
                expire_ms=int(claims["exp"]) * 1000,
            )
        except (KeyError, TypeError, ValueError) as e:
            raise unauthenticated(R.ERROR_REASON_TOKEN_INVALID, "token invalid") from e
        if ident.jti in self._revoked or self._below_floor(ident):
            raise unauthenticated(R.ERROR_REASON_TOKEN_REVOKED, "token revoked")
        return ident

    def _below_floor(self, ident: Identity) -> bool:
        floor = max(
            self._floors.get((ident.user_id, ident.platform), 0),
            self._floors.get((ident.user_id, P.PLATFORM_UNSPECIFIED), 0),
        )
        return ident.issued_ms <= floor

    async def revoke(self, ident: Identity) -> None:
        self._revoked.add(ident.jti, ident.expire_ms)
        await self._store.revoke(ident.jti, ident.expire_ms)
        self.peers.tell(TOKEN_REVOKED, {"jti": ident.jti, "expire_ms": ident.expire_ms})

    async def logout(self, user_id: str, platform: int) -> None:
        """Every token of (user, platform) issued until now stops working;
        PLATFORM_UNSPECIFIED means every platform."""
        floor = now_ms()
        self._raise_floor((user_id, platform), floor)
        await self._store.set_floor(user_id, platform, floor)
        self.peers.tell(TOKEN_FLOOR, {"user_id": user_id, "platform": platform, "floor": floor})


def new_secret() -> str:
    return secrets.token_urlsafe(32)
