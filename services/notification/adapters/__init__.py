"""Notification adapters: the deadline book's tables."""
