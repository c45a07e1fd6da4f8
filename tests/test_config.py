"""Settings: INI < environment < flags, and bad values stop startup by name."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from zaqar_lite.config import OPTIONS, ConfigError, Settings, load_settings

REPO = Path(__file__).resolve().parents[1]


def write_ini(tmp_path: Path, text: str) -> str:
    path = tmp_path / "zaqar.conf"
    path.write_text(text)
    return str(path)


def test_defaults_serve_the_embedded_store() -> None:
    settings = load_settings(environ={})
    assert settings.storage_url == "sqlite:///zaqar-lite.db"
    assert (settings.bind, settings.port) == ("127.0.0.1", 8888)
    assert settings.max_messages_post_size == 262144


def test_zaqar_sections_are_read(tmp_path: Path) -> None:
    path = write_ini(tmp_path, """
[DEFAULT]
debug = true
[drivers]
message_store = mongodb
[drivers:message_store:mongodb]
uri = mongodb://db.example.net:27017
database = queues
[transport]
max_messages_post_size = 1024
max_claim_ttl = 600
unknown_option = ignored
""")
    settings = load_settings(path, environ={})
    assert settings.debug is True
    assert settings.storage_url == "mongodb://db.example.net:27017"
    assert settings.mongodb_database == "queues"
    assert settings.max_messages_post_size == 1024
    assert settings.max_claim_ttl == 600


def test_environment_overrides_file_and_flags_override_both(tmp_path: Path) -> None:
    path = write_ini(tmp_path, "[transport]\nmax_claim_ttl = 600\nmax_claim_grace = 700\n")
    environ = {"ZAQAR_LITE_MAX_CLAIM_TTL": "900", "ZAQAR_LITE_CONFIG": path}
    settings = load_settings(environ=environ, overrides={"max_claim_grace": 800})
    assert settings.max_claim_ttl == 900
    assert settings.max_claim_grace == 800


def test_storage_url_overrides_driver_choice() -> None:
    settings = load_settings(environ={"ZAQAR_LITE_STORAGE": "sqlite:////var/lib/z.db",
                                      "ZAQAR_LITE_MESSAGE_STORE": "mongodb"})
    assert settings.storage_url == "sqlite:////var/lib/z.db"


@pytest.mark.parametrize(("text", "named"), [
    ("[transport]\nmax_claim_ttl = soon\n", "[transport] max_claim_ttl"),
    ("[drivers]\nmessage_store = redis\n", "[drivers] message_store"),
    ("[DEFAULT]\ndebug = maybe\n", "[DEFAULT] debug"),
    ("[drivers:transport:wsgi]\nworkers = 0\n", "[drivers:transport:wsgi] workers"),
    ("[drivers]\nstorage_url = postgres://x\n", "[drivers] storage_url"),
])
def test_bad_values_name_the_option(tmp_path: Path, text: str, named: str) -> None:
    with pytest.raises(ConfigError, match=named.replace("[", r"\[").replace("]", r"\]")):
        load_settings(write_ini(tmp_path, text), environ={})


def test_inconsistent_limits_are_rejected() -> None:
    with pytest.raises(ConfigError, match="default_message_ttl"):
        load_settings(environ={"ZAQAR_LITE_MAX_MESSAGE_TTL": "100",
                               "ZAQAR_LITE_DEFAULT_MESSAGE_TTL": "3600"})


def test_every_option_is_a_setting_and_in_the_sample() -> None:
    assert {option.field for option in OPTIONS} == {
        field.name for field in dataclasses.fields(Settings)}
    sample = (REPO / "etc" / "zaqar-lite.conf").read_text()
    for option in OPTIONS:
        assert f"[{option.section}]" in sample
        assert f"#{option.name} = " in sample, option.name
        assert option.env in sample


def test_serve_refuses_a_bad_flag_with_a_clear_message() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "zaqar_lite", "serve", "--workers", "many"],
        capture_output=True, text=True, timeout=60, cwd=REPO,
    )
    assert result.returncode == 2
    assert "workers" in result.stderr and "many" in result.stderr
    assert "Traceback" not in result.stderr


def serve_refusal(*flags: str) -> str:
    """The one line ``zaqar-lite serve`` prints when it refuses to start."""
    result = subprocess.run([sys.executable, "-m", "zaqar_lite", "serve", *flags],
                            capture_output=True, text=True, timeout=60, cwd=REPO)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_serve_refuses_a_port_out_of_range() -> None:
    assert serve_refusal("--bind", "127.0.0.1:99999") == (
        "zaqar-lite: invalid value for [drivers:transport:wsgi] port (flag --bind): "
        "expected a port from 1 to 65535, got 99999")


def test_serve_refuses_an_sqlite_path_it_cannot_create(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    url = f"sqlite:///{blocker}/queues.db"
    line = serve_refusal("--storage", url)
    assert line.startswith(f"zaqar-lite: cannot open the store of [drivers] storage_url ({url}): ")


@pytest.mark.parametrize("url", ["mongodb://user:pa:ss@db.example.net",
                                 "mongodb://db.example.net:99999/",
                                 "mongodb:///zaqar"])
def test_serve_refuses_a_malformed_mongodb_uri(url: str) -> None:
    line = serve_refusal("--storage", url)
    assert line.startswith("zaqar-lite: invalid value for [drivers] storage_url (flag --storage): "
                           f"malformed MongoDB URI {url!r}: ")


def test_the_database_in_a_mongodb_url_wins_over_the_option() -> None:
    settings = load_settings(environ={"ZAQAR_LITE_STORAGE": "mongodb://db.example.net/queues",
                                      "ZAQAR_LITE_MONGODB_DATABASE": "other"})
    assert settings.mongodb_database_name == "queues"
    settings = load_settings(environ={"ZAQAR_LITE_STORAGE": "mongodb://db.example.net/?w=1",
                                      "ZAQAR_LITE_MONGODB_DATABASE": "other"})
    assert settings.mongodb_database_name == "other"


def dockerfile_environment() -> dict[str, str]:
    """The ``ENV`` defaults the Dockerfile sets."""
    text = (REPO / "Dockerfile").read_text().replace("\\\n", " ")
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("ENV "):
            pairs.update(item.split("=", 1) for item in line[4:].split())
    return pairs


def test_the_image_defaults_leave_a_mounted_zaqar_conf_in_charge(tmp_path: Path) -> None:
    env = dockerfile_environment()
    image = load_settings(environ=env)
    assert (image.bind, image.port) == ("0.0.0.0", 8888)
    assert image.storage_url == "sqlite:////data/zaqar-lite.db"
    conf = tmp_path / "zaqar.conf"
    conf.write_text("[drivers]\nmessage_store = mongodb\n"
                    "[drivers:message_store:mongodb]\nuri = mongodb://db.example.net/queues\n")
    mounted = load_settings(str(conf), environ=env)
    assert mounted.storage_url == "mongodb://db.example.net/queues"
    assert mounted.mongodb_database_name == "queues"
    moved = load_settings(environ={**env, "ZAQAR_LITE_BIND": "127.0.0.1",
                                   "ZAQAR_LITE_PORT": "9000"})
    assert (moved.bind, moved.port) == ("127.0.0.1", 9000)


def test_a_zaqar_conf_with_a_message_pipeline_still_loads(tmp_path) -> None:
    conf = tmp_path / "zaqar.conf"
    conf.write_text("[storage]\nmessage_pipeline = zaqar.notification.notifier\n"
                    "[notification]\nrequire_confirmation = true\n"
                    "[signed_url]\nsecret_key = s3cret\n")
    settings = load_settings(str(conf), environ={})
    assert (settings.require_confirmation, settings.secret_key) == (True, "s3cret")
