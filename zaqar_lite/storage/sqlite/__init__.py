"""The embedded SQLite driver: the default store, safe across worker processes."""
