"""Scheduled failures for fault tests: the next N matching calls fail in a chosen way."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass


class FaultKind(enum.Enum):
    SERVER_ERROR = "server_error"  # 500 (or the status given), the call is not applied
    FORBIDDEN = "forbidden"  # 403 "bot was blocked by the user", not applied
    TIMEOUT_DROP = "timeout_drop"  # not applied, and no response ever comes
    TIMEOUT_HANG = "timeout_hang"  # applied (the user sees it), but no response ever comes
    BAD_REQUEST = "bad_request"  # 400 (Telegram refuses the call for good), not applied


@dataclass(slots=True)
class FaultRule:
    kind: FaultKind
    remaining: int
    methods: frozenset[str] | None  # lower-cased method names; None = every method
    chat_id: int | None
    status: int = 500

    def matches(self, method: str, chat_id: object) -> bool:
        name = method.lower()
        if self.methods is None:
            # Polling is left alone unless asked for: failing it would only stall the bot.
            if name == "getupdates":
                return False
        elif name not in self.methods:
            return False
        return self.chat_id is None or chat_id == self.chat_id


class FaultPlan:
    """The queue of scheduled faults; the oldest matching rule fires first."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self.fired = 0

    def add(
        self,
        count: int,
        kind: FaultKind,
        *,
        methods: Iterable[str] | None = None,
        chat_id: int | None = None,
        status: int = 500,
    ) -> None:
        if count < 1:
            raise ValueError("count must be at least 1")
        names = None if methods is None else frozenset(name.lower() for name in methods)
        self._rules.append(FaultRule(kind, count, names, chat_id, status))

    def take(self, method: str, chat_id: object) -> FaultRule | None:
        """The rule that fires for this call, if any, counted as fired."""
        for rule in self._rules:
            if rule.matches(method, chat_id):
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._rules.remove(rule)
                self.fired += 1
                return rule
        return None

    def clear(self) -> None:
        self._rules.clear()

    @property
    def pending(self) -> int:
        return sum(rule.remaining for rule in self._rules)
