"""Sending one notification: a webhook POST or a mail, as Zaqar sends them.

Each sender returns an ``Outcome``: delivered, worth retrying (connection
errors, timeouts, HTTP 5xx and 429, a mail server or command that failed for
now) or refused for good (any other HTTP 4xx, a mail server refusing the
address). Nothing here retries or sleeps; the deliverer schedules retries.
"""

from __future__ import annotations

import collections
import dataclasses
import email.errors
import email.policy
import http.client
import json
import smtplib
import ssl
import subprocess
import threading
import urllib.parse
from collections.abc import Mapping
from email.message import EmailMessage
from typing import Any

from zaqar_lite.config import Settings

MESSAGE_PLACEHOLDER = '"$zaqar_message$"'
CONFIRMATION_TYPES = ("SubscriptionConfirmation", "UnsubscribeConfirmation")



@dataclasses.dataclass(frozen=True)
class Outcome:
    """How one attempt went."""

    delivered: bool
    retryable: bool
    detail: str

    @classmethod
    def done(cls, detail: str) -> Outcome:
        return cls(True, False, detail)

    @classmethod
    def transient(cls, detail: str) -> Outcome:
        return cls(False, True, detail)

    @classmethod
    def permanent(cls, detail: str) -> Outcome:
        return cls(False, False, detail)


def webhook_body(payload: Any, options: Mapping[str, Any]) -> str:
    """The POST body: the payload as JSON, or ``options.post_data`` with the text
    ``"$zaqar_message$"`` (quotes included) replaced by it. A ``post_data`` that is
    not a string is sent as its JSON, with the same replacement."""
    message = json.dumps(payload)
    template = options.get("post_data")
    if template is None:
        return message
    if not isinstance(template, str):
        template = json.dumps(template)
    return template.replace(MESSAGE_PLACEHOLDER, message)


def webhook_headers(options: Mapping[str, Any]) -> dict[str, str]:
    headers = {"Content-Type": "application/json"}
    extra = options.get("post_headers")
    if isinstance(extra, Mapping):
        headers.update({str(name): str(value) for name, value in extra.items()})
    return headers


STALE_CONNECTION = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)
"""How a kept-alive connection that the receiver has since closed fails."""
KEPT_CONNECTIONS = 32
"""Receivers each sending thread keeps a connection open to."""

_kept = threading.local()


def _connection(scheme: str, host: str, port: int | None,
                timeout: float) -> tuple[http.client.HTTPConnection, bool]:
    """This thread's kept-alive connection to the receiver (new if none); whether it
    has carried a request before."""
    kept: collections.OrderedDict[tuple[str, str, int | None], http.client.HTTPConnection]
    kept = getattr(_kept, "connections", None) or collections.OrderedDict()
    _kept.connections = kept
    key = (scheme, host, port)
    connection = kept.pop(key, None)
    reused = connection is not None
    if connection is None:
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout,
                                                     context=ssl.create_default_context())
        else:
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
    kept[key] = connection
    while len(kept) > KEPT_CONNECTIONS:
        kept.popitem(last=False)[1].close()
    return connection, reused


def _forget(scheme: str, host: str, port: int | None) -> None:
    connection = getattr(_kept, "connections", {}).pop((scheme, host, port), None)
    if connection is not None:
        connection.close()


