"""Pre-signed URLs: Zaqar's signature, its test vector, and the verification rules."""

from __future__ import annotations

import calendar

import pytest

from zaqar_lite.signing import SigningError, sign, signature, verify

KEY = "my-secret"
PATHS = ["/v2/queues/jobs/messages", "/v2/queues/jobs/claims"]
NOW = float(calendar.timegm((2026, 1, 1, 0, 0, 0)))


def test_the_reference_test_vector():
    assert signature(KEY, PATHS, ["POST", "GET"], "proj-1", "2030-01-01T00:00:00") == (
        "c5579c0da6d2e05c6daaf3fd0fe66cc7cc10c33924f611115eb1fb19b13011a0")


def test_sign_sorts_normalises_and_defaults():
    signed = sign(KEY, PATHS, project="proj-1", now=NOW, methods=["POST", "GET"],
                  expires="2030-01-01T01:00:00+01:00")
    assert signed.paths == sorted(PATHS)
    assert signed.methods == ["GET", "POST"]
    assert signed.expires == "2030-01-01T00:00:00"
    assert signed.signature.startswith("c5579c0d")
    default = sign(KEY, PATHS[:1], project="p", now=NOW)
    assert (default.methods, default.expires) == (["GET"], "2026-01-02T00:00:00")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"methods": "GET"}, "`methods` should be a list"),
    ({"expires": "1500000000"}, "`expires` should be date format, for example "
                                "2016-01-01T00:00:00, not integer value: 1500000000"),
    ({"expires": 1500000000}, "not integer value: 1500000000"),
    ({"expires": "2020-01-01T00:00:00"}, "`expires` is lower than the current time"),
    ({"expires": "soon"}, "Unable to parse date string 'soon'"),
])
def test_sign_refuses(kwargs, message):
    with pytest.raises(SigningError, match=message.replace("(", r"\(").replace(")", r"\)")):
        sign(KEY, PATHS, project="p", now=NOW, **kwargs)


def test_sign_without_a_key():
    with pytest.raises(SigningError, match="The `key` can't be None"):
        sign(None, PATHS, project="p", now=NOW)


def headers(**changes):
    signed = sign(KEY, PATHS, project="proj-1", now=NOW, methods=["GET", "POST"],
                  expires="2026-01-01T00:10:00")
    base = {"URL-Signature": signed.signature, "URL-Expires": signed.expires,
            "URL-Methods": ",".join(signed.methods), "URL-Paths": ",".join(signed.paths),
            "X-Project-ID": "proj-1"}
    base.update(changes)
    return base


def test_verify_admits_signed_methods_and_sub_paths():
    assert verify(KEY, headers(), "GET", "/v2/queues/jobs/messages", NOW)
    assert verify(KEY, headers(), "POST", "/v2/queues/jobs/claims", NOW)
    assert verify(KEY, headers(), "GET", "/v2/queues/jobs/messages/0123456789abcdef01234567",
                  NOW)


@pytest.mark.parametrize(("method", "path", "changes", "now"), [
    ("DELETE", "/v2/queues/jobs/messages", {}, NOW),
    ("GET", "/v2/queues/jobs/stats", {}, NOW),
    ("GET", "/v2/queues/jobs/messages", {"X-Project-ID": "proj-2"}, NOW),
    ("GET", "/v2/queues/jobs/messages", {"URL-Signature": "0" * 64}, NOW),
    ("GET", "/v2/queues/jobs/messages", {"URL-Methods": "GET"}, NOW),
    ("GET", "/v2/queues/jobs/messages", {"URL-Expires": "1767226200"}, NOW),
    ("GET", "/v2/queues/jobs/messages", {"URL-Expires": "garbage"}, NOW),
    ("GET", "/v2/queues/jobs/messages", {}, NOW + 600),
])
def test_verify_refuses(method, path, changes, now):
    assert not verify(KEY, headers(**changes), method, path, now)


def test_verify_without_a_key_refuses():
    assert not verify(None, headers(), "GET", "/v2/queues/jobs/messages", NOW)
