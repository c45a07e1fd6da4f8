"""The deliverer: drains the store's outbox, never on a request thread.

One thread leases due deliveries, as many as there are free sending threads
(``[notification] max_notifier_workers``), and hands each to one of them; a
sent delivery is removed, a failed one is retried when its retry policy says
(a new due time in the outbox, not a sleeping thread) or kept as failed once
the policy is spent or the subscriber refused it. Sending threads only note
how each attempt ended; the leasing thread writes those notes in one batch
before it leases again, so a busy outbox costs two writes per batch, not two
per notification. Deliveries whose
subscription is gone are dropped. Any number of deliverers, in any number of
processes and hosts sharing the store, can run: leases keep them apart, and a
crashed deliverer's leases run out and are taken again (at least once). A
deliverer also ends the leases of dead deliverers of its own host (their process
is gone) within seconds, so a server killed and restarted, or a worker killed and
replaced, resends what was in flight without waiting for the leases to run out.

A server worker runs one and rings it after each post, so a notification
usually leaves within milliseconds; otherwise it looks every
``poll_interval`` seconds.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from zaqar_lite.config import Settings
from zaqar_lite.errors import ZaqarError
from zaqar_lite.metrics import NOTIFICATIONS
from zaqar_lite.notify import senders
from zaqar_lite.notify.policy import effective_policy, next_delay
from zaqar_lite.notify.senders import Outcome
from zaqar_lite.storage.base import Clock, Delivery, Settlement, Store, system_clock

LOG = logging.getLogger(__name__)

SWEEP_SECONDS = 60
"""How often expired subscriptions, and failed deliveries past their retention (or
beyond the cap), are removed."""
PEER_CHECK_SECONDS = 5
"""How often the leases of this host's deliverers are checked for dead holders."""

Send = Callable[[str, Any, Mapping[str, Any], str, Settings], Outcome]

DELIVERED = NOTIFICATIONS.labels("delivered")
RETRIED = NOTIFICATIONS.labels("retried")
FAILED = NOTIFICATIONS.labels("failed")
CANCELLED = NOTIFICATIONS.labels("cancelled")


