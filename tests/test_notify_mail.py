"""Mail notifications end to end: live servers mail a real SMTP sink or a sendmail.

Every ``[notification] smtp_mode``: ``smtp`` (headers, the subject from the URI
or the options, the JSON text; a refused address fails at once), ``starttls``
and ``self_local`` (SMTP over SSL), both logging in and verifying a throwaway
CA's certificate, and refusing a server whose CA is not trusted; ``third_part``
pipes the mail into a sendmail-style script, and a failed run is retried. And
the confirmation mail, whose link confirms the subscription. Also: a 4xx to RCPT
is retried, a payload longer than an SMTP line is mailed, a mail whose headers
cannot be written fails at once, and the confirmation link survives any project id.

The servers are SQLite-backed only: the outbox they deliver from is covered
on both stores (SQLite and MongoDB) by the webhook tests in
tests/test_notifications.py; what is new here is the last step, the mail.
"""

from __future__ import annotations

import email
import email.message
import json
import re
import stat
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.live_server import SECRET_KEY, Api, LiveServer, start_server, stop_server
from tests.smtp_sink import Certificates, Mail, Sink, make_certificates
from tests.test_notifications import FAST, NO_WAIT, notifications, post, subscribe

CREDENTIALS = ("zaqar-mailer", "s3cret-Pa55")
SENDER = "zaqar@example.com"
CONFIRM_URL = "http://example.com/confirm"


def serve(factory: pytest.TempPathFactory, name: str, env: dict[str, str]) -> LiveServer:
    """A SQLite-backed server that delivers quickly, configured by ``env``."""
    workdir = factory.mktemp(name)
    return start_server("sqlite", f"sqlite:///{workdir}/mail.db", workdir, {**FAST, **env})


def smtp_env(mode: str, port: int, host: str = "127.0.0.1", *, login: bool = False,
             ca_file: Path | None = None) -> dict[str, str]:
    env = {"ZAQAR_LITE_SMTP_MODE": mode, "ZAQAR_LITE_SMTP_HOST": host,
           "ZAQAR_LITE_SMTP_PORT": str(port)}
    if login:
        env["ZAQAR_LITE_SMTP_USER_NAME"], env["ZAQAR_LITE_SMTP_USER_PASSWORD"] = CREDENTIALS
    if ca_file is not None:
        env["SSL_CERT_FILE"] = str(ca_file)  # what ssl.create_default_context() trusts
    return env


