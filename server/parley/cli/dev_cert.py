"""`parley dev-cert`: a self-signed certificate for development over TLS.

The certificate names localhost, 127.0.0.1 and ::1 (plus any --host), and is
its own CA: clients trust it with a CA-file option (`grpcurl -cacert`), and
`--client NAME` signs client certificates with it for mutual TLS in
development (`tls.client_ca_file` = the same cert.pem). Never for production:
its key sits next to it, unprotected by any real CA."""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import os
import stat
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_HOSTS = ("localhost", "127.0.0.1", "::1")
# Clock skew between the machine that makes the certificate and its clients.
_BACKDATE = dt.timedelta(minutes=5)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _san(hosts: list[str]) -> x509.SubjectAlternativeName:
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(names)


def self_signed(
    hosts: list[str], days: int, name: str = "Parley development"
) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM): a server certificate for `hosts` that can
    also sign client certificates (CA, path length 0)."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_san(hosts), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def client_certificate(
    ca_cert_pem: bytes, ca_key_pem: bytes, name: str, days: int
) -> tuple[bytes, bytes]:
    """(certificate PEM, key PEM) of a client named `name`, signed by the CA given."""
    ca_cert = x509.load_pem_x509_certificate(ca_cert_pem)
    ca_key = serialization.load_pem_private_key(ca_key_pem, password=None)
    if not isinstance(ca_key, ec.EllipticCurvePrivateKey):
        raise ValueError("the CA key is not an EC key made by `parley dev-cert`")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - _BACKDATE)
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM), _key_pem(key)


def write_file(path: Path, data: bytes, private: bool = False) -> None:
    """Writes by renaming a complete file over `path`, so a server watching it
    never reads half of it; keys are readable by their owner only."""
    tmp = path.with_name(f".{path.name}.tmp")
    mode = stat.S_IRUSR | stat.S_IWUSR if private else 0o644
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def register(sub: Any) -> None:
    """Adds the `dev-cert` command to `parley`'s subparsers."""
    p = sub.add_parser(
        "dev-cert", help="make a self-signed TLS certificate for development (localhost)"
    )
    p.add_argument("--dir", type=Path, default=Path("tls"), help="where to write (default ./tls)")
    p.add_argument("--days", type=int, default=30, help="validity in days (default 30)")
    p.add_argument(
        "--host",
        action="append",
        default=[],
        help="another name or IP the certificate is for (repeatable), e.g. 10.0.2.2",
    )
    p.add_argument(
        "--client",
        metavar="NAME",
        help="instead: sign a client certificate NAME.pem (mutual TLS) with DIR/cert.pem",
    )
    p.add_argument("--force", action="store_true", help="replace existing files")


def run(args: argparse.Namespace) -> int:
    out: Path = args.dir
    out.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out / "cert.pem", out / "key.pem"
    if args.client:
        targets = (out / f"{args.client}.pem", out / f"{args.client}-key.pem")
    else:
        targets = (cert_path, key_path)
    existing = [str(p) for p in targets if p.exists()]
    if existing and not args.force:
        print(f"parley dev-cert: {', '.join(existing)} exist; --force replaces them")
        return 1
    if args.client:
        try:
            ca = (cert_path.read_bytes(), key_path.read_bytes())
        except OSError as e:
            print(f"parley dev-cert: {e.filename}: {e.strerror}; run `parley dev-cert` first")
            return 1
        cert, key = client_certificate(*ca, args.client, args.days)
        write_file(targets[1], key, private=True)
        write_file(targets[0], cert)
        print(f"parley: wrote {targets[0]} and {targets[1]} (client {args.client!r})")
        print(f"  server: PARLEY_TLS__CLIENT_CA_FILE={cert_path}")
        print(f"  grpcurl -cacert {cert_path} -cert {targets[0]} -key {targets[1]} ...")
        return 0
    hosts = [*DEFAULT_HOSTS, *args.host]
    cert, key = self_signed(hosts, args.days)
    write_file(key_path, key, private=True)
    write_file(cert_path, cert)
    print(f"parley: wrote {cert_path} and {key_path} ({', '.join(hosts)}; {args.days} days)")
    print(
        f"  server: PARLEY_TLS__CERT_FILE={cert_path} PARLEY_TLS__KEY_FILE={key_path} parley serve"
    )
    print(f"  client: grpcurl -cacert {cert_path} 127.0.0.1:50051 list")
    return 0
