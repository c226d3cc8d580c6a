"""Registry use cases."""
