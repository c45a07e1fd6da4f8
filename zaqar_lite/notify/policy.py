"""Zaqar's webhook retry policy: which policy applies and when each retry is due.

After the first attempt fails, retries come in four phases: ``retries_with_no_delay``
at once, ``minimum_delay_retries`` spaced ``minimum_delay``, then back-off
retries whose delays climb from ``minimum_delay`` towards ``maximum_delay`` in
steps of 5 s (the ``retry_backoff_function`` shapes the climb), then
``maximum_delay_retries`` spaced ``maximum_delay``. The delays are Zaqar's
(``zaqar/notification/tasks/webhook.py``); unlike Zaqar, no thread sleeps
through them: each retry is an outbox entry that falls due.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

RETRIES_WITH_NO_DELAY = 3
MINIMUM_DELAY_RETRIES = 3
MINIMUM_DELAY = 5
MAXIMUM_DELAY = 30
MAXIMUM_DELAY_RETRIES = 3
BACKOFF_STEP = 5


def _linear(low: int, high: int, step: int) -> list[int]:
    return list(range(low, high, step))


def _points(low: int, high: int, step: int) -> tuple[int, float]:
    count = int((high - low) / step)
    ratio = math.pow(10, math.log10(high / low) / (count - 1))
    return count, ratio


def _geometric(low: int, high: int, step: int) -> list[int]:
    count, ratio = _points(low, high, step)
    return [int(low * math.pow(ratio, index - 1)) for index in range(1, count + 1)]


def _exponential(low: int, high: int, step: int) -> list[int]:
    count, ratio = _points(low, high, step)
    return [int(low / ratio * math.pow(ratio, index)) for index in range(1, count + 1)]


def _arithmetic(low: int, high: int, step: int) -> list[int]:
    count = int((high - low) / step)
    difference = 2.0 * (high - low) / (count * (count - 1))
    return [int(low + (index - 1) * index * difference / 2) for index in range(1, count + 1)]


BACKOFF: dict[str, Callable[[int, int, int], list[int]]] = {
    "linear": _linear, "arithmetic": _arithmetic, "geometric": _geometric,
    "exponential": _exponential,
}


def effective_policy(subscription_options: Mapping[str, Any],
                     queue_policy: Mapping[str, Any]) -> Mapping[str, Any]:
    """The subscription's ``_retry_policy``, else the queue's; the queue's wins when
    either says ``ignore_subscription_override``."""
    own = subscription_options.get("_retry_policy") or {}
    own = own if isinstance(own, Mapping) else {}
    if own.get("ignore_subscription_override") or queue_policy.get(
            "ignore_subscription_override"):
        return queue_policy
    return own or queue_policy


def retry_delays(policy: Mapping[str, Any]) -> list[float]:
    """The delay before each retry, in order (the first attempt is not counted)."""
    low = int(policy.get("minimum_delay", MINIMUM_DELAY))
    high = int(policy.get("maximum_delay", MAXIMUM_DELAY))
    delays: list[float] = [0.0] * int(policy.get("retries_with_no_delay", RETRIES_WITH_NO_DELAY))
    delays += [float(low)] * int(policy.get("minimum_delay_retries", MINIMUM_DELAY_RETRIES))
    function = BACKOFF.get(str(policy.get("retry_backoff_function") or "linear"), _linear)
    if low <= 0:
        function = _linear  # the curved functions divide by the minimum delay
    if high - low >= 2 * BACKOFF_STEP:
        delays += [float(max(delay, 0)) for delay in function(low, high, BACKOFF_STEP)]
    delays += [float(high)] * int(policy.get("maximum_delay_retries", MAXIMUM_DELAY_RETRIES))
    return delays


def next_delay(policy: Mapping[str, Any], failed_attempts: int) -> float | None:
    """Seconds until the next attempt after ``failed_attempts`` failures, or None
    once every retry is spent."""
    delays = retry_delays(policy)
    index = failed_attempts - 1
    return delays[index] if 0 <= index < len(delays) else None
