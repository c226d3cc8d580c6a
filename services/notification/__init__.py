"""Notification service: keeps the book of referral deadlines and reminds agencies about them."""
