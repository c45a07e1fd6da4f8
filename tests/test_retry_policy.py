"""The webhook retry policy: Zaqar's phases, back-off curves and override rule."""

from __future__ import annotations

import pytest

from zaqar_lite.notify.policy import effective_policy, next_delay, retry_delays


@pytest.mark.parametrize(("function", "expected"), [
    ("linear", [10, 15, 20, 25, 30, 35, 40, 45, 50, 55]),
    ("arithmetic", [10, 11, 13, 16, 21, 26, 33, 41, 50, 60]),
    ("geometric", [10, 12, 14, 18, 22, 27, 33, 40, 49, 60]),
    ("exponential", [10, 12, 14, 18, 22, 27, 33, 40, 49, 60]),
])
def test_back_off_curves_are_zaqars(function: str, expected: list[int]) -> None:
    policy = {"retries_with_no_delay": 0, "minimum_delay_retries": 0,
              "maximum_delay_retries": 0, "minimum_delay": 10, "maximum_delay": 60,
              "retry_backoff_function": function}
    assert retry_delays(policy) == expected


def test_default_policy_phases() -> None:
    assert retry_delays({}) == [0, 0, 0, 5, 5, 5, 5, 10, 15, 20, 25, 30, 30, 30]


def test_next_delay_counts_failed_attempts() -> None:
    policy = {"retries_with_no_delay": 1, "minimum_delay_retries": 1, "minimum_delay": 5,
              "maximum_delay": 15, "maximum_delay_retries": 1}
    assert [next_delay(policy, failed) for failed in range(1, 7)] == [0, 5, 5, 10, 15, None]


def test_a_zero_minimum_delay_backs_off_linearly() -> None:
    policy = {"retries_with_no_delay": 0, "minimum_delay_retries": 0, "minimum_delay": 0,
              "maximum_delay": 10, "maximum_delay_retries": 0,
              "retry_backoff_function": "geometric"}
    assert retry_delays(policy) == [0, 5]


def test_the_subscription_policy_wins_unless_overridden() -> None:
    queue = {"retries_with_no_delay": 1}
    own = {"_retry_policy": {"retries_with_no_delay": 7}}
    assert effective_policy(own, queue) == {"retries_with_no_delay": 7}
    assert effective_policy({}, queue) == queue
    assert effective_policy(own, {**queue, "ignore_subscription_override": True})[
        "retries_with_no_delay"] == 1
    overriding = {"_retry_policy": {"retries_with_no_delay": 7,
                                    "ignore_subscription_override": True}}
    assert effective_policy(overriding, queue) == queue
    assert effective_policy({}, {}) == {}
