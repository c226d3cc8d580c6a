"""Referral adapters: database tables and the repository over them."""
