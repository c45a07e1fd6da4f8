"""Real client libraries (openstacksdk, python-zaqarclient) against the live server."""
