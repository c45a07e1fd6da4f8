"""A real SMTP sink for mail notification tests: aiosmtpd on a loopback port.

Every accepted mail is recorded with its envelope, the parsed message, the TLS
version of the connection (None when plain) and the user that logged in. A
recipient can be given a script of RCPT replies (then it is accepted). Also
makes a throwaway CA and a server certificate for 127.0.0.1 and localhost.
"""

from __future__ import annotations

import dataclasses
import datetime
import email
import email.message
import ipaddress
import json
import ssl
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.live_server import free_port
from tests.waiting import wait_on


@dataclasses.dataclass(frozen=True)
class Mail:
    """One mail the sink accepted."""

    mail_from: str
    rcpt_tos: tuple[str, ...]
    message: email.message.Message
    tls: str | None
    login: str | None

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return None if value is None else str(value)

    def text(self) -> str:
        payload = self.message.get_payload(decode=True)
        assert isinstance(payload, bytes)
        return payload.decode(self.message.get_content_charset() or "us-ascii")

    def json(self) -> Any:
        return json.loads(self.text())


class Sink:
    """The recording side of the SMTP server (see the module docstring)."""

    def __init__(self, credentials: tuple[str, str] | None = None) -> None:
        self.credentials = credentials
        self.mails: list[Mail] = []
        self.rcpt_attempts: list[str] = []
        self.logins: list[tuple[str, bool]] = []
        self.rcpt_scripts: dict[str, list[str]] = {}
        self.lock = threading.Condition()
        self.controller: Controller | None = None
        self.port = 0

    def start(self, **smtp_options: Any) -> Sink:
        """Listen on 127.0.0.1 (a free port); ``smtp_options`` go to aiosmtpd."""
        if self.credentials is not None:
            smtp_options.setdefault("authenticator", self.authenticate)
        self.port = free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port,
                                     **smtp_options)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def authenticate(self, server: SMTP, session: Session, envelope: Envelope,
                     mechanism: str, auth_data: Any) -> AuthResult:
        """aiosmtpd's ``authenticator``: the one user and password of ``credentials``."""
        assert self.credentials is not None
        user, password = self.credentials
        login = auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?"
        good = (isinstance(auth_data, LoginPassword)
                and auth_data == (user.encode(), password.encode()))
        with self.lock:
            self.logins.append((login, good))
        return AuthResult(success=good, handled=False, auth_data=auth_data)

    def script(self, address: str, *replies: str) -> None:
        """Answer RCPT TO ``address`` with these replies first (e.g. ``550 ...``)."""
        with self.lock:
            self.rcpt_scripts[address] = list(replies)

    async def handle_RCPT(self, server: SMTP, session: Session,  # noqa: N802 (aiosmtpd's)
                          envelope: Envelope, address: str, rcpt_options: list[str]) -> str:
        with self.lock:
            self.rcpt_attempts.append(address)
            script = self.rcpt_scripts.get(address)
            reply = script.pop(0) if script else None
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session,  # noqa: N802 (aiosmtpd's)
                          envelope: Envelope) -> str:
        ssl_object = server.transport.get_extra_info("ssl_object") if server.transport else None
        auth = session.auth_data if session.authenticated else None
        content = envelope.original_content or b""
        mail = Mail(
            mail_from=envelope.mail_from or "", rcpt_tos=tuple(envelope.rcpt_tos),
            message=email.message_from_bytes(content),
            tls=ssl_object.version() if ssl_object is not None else None,
            login=auth.login.decode() if isinstance(auth, LoginPassword) else None)
        with self.lock:
            self.mails.append(mail)
            self.lock.notify_all()
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Mail]:
        """The mails whose envelope names ``address``."""
        with self.lock:
            return [mail for mail in self.mails if address in mail.rcpt_tos]

    def attempts(self, address: str) -> int:
        """How often ``RCPT TO`` named ``address`` (accepted or not)."""
        with self.lock:
            return self.rcpt_attempts.count(address)

    def wait_for(self, check: Callable[[], bool], timeout: float = 30) -> None:
        """Wait until ``check()`` holds (it is re-run whenever a mail arrives)."""
        wait_on(self.lock, check, timeout,
                lambda: str([(mail.rcpt_tos, mail.header("Subject")) for mail in self.mails]))

    def wait_count(self, address: str, count: int, timeout: float = 30) -> list[Mail]:
        self.wait_for(lambda: len(self.to(address)) >= count, timeout)
        return self.to(address)


@dataclasses.dataclass(frozen=True)
class Certificates:
    """A CA file and a server certificate it signed, for 127.0.0.1 and localhost."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def server_context(self) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def make_certificates(directory: Path) -> Certificates:
    """Write a new CA and a server certificate (SAN: IP 127.0.0.1, DNS localhost)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    valid = (now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=1))
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "zaqar-lite test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(valid[0]).not_valid_after(valid[1])
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(
              digital_signature=True, content_commitment=False, key_encipherment=False,
              data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
              encipher_only=False, decipher_only=False), critical=True)
          .add_extension(ca_ski, critical=False)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
            .issuer_name(ca_name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid[0]).not_valid_after(valid[1])
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(
                ca_ski), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    files = Certificates(directory / "ca.pem", directory / "server.pem", directory / "server.key")
    files.ca_file.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    files.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key_file.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption()))
    return files