class Deliverer:
    """Delivers the outbox of one store (see the module docstring)."""

    def __init__(self, store: Store, settings: Settings, *, clock: Clock = system_clock,
                 send: Send = senders.send) -> None:
        self._store = store
        self._settings = settings
        self._clock = clock
        self._send = send
        self._host = f"{socket.gethostname()}/"
        self.owner = f"{self._host}{os.getpid()}/{uuid.uuid4().hex[:8]}"
        """This deliverer's lease token: host, process id and a random part."""
        self._workers = settings.max_notifier_workers
        self._pool = ThreadPoolExecutor(self._workers, thread_name_prefix="notify")
        self._busy = 0
        self._settled: list[Settlement] = []
        self._lock = threading.Lock()
        self._idle = threading.Condition(self._lock)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_sweep = 0.0
        self._last_peer_check = 0.0

    def ring(self) -> None:
        """Look for due deliveries now (a post may have made some)."""
        self._wake.set()

    def start(self) -> None:
        """Deliver from a background thread until ``stop``."""
        self._thread = threading.Thread(target=self._run, name="deliverer", daemon=True)
        self._thread.start()
        LOG.info("delivering notifications as %s", self.owner)

    def stop(self) -> None:
        """Stop leasing, and wait (up to the delivery timeout) for sends under way.

        If the store fails as their ends are written, the attempts stay leased
        to this deliverer, and another sends them again once it is gone (at
        least once), so the failure is logged and the stop goes on.
        """
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=self._settings.delivery_timeout)
        try:
            self.wait_idle(self._settings.delivery_timeout)
        except ZaqarError as exc:
            with self._lock:
                unwritten = len(self._settled)
            LOG.warning("stopping: how %d notification attempts ended could not be written "
                        "(%s); they are sent again once this process is gone", unwritten, exc)
        self._pool.shutdown(wait=False)

    def wait_idle(self, timeout: float) -> bool:
        """Wait until no send is under way and record how they ended; False if the
        time ran out first."""
        with self._idle:
            idle = self._idle.wait_for(lambda: self._busy == 0, timeout)
        self.settle()
        return idle

    def settle(self) -> None:
        """Write how the finished attempts ended (one store write for all); if the
        store fails, they are kept for the next try."""
        with self._lock:
            settled, self._settled = self._settled, []
        if not settled:
            return
        try:
            self._store.outbox.settle(self.owner, settled)
        except ZaqarError:
            with self._lock:
                self._settled[:0] = settled
            raise

    def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                dispatched = self.dispatch_due()
                self.housekeeping()
            except ZaqarError as exc:
                LOG.warning("notifications wait: the store failed (%s)", exc)
                dispatched = 0
            except Exception:
                LOG.exception("deliverer error; looking again in %.1f s",
                              self._settings.poll_interval)
                dispatched = 0
            if not dispatched:
                self._wake.wait(self._settings.poll_interval)
                self._wake.clear()

    def dispatch_due(self) -> int:
        """Record finished attempts, lease due deliveries for the free sending threads
        and start them; how many were leased."""
        self.settle()
        with self._lock:
            free = self._workers - self._busy
        if free <= 0:
            return 0
        leased = self._store.outbox.lease(self.owner, free, self._settings.delivery_lease)
        if not leased:
            return 0
        live = self._store.subscriptions.live_ids(
            [delivery.entry.subscription_id for delivery in leased])
        for delivery in leased:
            if delivery.entry.subscription_id not in live:
                self._note(Settlement(delivery.id))
                CANCELLED.inc()
                LOG.info("notification %s dropped: subscription %s is gone", delivery.id,
                         delivery.entry.subscription_id)
                continue
            with self._lock:
                self._busy += 1
            self._pool.submit(self._attempt, delivery)
        return len(leased)

    def _attempt(self, delivery: Delivery) -> None:
        entry = delivery.entry
        try:
            outcome = self._send(entry.subscriber, entry.payload, entry.options, entry.project,
                                 self._settings)
            self._note(self._settlement(delivery, outcome))
        except Exception:
            LOG.exception("notification %s to %s: unexpected error; it will be tried again "
                          "once its lease ends", delivery.id, entry.subscriber)
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()
            self._wake.set()

    def _note(self, settlement: Settlement) -> None:
        with self._lock:
            self._settled.append(settlement)

    def _settlement(self, delivery: Delivery, outcome: Outcome) -> Settlement:
        entry = delivery.entry
        attempts = delivery.attempts + 1
        if outcome.delivered:
            DELIVERED.inc()
            LOG.debug("notification %s to %s delivered (%s)", delivery.id, entry.subscriber,
                      outcome.detail)
            return Settlement(delivery.id)
        delay = None
        if outcome.retryable:
            delay = next_delay(effective_policy(entry.options, entry.queue_policy), attempts)
        if delay is not None:
            RETRIED.inc()
            LOG.info("notification %s to %s: attempt %d failed (%s); next in %g s",
                     delivery.id, entry.subscriber, attempts, outcome.detail, delay)
            return Settlement(delivery.id, error=outcome.detail, retry_at=self._clock() + delay)
        FAILED.inc()
        LOG.warning("notification %s of queue %s (project %s) to %s failed after %d "
                    "attempt(s): %s; kept as failed", delivery.id, entry.queue, entry.project,
                    entry.subscriber, attempts, outcome.detail)
        return Settlement(delivery.id, error=outcome.detail,
                          keep_until=int(self._clock()) + self._settings.failed_retention)

    def housekeeping(self) -> None:
        """What the delivering thread does besides delivering, each on its own
        schedule: end dead peers' leases, remove expired and spent entries."""
        now = self._clock()
        if now - self._last_peer_check >= PEER_CHECK_SECONDS:
            self._last_peer_check = now
            self.release_dead_peers()
        if now - self._last_sweep < SWEEP_SECONDS:
            return
        self._last_sweep = now
        removed = self._store.outbox.sweep(self._settings.max_failed)
        if removed:
            LOG.info("removed %d failed notifications past their retention or the cap",
                     removed)
        expired = self._store.subscriptions.remove_expired()
        if expired:
            LOG.info("removed %d expired subscriptions", expired)

    def release_dead_peers(self) -> int:
        """End the leases of deliverers of this host whose process has gone (a killed
        server's); how many deliveries that made due. A process id taken again by
        another process keeps its leases until they run out."""
        dead = {owner for owner in self._store.outbox.leaseholders(self._host)
                if owner != self.owner and not _running(owner[len(self._host):])}
        if not dead:
            return 0
        released = self._store.outbox.release(dead)
        LOG.warning("%d notifications leased by %s, whose process is gone, are due again",
                    released, ", ".join(sorted(dead)))
        return released


def _running(owner_rest: str) -> bool:
    """Whether the process named by ``pid/…`` of a lease token is alive; a token of
    another form is treated as alive. A killed process whose parent died with it
    can stay a zombie for a while: that counts as dead."""
    try:
        pid = int(owner_rest.split("/", 1)[0])
    except ValueError:
        return True
    if pid <= 0:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            state = stat.read().rsplit(b")", 1)[-1].split()[:1]
    except FileNotFoundError:
        return False
    except OSError:
        return _signalable(pid)
    return state not in ([b"Z"], [b"X"])


def _signalable(pid: int) -> bool:
    """Whether a process ``pid`` exists, where there is no ``/proc`` to read."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True
