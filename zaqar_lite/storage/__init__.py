"""Storage drivers behind one contract (``base.Store``), chosen by URL."""

from __future__ import annotations

from zaqar_lite.storage.base import Clock, Store, system_clock


def open_store(url: str, *, clock: Clock = system_clock, **options: object) -> Store:
    """Open the store a URL names: ``sqlite:///path`` or ``mongodb://...``.

    Extra ``options`` go to the driver (e.g. ``database`` for MongoDB).
    """
    if url.startswith("sqlite:///"):
        from zaqar_lite.storage.sqlite.driver import SQLiteStore

        return SQLiteStore(sqlite_path(url), clock=clock)
    if url.startswith(("mongodb://", "mongodb+srv://")):
        from zaqar_lite.storage.mongodb.driver import MongoStore

        return MongoStore(url, clock=clock, **options)  # type: ignore[arg-type]
    raise ValueError(f"unsupported storage URL: {url}")


def sqlite_path(url: str) -> str:
    """The file path of an SQLAlchemy-style SQLite URL.

    ``sqlite:///relative.db`` is relative to the working directory,
    ``sqlite:////abs/path.db`` is absolute.
    """
    path = url[len("sqlite:///"):]
    if not path:
        raise ValueError(f"SQLite URL names no file: {url}")
    return path
