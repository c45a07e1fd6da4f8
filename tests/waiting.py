"""Waiting for what a test server sends, without fixed sleeps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_on(condition: threading.Condition, check: Callable[[], bool], timeout: float,
            describe: Callable[[], str]) -> None:
    """Wait until ``check()`` holds, re-checking whenever ``condition`` is notified;
    fail after ``timeout`` seconds with ``describe()`` of what was seen."""
    deadline = time.monotonic() + timeout
    with condition:
        while not check():
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"not seen in {timeout} s; got {describe()}")
            condition.wait(min(left, 0.5))
