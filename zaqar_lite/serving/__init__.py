"""Serving the WSGI app so that slow or idle clients cannot starve it.

Connections are handled on an event loop (uvicorn's httptools protocol under
gunicorn), and a request reaches one of the worker's threads only once it has
been received whole; a request that is not complete within the request
timeout is answered 408 and its connection closed. See ``worker.py``.
"""