def send_webhook(url: str, payload: Any, options: Mapping[str, Any], timeout: float) -> Outcome:
    """POST the notification to an http(s) subscriber, on a kept-alive connection.

    A kept connection the receiver has closed meanwhile is replaced and the POST
    sent once more (the receiver cannot have answered it).
    """
    parts = urllib.parse.urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        return Outcome.permanent(f"the port of {url} is not a port")
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        return Outcome.permanent(f"not an http(s) URL: {url}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    body = webhook_body(payload, options).encode("utf-8")
    headers = webhook_headers(options)
    while True:
        connection, reused = _connection(parts.scheme, host, port, timeout)
        try:
            connection.request("POST", target, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            status = response.status
        except STALE_CONNECTION as exc:
            _forget(parts.scheme, host, port)
            if reused:
                continue
            return Outcome.transient(f"{type(exc).__name__}: {exc}")
        except (OSError, http.client.HTTPException, ValueError) as exc:
            _forget(parts.scheme, host, port)
            return Outcome.transient(f"{type(exc).__name__}: {exc}")
        break
    if status < 400:
        return Outcome.done(f"HTTP {status}")
    if status == 429 or status >= 500:
        return Outcome.transient(f"HTTP {status}")
    return Outcome.permanent(f"HTTP {status}")


def mail(subscriber: str, payload: Any, options: Mapping[str, Any], project: str,
         settings: Settings) -> EmailMessage | Outcome:
    """The mail for a ``mailto:`` subscriber, or the reason none can be made.

    The text is UTF-8, quoted-printable (so a payload of any length is sent in
    lines SMTP accepts).
    A notification's text is its JSON; ``From`` is ``options.from`` and the
    subject the URI's ``?subject=`` or ``options.subject``. Confirmations use
    the configured templates and link to ``external_confirmation_url``.
    """
    parts = urllib.parse.urlsplit(subscriber)
    params = {key.lower(): values for key, values in urllib.parse.parse_qs(parts.query).items()}
    kind = payload.get("Message_Type") if isinstance(payload, Mapping) else None
    if kind in CONFIRMATION_TYPES:
        template = (settings.subscription_confirmation_email_template
                    if kind == CONFIRMATION_TYPES[0]
                    else settings.unsubscribe_confirmation_email_template)
        link = confirmation_link(settings.external_confirmation_url, payload)
        if link is None:
            return Outcome.permanent("[notification] external_confirmation_url is not set, so "
                                     "no confirmation mail can be made")
        text = template.get("body", "").format(
            payload.get("queue_name", ""), payload.get("X-Project-ID", project), link)
        sender, subject = template.get("sender", ""), template.get("topic", "")
    else:
        text = json.dumps(payload)
        sender = str(options.get("from", ""))
        subject = params["subject"][0] if "subject" in params else str(
            options.get("subject", ""))
    message = EmailMessage()
    message["To"] = parts.path
    message["From"] = sender
    message["Subject"] = subject
    message.set_content(text, cte="quoted-printable")
    return message


def confirmation_link(base: str | None, payload: Mapping[str, Any]) -> str | None:
    """Zaqar's confirmation page link: the base URL with the signature as parameters
    (percent-encoded, so any project id or queue name survives)."""
    if base is None:
        return None
    fields = (("Signature", "URL-Signature"), ("Methods", "URL-Methods"), ("Paths", "URL-Paths"),
              ("Project", "X-Project-ID"), ("Expires", "URL-Expires"),
              ("Url", "WSGISubscribeURL"), ("Queue", "queue_name"))
    return base + "?" + "&".join(
        f"{name}={urllib.parse.quote(str(payload.get(key, '')), safe='/:')}"
        for name, key in fields)


def send_mail(subscriber: str, payload: Any, options: Mapping[str, Any], project: str,
              settings: Settings) -> Outcome:
    """Mail the notification the way ``[notification] smtp_mode`` says. A mail whose
    headers cannot be written (a line break in ``?subject=`` or ``options.from``) is
    refused for good."""
    try:
        message = mail(subscriber, payload, options, project, settings)
        if isinstance(message, Outcome):
            return message
        piped = settings.smtp_mode == "third_part"
        # A sendmail command reads lines ending in LF; SMTP wants CRLF.
        text = message.as_bytes(policy=message.policy if piped else email.policy.SMTP)
    except (email.errors.MessageError, ValueError) as exc:
        return Outcome.permanent(f"the mail cannot be written: {exc}")
    if piped:
        return _pipe(settings.smtp_command, text, settings.delivery_timeout)
    return _smtp(message["From"], message["To"], text, settings)


def _pipe(command: str, text: bytes, timeout: float) -> Outcome:
    try:
        done = subprocess.run(command.split(" "), input=text, capture_output=True,
                              timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return Outcome.transient(f"{command}: {exc}")
    if done.returncode != 0:
        reason = done.stderr.decode("utf-8", "replace").strip()[:200]
        return Outcome.transient(f"{command} exited with {done.returncode}: {reason}")
    return Outcome.done(f"{command} accepted the mail")


def _smtp(sender: str, recipient: str, text: bytes, settings: Settings) -> Outcome:
    """Hand the mail to the SMTP server: a 5xx answer is final, a 4xx one (or no
    answer) is worth another try."""
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.delivery_timeout
    try:
        server: smtplib.SMTP
        if settings.smtp_mode == "self_local":
            server = smtplib.SMTP_SSL(host, port, timeout=timeout,
                                      context=ssl.create_default_context())
        else:
            server = smtplib.SMTP(host, port, timeout=timeout)
        with server:
            if settings.smtp_mode == "starttls":
                server.starttls(context=ssl.create_default_context())
            if settings.smtp_user_name:
                server.login(settings.smtp_user_name, settings.smtp_user_password or "")
            server.sendmail(sender, [recipient], text)
    except smtplib.SMTPRecipientsRefused as exc:
        final = all(code >= 500 for code, _ in exc.recipients.values())
        return (Outcome.permanent if final else Outcome.transient)(f"mail refused: {exc}")
    except smtplib.SMTPResponseException as exc:
        final = exc.smtp_code >= 500
        return (Outcome.permanent if final else Outcome.transient)(
            f"SMTP {host}:{port} answered {exc.smtp_code}: {exc.smtp_error!r}")
    except (OSError, smtplib.SMTPException) as exc:
        return Outcome.transient(f"SMTP {host}:{port}: {exc}")
    return Outcome.done(f"SMTP {host}:{port} accepted the mail")


def send(subscriber: str, payload: Any, options: Mapping[str, Any], project: str,
         settings: Settings) -> Outcome:
    """Send one notification to a subscriber of any supported scheme."""
    scheme = subscriber.split(":", 1)[0].lower()
    if scheme == "mailto":
        return send_mail(subscriber, payload, options, project, settings)
    return send_webhook(subscriber, payload, options, settings.delivery_timeout)
