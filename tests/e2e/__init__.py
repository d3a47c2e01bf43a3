"""The real bot over real HTTP against the local Bot API sandbox, on a real database."""
