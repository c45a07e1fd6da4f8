"""python-zaqarclient 3.0.1 (v1 and v1.1 clients) against the live servers.

4.x removed the legacy clients, so the scenarios run in a virtualenv of their own
(``.venv-legacy`` at the top of the checkout, built on first use) with the
scenario script ``legacy_zaqarclient.py``.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.live_server import LiveServer

REPO = Path(__file__).resolve().parents[2]
LEGACY_VENV = REPO / ".venv-legacy"
LEGACY_CLIENT = "python-zaqarclient==3.0.1"
SCRIPT = Path(__file__).with_name("legacy_zaqarclient.py")


@pytest.fixture(scope="session")
def legacy_python() -> Path:
    """The Python of a virtualenv with python-zaqarclient 3.0.1, built if missing."""
    python = LEGACY_VENV / "bin" / "python"
    check = [str(python), "-c", "import importlib.metadata as m; "
             "assert m.version('python-zaqarclient') == '3.0.1'"]
    if python.exists() and subprocess.run(check, capture_output=True).returncode == 0:
        return python
    subprocess.run([sys.executable, "-m", "venv", "--clear", str(LEGACY_VENV)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", LEGACY_CLIENT], check=True,
                   timeout=600)
    subprocess.run(check, check=True)
    return python


@pytest.mark.parametrize("scenario", ["queues", "messages", "claims"])
@pytest.mark.parametrize("version", ["1", "1.1"])
def test_legacy_client(legacy_python: Path, server: LiveServer, version: str,
                       scenario: str) -> None:
    project = f"legacy-{uuid.uuid4().hex[:12]}"
    result = subprocess.run(
        [str(legacy_python), str(SCRIPT), server.url, version, project, scenario],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0 and result.stdout.strip() == "ok", (
        f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}")
