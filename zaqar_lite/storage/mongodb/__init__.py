"""The MongoDB driver: the production store, shared by any number of servers."""
