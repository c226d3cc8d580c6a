"""Referral use cases: each runs in one unit of work, called by a thin HTTP or Kafka edge."""
