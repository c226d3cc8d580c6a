"""Pure domain of the registry service: households, needs rules, matching, demo data. No I/O."""
