"""Notification delivery: the retry policy, the webhook and mail senders, and the
deliverer that drains the store's outbox (in each server worker, or alone as
``zaqar-lite notifier``)."""
