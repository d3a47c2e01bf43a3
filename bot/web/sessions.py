"""Desk sessions: short, bound to one Telegram user, kept in this process.

The cookie holds only a random id; what it stands for (the person, when it ends, its CSRF token)
is kept here, so logging out ends a session for good: the same cookie sent again finds nothing.
A restart of the bot logs everyone out, which costs a coach one tap on the desk button.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from dataclasses import dataclass

SESSION_LENGTH = dt.timedelta(hours=8)
# Sessions are few (one per coach who opened the desk today); this bounds a flood of logins.
MAX_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class DeskSession:
    """One login: whose it is, its CSRF token and when it ends."""

    id: str
    person_id: int
    csrf: str
    expires_at: dt.datetime

    def csrf_matches(self, token: str | None) -> bool:
        return token is not None and hmac.compare_digest(token.encode(), self.csrf.encode())


class SessionStore:
    """The open sessions of this process."""

    def __init__(self) -> None:
        self._sessions: dict[str, DeskSession] = {}

    def open(self, *, person_id: int, now: dt.datetime) -> DeskSession:
        self._forget_expired(now)
        if len(self._sessions) >= MAX_SESSIONS:
            oldest = min(self._sessions.values(), key=lambda s: s.expires_at)
            del self._sessions[oldest.id]
        session = DeskSession(
            id=secrets.token_urlsafe(32),
            person_id=person_id,
            csrf=secrets.token_urlsafe(32),
            expires_at=now + SESSION_LENGTH,
        )
        self._sessions[session.id] = session
        return session

    def get(self, session_id: str | None, *, now: dt.datetime) -> DeskSession | None:
        if not session_id:
            return None
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if session.expires_at <= now:
            del self._sessions[session_id]
            return None
        return session

    def close(self, session_id: str) -> None:
        self._sessions.pop(session_id, None)

    def _forget_expired(self, now: dt.datetime) -> None:
        for key in [k for k, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[key]
