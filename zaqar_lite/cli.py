"""``zaqar-lite serve`` (gunicorn), ``zaqar-lite notifier`` (notification delivery on
its own) and ``zaqar-lite bench`` (load generator)."""

from __future__ import annotations

import argparse
import atexit
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Sequence
from typing import Any

from zaqar_lite.bench import SCENARIOS
from zaqar_lite.config import (
    METRICS_DIR_ENV,
    ConfigError,
    Settings,
    load_settings,
    option_name,
    parse_flag,
)


def _serve_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides: dict[str, Any] = {}
    if args.bind:
        host, sep, port = args.bind.rpartition(":")
        if not sep or not host:
            raise ConfigError(f"invalid value for --bind: expected HOST:PORT, got {args.bind!r}")
        overrides["bind"] = parse_flag("bind", host)
        overrides["port"] = parse_flag("port", port, flag="bind")
    for field in ("workers", "threads"):
        value = getattr(args, field)
        if value is not None:
            overrides[field] = parse_flag(field, str(value))
    return {**_store_overrides(args), **overrides}


def _store_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The flags of every command that opens the store (``store_flags``)."""
    return {} if args.storage is None else {"storage": parse_flag("storage", args.storage)}


def check_storage(settings: Settings) -> None:
    """Check the store before forking, so that what no worker could fix stops
    start-up with one line instead of failing in every worker.

    An SQLite store is opened and closed (its file must be creatable). A MongoDB
    deployment must be replicated unless ``unreliable`` is set; one that does not
    answer is not an error here: the server starts and answers 503 until it does.
    """
    url = settings.storage_url
    from zaqar_lite.errors import StorageUnavailable, UnreliableStore

    if url.startswith("mongodb"):
        from pymongo.errors import PyMongoError

        from zaqar_lite.storage.mongodb.database import check_deployment, connect_client

        with connect_client(url, connect=True) as client:
            try:
                check_deployment(client, url, unreliable=settings.unreliable)
            except UnreliableStore as exc:
                raise ConfigError(f"refusing to start: {exc.reason}") from None
            except PyMongoError:
                pass
        return
    from zaqar_lite.storage import open_store

    try:
        open_store(url).close()
    except (OSError, StorageUnavailable) as exc:
        reason = exc.reason if isinstance(exc, StorageUnavailable) else str(exc)
        raise ConfigError(f"cannot open the store of {option_name(settings.storage_field)} "
                          f"({url}): {reason}") from None


def share_metrics_between_workers() -> None:
    """Give the workers a directory for their metrics (prometheus_client's
    multi-process mode) unless ``PROMETHEUS_MULTIPROC_DIR`` names one already.

    It must be set before prometheus_client is first imported, which decides
    then where samples live; a directory made here is removed at exit.
    """
    if os.environ.get(METRICS_DIR_ENV):
        return
    directory = tempfile.mkdtemp(prefix="zaqar-lite-metrics-")
    os.environ[METRICS_DIR_ENV] = directory
    atexit.register(shutil.rmtree, directory, ignore_errors=True)


def serve(settings: Settings) -> None:
    """Run gunicorn in this process; each worker builds the app (and store) after fork."""
    from gunicorn.app.base import BaseApplication

    from zaqar_lite.app import create_asgi_app
    from zaqar_lite.logs import configure_logging
    from zaqar_lite.metrics import worker_exited
    from zaqar_lite.serving import balance
    from zaqar_lite.serving.worker import Worker

    # Rows for a new set of workers to start while the old one stops (SIGHUP).
    table = balance.TABLE = balance.ConnectionTable(2 * settings.worker_processes + 1)

    def pre_fork(arbiter: Any, worker: Any) -> None:
        worker.connection_row = table.reserve()

    def child_exit(arbiter: Any, worker: Any) -> None:
        worker_exited(worker.pid)
        if worker.connection_row is not None:
            table.release(worker.connection_row)

    class ZaqarLiteApplication(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            self.cfg.set("bind", [f"{settings.bind}:{settings.port}"])
            self.cfg.set("workers", settings.worker_processes)
            self.cfg.set("timeout", settings.timeout)
            self.cfg.set("keepalive", settings.keepalive)
            self.cfg.set("worker_class", Worker)
            self.cfg.set("pre_fork", pre_fork)
            self.cfg.set("child_exit", child_exit)
            self.cfg.set("loglevel", "debug" if settings.debug else "info")
            if "control_socket_disable" in self.cfg.settings:
                # The runtime control socket has one fixed path per user, so two
                # servers on one machine would fight over it; nothing here uses it.
                self.cfg.set("control_socket_disable", True)

        def load(self) -> Any:
            configure_logging(settings.debug)
            return create_asgi_app(settings)

    ZaqarLiteApplication().run()


def run_notifier(settings: Settings) -> None:
    """Deliver notifications in the foreground until SIGTERM or SIGINT."""
    import signal
    import threading

    from zaqar_lite.app import open_configured_store
    from zaqar_lite.logs import configure_logging
    from zaqar_lite.notify.deliverer import Deliverer

    configure_logging(settings.debug)
    store = open_configured_store(settings)
    deliverer = Deliverer(store, settings)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    deliverer.start()
    stopping.wait()
    deliverer.stop()
    store.close()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="zaqar-lite", description="A Zaqar-compatible message-queuing server.")
    commands = parser.add_subparsers(dest="command", required=True)
    store_flags = argparse.ArgumentParser(add_help=False)
    store_flags.add_argument("--config", help="INI file (Zaqar option names); "
                                              "default $ZAQAR_LITE_CONFIG")
    store_flags.add_argument("--storage", help="sqlite:///relative.db, sqlite:////absolute.db "
                                               "or mongodb://host:port")

    serve_cmd = commands.add_parser("serve", parents=[store_flags],
                                    help="serve the REST API with gunicorn")
    serve_cmd.add_argument("--bind", help="HOST:PORT to listen on (default 127.0.0.1:8888)")
    serve_cmd.add_argument("--workers", help="gunicorn worker processes")
    serve_cmd.add_argument("--threads", help="threads per worker")

    notifier_cmd = commands.add_parser(
        "notifier", parents=[store_flags],
        help="deliver notifications from the store's outbox, apart from the servers "
             "(see [notification] deliver_in_server)")
    notifier_cmd.add_argument("--workers", help="notifications sent at once "
                                                "([notification] max_notifier_workers)")

    bench_cmd = commands.add_parser("bench", help="measure throughput and latency of a server")
    target = bench_cmd.add_mutually_exclusive_group()
    target.add_argument("--url", default="http://127.0.0.1:8888",
                        help="server root URL (default http://127.0.0.1:8888)")
    target.add_argument("--serve", metavar="STORAGE",
                        help="start zaqar-lite serve on this storage URL and also report "
                             "its CPU time per request")
    bench_cmd.add_argument("--server-group", type=int, metavar="PGID",
                           help="also report the CPU time per request of this process group "
                                "(a server started elsewhere, e.g. another Zaqar's gunicorn)")
    bench_cmd.add_argument("--store-group", type=int, metavar="PGID",
                           help="also report the CPU time per request of this process group "
                                "as the store's (e.g. the database server)")
    bench_cmd.add_argument("--seconds", type=float, default=10.0,
                           help="duration of each scenario")
    bench_cmd.add_argument("--clients", type=int, default=8, help="concurrent clients")
    bench_cmd.add_argument("scenarios", nargs="*", metavar="SCENARIO",
                           help=f"scenarios to run (default: all of {' '.join(SCENARIOS)})")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "bench":
        from zaqar_lite.bench import run_bench

        unknown = sorted(set(args.scenarios) - set(SCENARIOS))
        if unknown:
            print(f"zaqar-lite: unknown scenario {', '.join(unknown)}; choose from "
                  f"{' '.join(SCENARIOS)}", file=sys.stderr)
            return 2
        return run_bench(None if args.serve else args.url, storage=args.serve,
                         seconds=args.seconds, clients=args.clients,
                         scenarios=args.scenarios or list(SCENARIOS),
                         server_group=args.server_group, store_group=args.store_group)
    if args.command == "notifier":
        settings = _checked_settings(args, _notifier_overrides)
        if settings is None:
            return 2
        run_notifier(settings)
        return 0
    share_metrics_between_workers()
    settings = _checked_settings(args, _serve_overrides)
    if settings is None:
        return 2
    serve(settings)
    return 0


def _notifier_overrides(args: argparse.Namespace) -> dict[str, Any]:
    overrides = _store_overrides(args)
    if args.workers is not None:
        overrides["max_notifier_workers"] = parse_flag("max_notifier_workers", args.workers,
                                                       flag="workers")
    return overrides


def _checked_settings(args: argparse.Namespace,
                      overrides: Callable[[argparse.Namespace], dict[str, Any]]
                      ) -> Settings | None:
    """The settings of a command (file, environment, its flags), with a usable store;
    None once the reason it cannot start has been printed."""
    try:
        settings = load_settings(args.config, overrides=overrides(args))
        check_storage(settings)
    except ConfigError as exc:
        print(f"zaqar-lite: {exc}", file=sys.stderr)
        return None
    return settings