def wait_until(check: Callable[[], bool], timeout: float = 30, what: str = "it") -> None:
    """Poll ``check`` until it holds, failing after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.05)


def settled(api: Api) -> None:
    """Wait until the server has no notification left to send (sent or failed)."""
    wait_until(lambda: notifications(api)["pending"] == 0, what="delivery of every notification")


def payload(body: object, queue: str = "events") -> dict[str, Any]:
    return {"ttl": 600, "body": body, "Message_Type": "Notification", "queue_name": queue}


@pytest.fixture
def clients() -> Iterator[Callable[[LiveServer], Api]]:
    """Make clients, each in a project of its own."""
    made: list[Api] = []

    def make(server: LiveServer) -> Api:
        client = Api(server.url, f"project-{uuid.uuid4().hex[:12]}", str(uuid.uuid4()))
        made.append(client)
        return client

    yield make
    for client in made:
        client.session.close()


def address(name: str) -> str:
    """A recipient no other test mails."""
    return f"{name}-{uuid.uuid4().hex[:8]}@example.com"


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="module")
def plain_sink() -> Iterator[Sink]:
    sink = Sink().start()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def smtp_server(plain_sink: Sink,
                tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    server = serve(tmp_path_factory, "mail-smtp", smtp_env("smtp", plain_sink.port))
    yield server
    stop_server(server)


def test_smtp_mails_each_message_as_json_with_the_uri_subject(
        smtp_server: LiveServer, plain_sink: Sink, clients: Callable[[LiveServer], Api]) -> None:
    api = clients(smtp_server)
    subscribe(api, "mailto:ops@example.com?subject=Orders", options={"from": SENDER})
    post(api, {"order": 1}, {"order": 2})
    mails = plain_sink.wait_count("ops@example.com", 2)
    for mail in mails:
        assert (mail.mail_from, mail.rcpt_tos) == (SENDER, ("ops@example.com",))
        assert mail.header("To") == "ops@example.com"
        assert mail.header("From") == SENDER
        assert mail.header("Subject") == "Orders"
        assert mail.message.get_content_type() == "text/plain"
        assert (mail.tls, mail.login) == (None, None)
    assert sorted((mail.json() for mail in mails), key=lambda got: got["body"]["order"]) == [
        payload({"order": 1}), payload({"order": 2})]
    settled(api)
    assert len(plain_sink.to("ops@example.com")) == 2


def test_the_subject_is_the_uris_else_the_options(
        smtp_server: LiveServer, plain_sink: Sink, clients: Callable[[LiveServer], Api]) -> None:
    api = clients(smtp_server)
    from_options, both = address("options"), address("both")
    subscribe(api, f"mailto:{from_options}", options={"from": SENDER, "subject": "From options"})
    subscribe(api, f"mailto:{both}?subject=From%20the%20URI",
              options={"from": SENDER, "subject": "Not this"})
    post(api, "hello")
    (mail,) = plain_sink.wait_count(from_options, 1)
    assert (mail.header("Subject"), mail.header("To"), mail.json()) == (
        "From options", from_options, payload("hello"))
    (mail,) = plain_sink.wait_count(both, 1)
    assert (mail.header("Subject"), mail.header("To"), mail.json()) == (
        "From the URI", both, payload("hello"))


def test_a_refused_address_is_not_retried_and_the_failure_is_kept(
        smtp_server: LiveServer, plain_sink: Sink, clients: Callable[[LiveServer], Api]) -> None:
    api = clients(smtp_server)
    nobody = address("nobody")
    plain_sink.script(nobody, *["550 5.1.1 No such user here"] * 5)
    failed_before = notifications(api)["failed"]
    subscribe(api, f"mailto:{nobody}", options={"from": SENDER, "_retry_policy": NO_WAIT})
    post(api, "undeliverable")
    wait_until(lambda: notifications(api)["failed"] == failed_before + 1, what="the failure")
    assert plain_sink.attempts(nobody) == 1
    assert plain_sink.to(nobody) == []


def test_a_temporarily_refused_address_is_retried(
        smtp_server: LiveServer, plain_sink: Sink, clients: Callable[[LiveServer], Api]) -> None:
    api = clients(smtp_server)
    busy = address("busy")
    plain_sink.script(busy, "451 4.3.0 Mailbox busy, try again later")
    subscribe(api, f"mailto:{busy}", options={"from": SENDER, "_retry_policy": NO_WAIT})
    post(api, "later")
    settled(api)
    assert plain_sink.attempts(busy) == 2
    assert [mail.json() for mail in plain_sink.to(busy)] == [payload("later")]


def test_a_message_over_a_thousand_characters_is_mailed(
        smtp_server: LiveServer, plain_sink: Sink, clients: Callable[[LiveServer], Api]) -> None:
    api = clients(smtp_server)
    long = address("long")
    subscription_id = subscribe(api, f"mailto:{long}",
                                options={"from": SENDER, "_retry_policy": NO_WAIT})
    try:
        post(api, {"text": "x" * 1500})
        # Either it arrives, or the first attempt failed and the (immediate) retry began.
        plain_sink.wait_for(lambda: bool(plain_sink.to(long)) or plain_sink.attempts(long) >= 2)
        assert [mail.json() for mail in plain_sink.to(long)] == [payload({"text": "x" * 1500})]
        assert plain_sink.attempts(long) == 1
    finally:
        api.delete(f"/v2/queues/events/subscriptions/{subscription_id}")


def test_a_mail_whose_headers_cannot_be_written_is_not_retried_forever(
        smtp_server: LiveServer, plain_sink: Sink, clients: Callable[[LiveServer], Api]) -> None:
    api = clients(smtp_server)
    broken = address("broken")
    failed_before = notifications(api)["failed"]
    created = api.post("/v2/queues/events/subscriptions", json={
        "subscriber": f"mailto:{broken}?subject=Hi%0ABcc:%20evil@example.net",
        "options": {"from": SENDER, "_retry_policy": NO_WAIT}})
    if created.status_code == 400:
        return  # refusing such a subscriber is a fix too
    assert created.status_code == 201, created.text
    try:
        post(api, "injected?")
        # The deliverer logs the subscriber once the first attempt is over, whatever it was.
        wait_until(lambda: f"to mailto:{broken}" in smtp_server.log(), what="the first attempt")
        assert plain_sink.to("evil@example.net") == []
        assert notifications(api)["failed"] == failed_before + 1
    finally:
        api.delete(f"/v2/queues/events/subscriptions/{created.json()['subscription_id']}")


@pytest.fixture(scope="module")
def starttls_sink(certificates: Certificates) -> Iterator[Sink]:
    sink = Sink(CREDENTIALS).start(tls_context=certificates.server_context(),
                                   require_starttls=True, auth_required=True)
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def starttls_server(starttls_sink: Sink, certificates: Certificates,
                    tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = smtp_env("starttls", starttls_sink.port, "localhost", login=True,
                   ca_file=certificates.ca_file)
    server = serve(tmp_path_factory, "mail-starttls", env)
    yield server
    stop_server(server)


def assert_secure_mail(mail: Mail, recipient: str, body: object) -> None:
    assert mail.tls in ("TLSv1.2", "TLSv1.3"), mail.tls
    assert mail.login == CREDENTIALS[0]
    assert (mail.mail_from, mail.rcpt_tos) == (SENDER, (recipient,))
    assert (mail.header("To"), mail.header("From"), mail.header("Subject")) == (
        recipient, SENDER, "Secure")
    assert mail.json() == payload(body)


def test_starttls_logs_in_and_mails_over_tls(
        starttls_server: LiveServer, starttls_sink: Sink,
        clients: Callable[[LiveServer], Api]) -> None:
    api = clients(starttls_server)
    recipient = address("starttls")
    subscribe(api, f"mailto:{recipient}?subject=Secure", options={"from": SENDER})
    post(api, {"over": "starttls"})
    (mail,) = starttls_sink.wait_count(recipient, 1)
    assert_secure_mail(mail, recipient, {"over": "starttls"})
    assert (CREDENTIALS[0], True) in starttls_sink.logins
    assert (CREDENTIALS[0], False) not in starttls_sink.logins


@pytest.fixture(scope="module")
def smtps_sink(certificates: Certificates) -> Iterator[Sink]:
    """Implicit TLS; AUTH is offered on it (aiosmtpd only counts STARTTLS as TLS)."""
    sink = Sink(CREDENTIALS).start(ssl_context=certificates.server_context(),
                                   auth_require_tls=False)
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def self_local_server(smtps_sink: Sink, certificates: Certificates,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = smtp_env("self_local", smtps_sink.port, login=True, ca_file=certificates.ca_file)
    server = serve(tmp_path_factory, "mail-self-local", env)
    yield server
    stop_server(server)


def test_self_local_logs_in_and_mails_over_smtp_ssl(
        self_local_server: LiveServer, smtps_sink: Sink,
        clients: Callable[[LiveServer], Api]) -> None:
    api = clients(self_local_server)
    recipient = address("smtps")
    subscribe(api, f"mailto:{recipient}?subject=Secure", options={"from": SENDER})
    post(api, {"over": "smtps"})
    (mail,) = smtps_sink.wait_count(recipient, 1)
    assert_secure_mail(mail, recipient, {"over": "smtps"})
    assert smtps_sink.logins and all(good for _, good in smtps_sink.logins)


def test_a_certificate_from_an_untrusted_ca_is_refused(
        smtps_sink: Sink, tmp_path_factory: pytest.TempPathFactory,
        clients: Callable[[LiveServer], Api]) -> None:
    other_ca = make_certificates(tmp_path_factory.mktemp("other-ca")).ca_file
    env = smtp_env("self_local", smtps_sink.port, login=True, ca_file=other_ca)
    server = serve(tmp_path_factory, "mail-untrusted", env)
    try:
        api = clients(server)
        recipient = address("untrusted")
        subscribe(api, f"mailto:{recipient}", options={"from": SENDER, "_retry_policy": NO_WAIT})
        post(api, "secret")
        wait_until(lambda: any(recipient in line and "CERTIFICATE_VERIFY_FAILED" in line
                               for line in server.log().splitlines()),
                   what="a refused attempt in the server log")
        assert smtps_sink.attempts(recipient) == 0
        assert smtps_sink.to(recipient) == []
    finally:
        stop_server(server)


FAKE_SENDMAIL = """#!/bin/sh
# A sendmail stand-in: each mail read on stdin becomes one file in {out}; every run
# is logged to {calls}. The first mail to flaky@example.com fails (exit 1).
incoming=$(mktemp "{out}/.incoming.XXXXXX")
cat > "$incoming"
to=$(sed -n 's/^To: //p' "$incoming" | head -n 1)
echo "$to $*" >> "{calls}"
if [ "$to" = "flaky@example.com" ] && [ ! -e "{marker}" ]; then
    : > "{marker}"
    rm -f "$incoming"
    echo "sendmail: cannot queue the mail now" >&2
    exit 1
