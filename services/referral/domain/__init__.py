"""Pure domain of the referral service: agencies, routing, SLA clock and the referral state machine.

Nothing here does I/O or reads the clock; time always comes in as an argument.
"""
