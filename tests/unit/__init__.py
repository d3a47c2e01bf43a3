"""Rules and pieces tested on their own, on a real database, without Telegram."""