fi
mv "$incoming" "{out}/mail.${{incoming##*.}}.eml"
"""


class Sendmail:
    """The fake sendmail's files: the mails it took and its runs."""

    def __init__(self, directory: Path) -> None:
        assert " " not in str(directory), "smtp_command is split on spaces"
        self.out = directory / "out"
        self.out.mkdir()
        self.calls = directory / "calls.log"
        self.calls.touch()
        self.script = directory / "fake-sendmail"
        self.script.write_text(FAKE_SENDMAIL.format(out=self.out, calls=self.calls,
                                                    marker=directory / "flaky.failed"))
        self.script.chmod(self.script.stat().st_mode | stat.S_IXUSR)

    def mails(self, recipient: str) -> list[email.message.Message]:
        found = [email.message_from_bytes(path.read_bytes()) for path in self.out.glob("*.eml")]
        return [mail for mail in found if mail["To"] == recipient]

    def runs(self, recipient: str) -> list[str]:
        """The arguments of each run that read a mail to ``recipient``."""
        lines = self.calls.read_text().splitlines()
        return [line.split(" ", 1)[1] for line in lines if line.split(" ", 1)[0] == recipient]

    def wait_count(self, recipient: str, count: int) -> list[email.message.Message]:
        wait_until(lambda: len(self.mails(recipient)) >= count,
                   what=f"{count} mail(s) to {recipient}")
        return self.mails(recipient)


