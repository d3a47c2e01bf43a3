"""The local Bot API sandbox, tested on its own with a real python-telegram-bot client."""
