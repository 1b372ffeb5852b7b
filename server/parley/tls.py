"""TLS on the gRPC port: the certificate files of the `tls` settings, re-read
without a restart, and the cleartext warning off loopback.

gRPC asks `CertificateSource.fetch` for a new configuration at each new
connection (`grpc.dynamic_ssl_server_credentials`); it answers None (keep the
current one) unless the files changed since the last load, so a renewed
certificate (certbot, cert-manager) is served from the next connection on and
open connections keep theirs. SIGHUP reads the files at once, so an operator
sees a bad pair in the log when they signal, not at the next connection."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import ipaddress
import logging
import os
import signal
import threading
from dataclasses import dataclass
from pathlib import Path

import grpc
from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

from parley.config import Settings
from parley.config.settings import TlsSettings

log = logging.getLogger("parley.tls")

# (path, mtime in ns, size, inode) of each file: a renewal that writes the
# file in place or renames a new one over it changes one of them.
_Stamp = tuple[tuple[str, int, int, int], ...]


class TlsConfigError(Exception):
    """A certificate, key or CA file that cannot serve (unreadable, not PEM, mismatched)."""


@dataclass(frozen=True)
class Loaded:
    """One consistent read of the files, checked, as gRPC takes it."""

    config: grpc.ServerCertificateConfiguration
    subject: str
    not_after: str
    sha256: str


def _read(path: str, setting: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise TlsConfigError(f"tls.{setting} {path}: {e.strerror}") from e


def load(cfg: TlsSettings) -> Loaded:
    """Reads and checks the PEM files: the key must be the certificate's, so
    a renewal caught between writing the two files is refused, not served."""
    chain = _read(cfg.cert_file, "cert_file")
    key_pem = _read(cfg.key_file, "key_file")
    try:
        certs = x509.load_pem_x509_certificates(chain)
    except ValueError as e:
        raise TlsConfigError(f"tls.cert_file {cfg.cert_file}: no PEM certificate ({e})") from e
    try:
        key = serialization.load_pem_private_key(key_pem, password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as e:
        raise TlsConfigError(f"tls.key_file {cfg.key_file}: no unencrypted PEM key ({e})") from e
    leaf = certs[0]
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    der = serialization.Encoding.DER
    if leaf.public_key().public_bytes(der, spki) != key.public_key().public_bytes(der, spki):
        raise TlsConfigError(
            f"tls.key_file {cfg.key_file} is not the key of tls.cert_file {cfg.cert_file}"
        )
    roots: bytes | None = None
    if cfg.client_ca_file:
        roots = _read(cfg.client_ca_file, "client_ca_file")
        try:
            x509.load_pem_x509_certificates(roots)
        except ValueError as e:
            raise TlsConfigError(
                f"tls.client_ca_file {cfg.client_ca_file}: no PEM certificate ({e})"
            ) from e
    return Loaded(
        config=grpc.ssl_server_certificate_configuration([(key_pem, chain)], roots),
        subject=leaf.subject.rfc4514_string(),
        not_after=leaf.not_valid_after_utc.isoformat(),
        sha256=hashlib.sha256(leaf.public_bytes(der)).hexdigest(),
    )


def _stamp(cfg: TlsSettings) -> _Stamp:
    out = []
    for path in (cfg.cert_file, cfg.key_file, cfg.client_ca_file):
        if path:
            try:
                st = os.stat(path)
                out.append((path, st.st_mtime_ns, st.st_size, st.st_ino))
            except OSError:
                # Mid-rename, or removed: changed, and the load will say why.
                out.append((path, -1, -1, -1))
    return tuple(out)


class CertificateSource:
    """The certificate gRPC serves, re-read when its files change."""

    def __init__(self, cfg: TlsSettings) -> None:
        self.cfg = cfg
        self._lock = threading.Lock()
        self._stamp = _stamp(cfg)
        first = load(cfg)
        self._log_loaded(first, "loaded")
        self.initial = first.config
        # A configuration loaded on SIGHUP, handed to gRPC at the next connection.
        self._pending: grpc.ServerCertificateConfiguration | None = None
        self.reloads = 0

    def _log_loaded(self, loaded: Loaded, what: str) -> None:
        log.info(
            "tls certificate %s: %s, valid until %s, sha256 %s",
            what,
            loaded.subject,
            loaded.not_after,
            loaded.sha256,
            extra={
                "tls_subject": loaded.subject,
                "tls_not_after": loaded.not_after,
                "tls_sha256": loaded.sha256,
                "tls_client_auth": bool(self.cfg.client_ca_file),
            },
        )

    def _reload(self) -> None:
        """Called with the lock held: a good load becomes pending, a bad one is logged."""
        self._stamp = _stamp(self.cfg)
        try:
            loaded = load(self.cfg)
        except TlsConfigError as e:
            log.error("tls certificate not reloaded, still serving the previous one: %s", e)
            return
        self._pending = loaded.config
        self.reloads += 1
        self._log_loaded(loaded, "reloaded")

    def fetch(self) -> grpc.ServerCertificateConfiguration | None:
        """gRPC's fetcher, on its own thread at each new connection: None keeps
        the configuration it has. Costs three stat calls when nothing changed."""
        with self._lock:
            try:
                if _stamp(self.cfg) != self._stamp:
                    self._reload()
            except Exception:
                # An exception here would fail this handshake; the current pair still serves.
                log.exception("tls certificate reload failed")
            pending, self._pending = self._pending, None
            return pending

    def reload_now(self) -> None:
        """SIGHUP: read the files whether or not they look changed."""
        with self._lock:
            self._reload()


def is_loopback(host: str) -> bool:
    host = host.strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def add_port(server: grpc.aio.Server, settings: Settings) -> int:
    """Binds `settings.listen`: TLS when a certificate is set, else cleartext
    (with a warning unless the address is loopback). Returns the port."""
    cfg, listen = settings.tls, settings.listen
    if not cfg.cert_file:
        if cfg.key_file or cfg.client_ca_file:
            raise SystemExit("tls.key_file and tls.client_ca_file need tls.cert_file")
        host = listen.rsplit(":", 1)[0]
        if not is_loopback(host):
            log.warning(
                "listening on %s without TLS: tokens and messages cross the network in "
                "cleartext; set tls.cert_file and tls.key_file, or keep Parley on loopback "
                "behind a TLS-terminating proxy (docs/tls.md)",
                listen,
                extra={"listen": listen, "tls": False},
            )
        return server.add_insecure_port(listen)
    if not cfg.key_file:
        raise SystemExit("tls.cert_file needs tls.key_file")
    try:
        source = CertificateSource(cfg)
    except TlsConfigError as e:
        raise SystemExit(f"cannot start TLS: {e}") from None
    credentials = grpc.dynamic_ssl_server_credentials(
        source.initial,
        source.fetch,
        require_client_authentication=bool(cfg.client_ca_file),
    )
    port = server.add_secure_port(listen, credentials)
    # Not in the main thread (a server inside a test process): file changes only.
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, source.reload_now)
    return port