@pytest.fixture(scope="module")
def sendmail(tmp_path_factory: pytest.TempPathFactory) -> Sendmail:
    return Sendmail(tmp_path_factory.mktemp("sendmail"))


@pytest.fixture(scope="module")
def third_part_server(sendmail: Sendmail,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {"ZAQAR_LITE_SMTP_MODE": "third_part",
           "ZAQAR_LITE_SMTP_COMMAND": f"{sendmail.script} -t -oi"}
    server = serve(tmp_path_factory, "mail-third-part", env)
    yield server
    stop_server(server)


def email_json(message: email.message.Message) -> Any:
    data = message.get_payload(decode=True)
    assert isinstance(data, bytes)
    return json.loads(data.decode(message.get_content_charset() or "us-ascii"))


def test_third_part_pipes_each_mail_into_the_command(
        third_part_server: LiveServer, sendmail: Sendmail,
        clients: Callable[[LiveServer], Api]) -> None:
    api = clients(third_part_server)
    subscribe(api, "mailto:ops@example.com?subject=Orders", options={"from": SENDER})
    post(api, {"order": 1}, {"order": 2})
    mails = sendmail.wait_count("ops@example.com", 2)
    for mail in mails:
        assert (mail["To"], mail["From"], mail["Subject"]) == (
            "ops@example.com", SENDER, "Orders")
        assert mail.get_content_type() == "text/plain"
    bodies = [payload({"order": 1}), payload({"order": 2})]
    assert sorted((email_json(mail) for mail in mails),
                  key=lambda got: got["body"]["order"]) == bodies
    settled(api)
    assert sendmail.runs("ops@example.com") == ["-t -oi", "-t -oi"]


def test_third_part_a_failed_run_is_retried(
        third_part_server: LiveServer, sendmail: Sendmail,
        clients: Callable[[LiveServer], Api]) -> None:
    api = clients(third_part_server)
    failed_before = notifications(api)["failed"]
    subscribe(api, "mailto:flaky@example.com", options={"from": SENDER, "_retry_policy": NO_WAIT})
    post(api, "persist")
    (mail,) = sendmail.wait_count("flaky@example.com", 1)
    assert email_json(mail) == payload("persist")
    settled(api)
    assert len(sendmail.runs("flaky@example.com")) == 2, "the failed run and the retry"
    assert len(sendmail.mails("flaky@example.com")) == 1
    assert notifications(api)["failed"] == failed_before


@pytest.fixture(scope="module")
def confirming_server(plain_sink: Sink,
                      tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    env = {**smtp_env("smtp", plain_sink.port), "ZAQAR_LITE_REQUIRE_CONFIRMATION": "true",
           "ZAQAR_LITE_SECRET_KEY": SECRET_KEY,
           "ZAQAR_LITE_EXTERNAL_CONFIRMATION_URL": CONFIRM_URL}
    server = serve(tmp_path_factory, "mail-confirming", env)
    yield server
    stop_server(server)


def confirmation_link(mail: Mail) -> dict[str, str]:
    """The query parameters of the one confirmation link in the mail's text."""
    (link,) = re.findall(r"https?://\S+", mail.text())
    assert link.startswith(CONFIRM_URL + "?"), link
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(link).query, keep_blank_values=True)
    assert all(len(values) == 1 for values in query.values()), link
    return {name: values[0] for name, values in query.items()}


def test_confirmation_mail_and_its_link_confirm_the_subscription(
        confirming_server: LiveServer, plain_sink: Sink,
        clients: Callable[[LiveServer], Api]) -> None:
    api = clients(confirming_server)
    recipient, queue = address("confirm"), "orders"
    subscription_id = subscribe(api, f"mailto:{recipient}?subject=Orders", queue=queue,
                                options={"from": SENDER})
    (mail,) = plain_sink.wait_count(recipient, 1)
    assert mail.header("Subject") == "Zaqar Notification - Subscription Confirmation"
    assert mail.header("From") == "Zaqar Notifications <no-reply@openstack.org>"
    assert (mail.mail_from, mail.header("To")) == ("no-reply@openstack.org", recipient)
    text = mail.text()
    assert f"You have chosen to subscribe to the queue: {queue}." in text
    assert f"This queue belongs to project: {api.project}." in text
    link = confirmation_link(mail)
    path = f"/v2/queues/{queue}/subscriptions/{subscription_id}/confirm"
    assert set(link) == {"Signature", "Methods", "Paths", "Project", "Expires", "Url", "Queue"}
    assert (link["Methods"], link["Paths"], link["Project"], link["Queue"]) == (
        "PUT", path, api.project, queue)
    assert re.fullmatch(r"[0-9a-f]{64}", link["Signature"])
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", link["Expires"])
    post(api, "before confirming", queue=queue)

    subscriber = Api(confirming_server.url, link["Project"], str(uuid.uuid4()))
    try:
        signed = {"URL-Signature": link["Signature"], "URL-Methods": link["Methods"],
                  "URL-Paths": link["Paths"], "URL-Expires": link["Expires"]}
        confirmed = subscriber.put(link["Paths"], json={"confirmed": True}, headers=signed)
        assert confirmed.status_code == 204, confirmed.text
        post(api, "after confirming", queue=queue)
        mails = plain_sink.wait_count(recipient, 2)
        assert (mails[1].header("Subject"), mails[1].header("From")) == ("Orders", SENDER)
        assert mails[1].json() == payload("after confirming", queue)

        gone = subscriber.put(link["Paths"], json={"confirmed": False}, headers=signed)
        assert gone.status_code == 204, gone.text
        mails = plain_sink.wait_count(recipient, 3)
    finally:
        subscriber.session.close()
    assert mails[2].header("Subject") == "Zaqar Notification - Unsubscribe Confirmation"
    assert f"You have unsubscribed successfully to the queue: {queue}." in mails[2].text()
    assert confirmation_link(mails[2])["Paths"] == path
    post(api, "after unsubscribing", queue=queue)
    settled(api)
    assert len(plain_sink.to(recipient)) == 3


def test_the_confirmation_link_carries_any_project_id(
        confirming_server: LiveServer, plain_sink: Sink) -> None:
    project = f"acme & co {uuid.uuid4().hex[:6]}"
    api = Api(confirming_server.url, project, str(uuid.uuid4()))
    try:
        recipient = address("project")
        subscribe(api, f"mailto:{recipient}", options={"from": SENDER})
        (mail,) = plain_sink.wait_count(recipient, 1)
        assert f"This queue belongs to project: {project}." in mail.text()
        link = confirmation_link(mail)
        assert (link.get("Project"), link.get("Queue")) == (project, "events")
    finally:
        api.session.close()
