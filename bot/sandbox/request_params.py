"""Reading a Bot API call's parameters from an HTTP request, in every encoding Telegram accepts.

Parameters may come in the query string, as ``application/x-www-form-urlencoded`` (what
python-telegram-bot sends; objects and arrays arrive JSON-serialized as strings, booleans as
"true"/"false"), as ``multipart/form-data`` (uploads, with file parts and ``attach://name``
references) or as a JSON body (values arrive already typed). The body wins over the query.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.sandbox.errors import bad_request


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file part of a multipart request."""

    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(slots=True)
class RawCall:
    """Parameters before validation: strings (query, forms), JSON values, and file parts."""

    values: dict[str, Any] = field(default_factory=dict)
    files: dict[str, UploadedFile] = field(default_factory=dict)

    def summary(self) -> dict[str, Any]:
        """A loggable view: file parts are shown by name and size, not content."""
        shown: dict[str, Any] = dict(self.values)
        for name, upload in self.files.items():
            shown[name] = f"<file {upload.filename or name}, {len(upload.data)} bytes>"
        return shown


async def read_call(request: web.Request) -> RawCall:
    call = RawCall(values=dict(request.query))
    if not request.body_exists:
        return call
    content_type = request.content_type
    if content_type == "application/json":
        raw = await request.read()
        if not raw.strip():
            return call
        try:
            body = json.loads(raw)
        except ValueError as error:
            raise bad_request("can't parse JSON object") from error
        if not isinstance(body, dict):
            raise bad_request("JSON object expected as request body")
        call.values.update(body)
        return call
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = await request.post()
        for name, value in form.items():
            if isinstance(value, web.FileField):
                call.files[name] = UploadedFile(
                    filename=value.filename,
                    content_type=value.content_type,
                    data=value.file.read(),
                )
            else:
                call.values[name] = value if isinstance(value, str) else bytes(value).decode()
    return call
