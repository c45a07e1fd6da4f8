"""The request threads run each call once and settle it with its outcome."""

from __future__ import annotations

import threading
from collections.abc import Callable

from zaqar_lite.serving.threads import RequestThreads


def test_calls_are_settled_with_their_result_or_error() -> None:
    threads: RequestThreads[int] = RequestThreads(3)
    outcomes: dict[int, int | Exception] = {}
    names: set[str] = set()
    settled = threading.Semaphore(0)

    def call(n: int) -> int:
        names.add(threading.current_thread().name)
        if n % 5 == 0:
            raise ValueError(n)
        return n * n

    def settle_for(n: int) -> Callable[[int | Exception], None]:
        def settle(outcome: int | Exception) -> None:
            outcomes[n] = outcome
            settled.release()
        return settle

    for n in range(1, 31):
        threads.submit(lambda n=n: call(n), settle_for(n))
    for _ in range(30):
        assert settled.acquire(timeout=10)
    threads.stop()
    assert {n: o for n, o in outcomes.items() if not isinstance(o, Exception)} == {
        n: n * n for n in range(1, 31) if n % 5}
    assert sorted(o.args[0] for o in outcomes.values() if isinstance(o, Exception)) == [
        5, 10, 15, 20, 25, 30]
    assert names <= {"request-0", "request-1", "request-2"}
    assert not any(t.name.startswith("request-") and t.is_alive()
                   for t in threading.enumerate())
