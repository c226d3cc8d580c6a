"""Registry adapters: household tables and the repository that maps them to domain objects."""
