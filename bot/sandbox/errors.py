"""Bot API errors as exceptions, and the JSON shape Telegram answers them with."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A failed call: raised by the sandbox's method code, turned into Telegram's error reply."""

    def __init__(self, error_code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.retry_after = retry_after

    def payload(self) -> dict[str, Any]:
        """The response body exactly as Telegram shapes it."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.error_code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(detail: str) -> ApiError:
    return ApiError(400, f"Bad Request: {detail}")


def forbidden(detail: str) -> ApiError:
    return ApiError(403, f"Forbidden: {detail}")


def conflict(detail: str) -> ApiError:
    return ApiError(409, f"Conflict: {detail}")


def unauthorized() -> ApiError:
    return ApiError(401, "Unauthorized")


def not_found() -> ApiError:
    return ApiError(404, "Not Found")


def too_many_requests(retry_after: int) -> ApiError:
    return ApiError(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


def not_implemented(method: str) -> ApiError:
    return ApiError(501, f"Not Implemented: the sandbox does not support {method}")


def server_error(status: int = 500) -> ApiError:
    descriptions = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}
    return ApiError(status, descriptions.get(status, "Internal Server Error"))


# Descriptions several modules share, worded as Telegram words them.
CHAT_NOT_FOUND = "chat not found"
BLOCKED = "bot was blocked by the user"
CANT_INITIATE = "bot can't initiate conversation with a user"
