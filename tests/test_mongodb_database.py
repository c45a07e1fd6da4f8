"""``--storage mongodb://host/dbname`` serves from ``dbname``."""

from __future__ import annotations

import urllib.parse
import uuid
from pathlib import Path

import requests
from pymongo import MongoClient

from tests.live_server import UNRELIABLE, start_server, stop_server

HEADERS = {"Client-ID": "3d1c8e4a-7b0f-4c55-9a7e-2f6b1d0c9e11", "X-Project-ID": "p1"}


def test_the_url_names_the_database(mongodb_uri: str, tmp_path: Path) -> None:
    database = f"from_url_{uuid.uuid4().hex[:8]}"
    parts = urllib.parse.urlsplit(mongodb_uri)
    url = urllib.parse.urlunsplit(parts._replace(path=f"/{database}"))
    server = start_server("mongodb-url-database", url, tmp_path,
                          {"ZAQAR_LITE_MONGODB_DATABASE": "not_this_one", **UNRELIABLE})
    client: MongoClient = MongoClient(mongodb_uri)
    try:
        resp = requests.post(f"{server.url}/v2/queues/q1/messages", headers=HEADERS,
                             json={"messages": [{"body": 1}]}, timeout=30)
        assert resp.status_code == 201
        assert client[database]["queues"].find_one({"p": "p1", "n": "q1"}) is not None
        assert client[database]["messages"].count_documents({"p": "p1", "q": "q1"}) == 1
        assert client["not_this_one"]["messages"].count_documents({}) == 0
    finally:
        stop_server(server)
        client.drop_database(database)
        client.close()
