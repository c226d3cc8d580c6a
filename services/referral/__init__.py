"""Referral service: opens a case per assessed complaint and refers it to the agencies that act."""
