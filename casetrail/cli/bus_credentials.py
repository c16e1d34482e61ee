"""`casetrail bus-credentials DIR`: the bus identities and TLS files of a deployment.

For the grown-up deployment (docker-compose.yml, deploy/README.md): one nkey seed per
service and one for the operators (`DIR/nats/<principal>.nk`), the nats-server
`authorization` block admitting them (`DIR/nats/auth.conf`, public keys only), and a
private CA with a server certificate for the NATS hosts (`DIR/tls/`). Keys and certificates
are made once and kept, so running it again (after an upgrade) only renews `auth.conf`.
"""

from __future__ import annotations

import datetime
import ipaddress
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from casetrail.bus.identities import BusIdentities

CERTIFICATE_DAYS = 825  # what browsers and most TLS stacks accept for a server certificate


def _private(path: Path, data: bytes) -> None:
    path.touch(mode=0o600)
    path.write_bytes(data)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _load_or_make_key(path: Path) -> ec.EllipticCurvePrivateKey:
    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        return key
    key = ec.generate_private_key(ec.SECP256R1())
    _private(path, _key_pem(key))
    return key


def _certificate(subject: str, key: ec.EllipticCurvePrivateKey, issuer: x509.Name,
                 signer: ec.EllipticCurvePrivateKey, *, ca: bool,
                 hosts: list[str]) -> x509.Certificate:
    now = datetime.datetime.now(datetime.UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
               .issuer_name(issuer).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5))
               .not_valid_after(now + datetime.timedelta(days=CERTIFICATE_DAYS))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        builder = (builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                                  critical=False))
    return builder.sign(signer, hashes.SHA256())


def write_tls(directory: Path, hosts: list[str]) -> None:
    """A private CA (`ca.pem`, `ca-key.pem`) and the NATS server's certificate for `hosts`."""
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    ca_key = _load_or_make_key(directory / "ca-key.pem")
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "casetrail bus CA")])
    if not (directory / "ca.pem").exists():
        ca = _certificate("casetrail bus CA", ca_key, ca_name, ca_key, ca=True, hosts=[])
        (directory / "ca.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    if not (directory / "server.pem").exists():
        server_key = _load_or_make_key(directory / "server-key.pem")
        server = _certificate(hosts[0], server_key, ca_name, ca_key, ca=False, hosts=hosts)
        (directory / "server.pem").write_bytes(server.public_bytes(serialization.Encoding.PEM))


def write_bus_credentials(directory: Path, hosts: list[str]) -> BusIdentities:
    identities = BusIdentities.kept_in(directory)
    # Written afresh: it holds no secret, and a new version may grant a new consumer.
    (identities.directory / "auth.conf").write_text(identities.authorization())
    write_tls(directory / "tls", hosts)
    return identities


def bus_credentials(directory: Path, hosts: list[str]) -> int:
    identities = write_bus_credentials(directory, hosts)
    print(f"NATS identities in {identities.directory} (auth.conf for the server, one .nk "
          f"seed per service and the operator); TLS CA and server certificate for "
          f"{', '.join(hosts)} in {directory / 'tls'}")
    return 0
