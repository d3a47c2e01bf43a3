"""The domain: the rules of the bot as async functions over a database session.

Nothing here imports `telegram`; handlers translate between Telegram and these functions.
"""
