"""zaqar-lite: a Zaqar-compatible REST message-queuing server."""

__version__ = "0.1.0"
