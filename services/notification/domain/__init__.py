"""Pure domain of notification: which deadlines a referral has and when they stop mattering."""
