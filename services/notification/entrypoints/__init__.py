"""Notification entrypoints: the HTTP API and the Kafka subscriptions."""
