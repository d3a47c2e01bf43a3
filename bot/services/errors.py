"""Domain errors: refusals the person should be told about in their own language."""

from __future__ import annotations


class DomainError(Exception):
    """A rule said no. `user_message` is a msgid (English) marked with N_ for translation."""

    def __init__(self, detail: str, *, user_message: str | None = None) -> None:
        super().__init__(detail)
        self.user_message = user_message
