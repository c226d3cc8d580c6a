"""Intake service: receives complaints (keluhan) from Puskesos, front offices and tablets."""
