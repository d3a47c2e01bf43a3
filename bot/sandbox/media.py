"""Bot API media objects (PhotoSize, Voice, Document, ...) for stored files."""

from __future__ import annotations

from typing import Any

from bot.sandbox.files import FileStore, image_size
from bot.sandbox.models import StoredFile

MEDIA_KINDS = ("photo", "voice", "document", "sticker", "audio", "video")
DEFAULT_PHOTO_SIZE = (800, 600)
_THUMBNAIL_SIDE = 90


def _base(stored: StoredFile) -> dict[str, Any]:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": len(stored.data),
    }


def photo_sizes(files: FileStore, stored: StoredFile) -> list[dict[str, Any]]:
    """The sizes Telegram makes of a photo: a thumbnail first, the original last."""
    width, height = image_size(stored.data) or DEFAULT_PHOTO_SIZE
    largest = {**_base(stored), "width": width, "height": height}
    if max(width, height) <= _THUMBNAIL_SIDE:
        return [largest]
    scale = _THUMBNAIL_SIDE / max(width, height)
    thumbnail = files.add(stored.data, "photo", mime_type=stored.mime_type)
    small = {
        **_base(thumbnail),
        "width": max(1, round(width * scale)),
        "height": max(1, round(height * scale)),
    }
    return [small, largest]


def media_object(files: FileStore, kind: str, stored: StoredFile, details: dict[str, Any]) -> Any:
    """The object a Message carries for ``kind``; ``details`` holds duration, emoji, etc."""
    if kind == "photo":
        return photo_sizes(files, stored)
    data = _base(stored)
    if kind == "voice":
        data.update(duration=int(details.get("duration") or 1), mime_type="audio/ogg")
    elif kind == "audio":
        data["duration"] = int(details.get("duration") or 1)
        for name in ("performer", "title"):
            if details.get(name):
                data[name] = details[name]
    elif kind == "video":
        width, height = image_size(stored.data) or (640, 360)
        data.update(
            width=int(details.get("width") or width),
            height=int(details.get("height") or height),
            duration=int(details.get("duration") or 1),
        )
    elif kind == "sticker":
        data.update(type="regular", width=512, height=512, is_animated=False, is_video=False)
        if details.get("emoji"):
            data["emoji"] = details["emoji"]
    if kind in ("document", "audio", "video") and stored.file_name:
        data["file_name"] = stored.file_name
    if kind != "voice" and stored.mime_type:
        data["mime_type"] = stored.mime_type
    return data


def largest_file_id(kind: str, media: Any) -> str:
    if kind == "photo":
        return str(media[-1]["file_id"])
    return str(media["file_id"])
