"""Repository-level pytest configuration: fixtures shared by several suites."""

pytest_plugins = ["tests.live_server", "tests.webhook_receiver"]
