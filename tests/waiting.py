"""Waiting for what a test server sends, without fixed sleeps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_on(condition: threading.Condition, check: Callable[[], bool], timeout: float,
            describe: Callable[[], str]) -> None:
    """Wait until ``check()`` holds, re-checking whenever ``condition`` is notified
    (and at least twice a second); fail after ``timeout`` seconds with ``describe()``
    of what was seen.

    ``check`` runs without the lock: it may ask the server under test, whose own
    requests to the receiver would otherwise wait for the answer, and time out.
    """
    deadline = time.monotonic() + timeout
    while not check():
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"not seen in {timeout} s; got {describe()}")
        with condition:
            condition.wait(min(left, 0.5))
