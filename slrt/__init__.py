"""Shared plumbing of SLRT: settings base, database and unit of work, outbox/inbox, broker, auth,
telemetry, reference data and the `slrt` command. No service logic lives here."""
