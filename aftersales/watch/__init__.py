"""The 15-day order watch (§7): follow-up tasks raised by rules, worked by agents."""
