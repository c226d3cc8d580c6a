"""Intake use cases: each runs in one unit of work and is called by a thin HTTP or Kafka edge."""
