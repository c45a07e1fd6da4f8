"""The ``openstack messaging …`` commands (python-openstackclient with zaqarclient's
plugin) against the live servers, through zaqar-lite's ``zaqar-noauth`` plugin."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from tests.live_server import Api, LiveServer

OPENSTACK = shutil.which("openstack", path=str(Path(sys.executable).parent)) or "openstack"


class Cli:
    """``openstack`` with the no-keystone plugin, one project and one client id."""

    def __init__(self, server: LiveServer, project: str) -> None:
        self.auth = ["--os-auth-type", "zaqar-noauth", "--os-endpoint", server.url,
                     "--os-project-id", project]
        self.env = {"PATH": str(Path(sys.executable).parent),
                    "OS_MESSAGE_CLIENT_ID": str(uuid.uuid4()), "HOME": "/nonexistent"}

    def run(self, *args: str) -> str:
        result = subprocess.run([OPENSTACK, *self.auth, "messaging", *args], env=self.env,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, f"{args}: {result.stderr}"
        return result.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.run(*args, "-f", "json"))


def test_openstack_messaging_commands(server: LiveServer, raw: Api, project: str) -> None:
    cli = Cli(server, project)
    assert cli.json("ping") == {"Pingable": True}
    assert cli.json("queue", "create", "jobs") == {"Name": "jobs"}
    assert {"Name": "jobs"} in cli.json("queue", "list")
    cli.run("message", "post", "jobs", json.dumps([{"body": {"n": 1}, "ttl": 300},
                                                   {"body": 2}]))
    listed = cli.json("message", "list", "jobs", "--echo")
    assert [(m["Body"], m["TTL"]) for m in listed] == [({"n": 1}, 300), (2, 3600)]
    [claimed] = cli.json("claim", "create", "jobs", "--ttl", "120", "--grace", "60",
                         "--limit", "1")
    assert claimed["Message_ID"] == listed[0]["ID"]
    stats = cli.json("queue", "stats", "jobs")["Stats"]["messages"]
    assert (stats["claimed"], stats["free"], stats["total"]) == (1, 1, 2)
    [held] = cli.json("claim", "query", "jobs", claimed["Claim_ID"])
    assert held["Message"] == {"n": 1}
    claim_path = f"/v2/queues/jobs/claims/{claimed['Claim_ID']}"
    assert raw.get(claim_path).json()["ttl"] == 120
    cli.run("claim", "renew", "jobs", claimed["Claim_ID"], "--ttl", "240")
    assert raw.get(claim_path).json()["ttl"] == 240
    cli.run("claim", "release", "jobs", claimed["Claim_ID"])
    assert cli.json("queue", "stats", "jobs")["Stats"]["messages"]["claimed"] == 0
    cli.run("queue", "set", "metadata", "jobs", json.dumps({"owner": "ops"}))
    assert cli.json("queue", "get", "metadata", "jobs")["Metadata"]["owner"] == "ops"
    assert raw.get("/v2/queues/jobs").json()["owner"] == "ops"
    cli.run("queue", "purge", "jobs")
    assert raw.get("/v2/queues/jobs/stats").json()["messages"]["total"] == 0
    cli.run("queue", "delete", "jobs")
    assert cli.json("queue", "list") == []


def test_openstack_subscription_and_signed_url_commands(server: LiveServer, raw: Api,
                                                        project: str) -> None:
    """Five CLI runs (~2.5 s each): subscription create/list/show/delete, queue signed url.

    No message is posted to the subscribed queue, so nothing is ever notified."""
    cli = Cli(server, project)
    hook = "http://127.0.0.1:9/hooks/cli"
    options = {"post_headers": {"X-Token": "abc"}}
    created = cli.json("subscription", "create", "alerts", hook, "600",
                       "--options", json.dumps(options))
    sid = created["ID"]
    assert len(sid) == 24
    assert created == {"ID": sid, "Subscriber": hook, "TTL": 600, "Options": options}
    stored = raw.get(f"/v2/queues/alerts/subscriptions/{sid}").json()
    assert (stored["source"], stored["subscriber"], stored["ttl"], stored["options"]) == (
        "alerts", hook, 600, options)

    [listed] = cli.json("subscription", "list", "alerts")
    shown = cli.json("subscription", "show", "alerts", sid)
    for row in (listed, shown):
        assert row["Age"] >= 0
        assert {k: v for k, v in row.items() if k != "Age"} == {
            "ID": sid, "Subscriber": hook, "TTL": 600, "Confirmed": False, "Options": options}

    share = cli.json("queue", "signed", "url", "alerts", "--paths", "messages,claims",
                     "--ttl-seconds", "600", "--methods", "POST,GET")
    assert share["Paths"] == "/v2/queues/alerts/claims,/v2/queues/alerts/messages"
    assert share["Methods"] == "GET,POST"
    assert share["Project ID"] == project
    assert len(share["Signature"]) == 64
    # the printed values are what a holder sends as headers
    signed = {"URL-Signature": share["Signature"], "URL-Expires": share["Expires"],
              "URL-Methods": share["Methods"], "URL-Paths": share["Paths"]}
    listing = raw.get("/v2/queues/alerts/messages", headers=signed)
    assert listing.status_code == 200
    assert listing.json()["messages"] == []
    assert raw.post("/v2/queues/alerts/claims", headers=signed,
                    json={"ttl": 60, "grace": 60}).status_code == 204  # nothing to claim
    assert raw.get("/v2/queues/alerts/stats", headers=signed).status_code == 404
    assert raw.delete("/v2/queues/alerts/messages/" + "0" * 24,
                      headers=signed).status_code == 404

    cli.run("subscription", "delete", "alerts", sid)
    assert raw.get(f"/v2/queues/alerts/subscriptions/{sid}").status_code == 404
    assert raw.get("/v2/queues/alerts/subscriptions").json()["subscriptions"] == []
