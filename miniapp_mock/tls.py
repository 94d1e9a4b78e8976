"""Certificates for the fake WeChat Pay's TLS endpoint (``secapi``), made on the spot.

WeChat Pay serves ``api.mch.weixin.qq.com`` over TLS and refuses a refund (``secapi``) from
a client that does not present the merchant's certificate (商户 API 证书, issued by WeChat
Pay for the 商户号). Nothing here is committed: tests and the demo generate a throw-away CA,
a server certificate for 127.0.0.1 and a merchant certificate into a folder of their own.
"""

from __future__ import annotations

import ipaddress
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class PayCertificates:
    """Paths of the PEM files: the CA that signed both, the server's pair, the merchant's."""

    ca: Path
    server_cert: Path
    server_key: Path
    mch_cert: Path
    mch_key: Path

    def server_context(self) -> ssl.SSLContext:
        """The fake server's TLS: its own certificate; a client's is asked for, checked
        against the CA when given, and left to each endpoint to require (``secapi``)."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=str(self.ca))
        context.load_cert_chain(str(self.server_cert), str(self.server_key))
        context.verify_mode = ssl.CERT_OPTIONAL
        return context


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Linli test WeChat Pay"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(path: Path, key) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def _issue(subject: str, ca_key, ca_name: x509.Name, *, server: bool):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        ).add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
    else:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return key, builder.sign(ca_key, hashes.SHA256())


def generate(folder: str | Path, mch_id: str) -> PayCertificates:
    """A CA, a server certificate for 127.0.0.1 and a merchant certificate (common name:
    the 商户号 ``mch_id``, as WeChat Pay issues it), written as PEM files into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("Linli test WeChat Pay CA")
    now = datetime.now(UTC)
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = PayCertificates(
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server.key",
        mch_cert=folder / "apiclient_cert.pem",
        mch_key=folder / "apiclient_key.pem",
    )
    paths.ca.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    for (cert_path, key_path), subject, server in (
        ((paths.server_cert, paths.server_key), "127.0.0.1", True),
        ((paths.mch_cert, paths.mch_key), mch_id, False),
    ):
        key, cert = _issue(subject, ca_key, ca_name, server=server)
        cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        _write_key(key_path, key)
    return paths


def in_folder(folder: str | Path, mch_id: str) -> PayCertificates:
    """The certificates in ``folder``, made there first if any is missing (the demo keeps
    them in ``instance/pay-tls`` between runs)."""
    folder = Path(folder)
    found = PayCertificates(
        ca=folder / "ca.pem",
        server_cert=folder / "server.pem",
        server_key=folder / "server.key",
        mch_cert=folder / "apiclient_cert.pem",
        mch_key=folder / "apiclient_key.pem",
    )
    if all(path.exists() for path in vars(found).values()):
        return found
    return generate(folder, mch_id)


def client_common_name(pem: str) -> str | None:
    """The common name of a client certificate the TLS layer verified (PEM), if any."""
    if not pem:
        return None
    cert = x509.load_pem_x509_certificate(pem.encode())
    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else None
