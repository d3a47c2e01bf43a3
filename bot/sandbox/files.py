"""Files sent to and by the bot: ids like Telegram's, content kept for getFile and download."""

from __future__ import annotations

import hashlib
import struct
from types import MappingProxyType

from bot.sandbox.models import StoredFile

# A valid 1x1 PNG, the default content of a person's photo.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000b49444154789c6360000200000500017a5eab3f0000000049454e44ae426082"
)
# An Ogg stream header is enough for anything that sniffs a voice note's type.
TINY_OGG = b"OggS" + bytes(60)
TINY_PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
TINY_WEBP = (
    b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00"
    b"\x10\x07\x10\x11\x11\x88\x88\xfe\x07\x00"
)

_FOLDERS = MappingProxyType(
    {
        "photo": ("photos", "jpg"),
        "voice": ("voice", "oga"),
        "document": ("documents", "bin"),
        "sticker": ("stickers", "webp"),
        "audio": ("music", "mp3"),
        "video": ("videos", "mp4"),
    }
)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG, read from its header; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return (int(width), int(height)) if width and height else None
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            (length,) = struct.unpack(">H", data[index + 2 : index + 4])
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return (int(width), int(height)) if width and height else None
            index += 2 + length
    return None


class FileStore:
    """Content by file_id and by file_path; ids are unique within one sandbox."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = 0

    def add(
        self,
        data: bytes,
        kind: str,
        *,
        mime_type: str | None = None,
        file_name: str | None = None,
    ) -> StoredFile:
        self._counter += 1
        number = self._counter
        folder, default_extension = _FOLDERS.get(kind, ("documents", "bin"))
        extension = default_extension
        if file_name and "." in file_name:
            extension = file_name.rsplit(".", 1)[1]
        digest = hashlib.sha256(data + number.to_bytes(8, "big")).hexdigest()
        stored = StoredFile(
            file_id=f"sbx-{kind}-{number}-{digest[:24]}",
            file_unique_id=f"u{number}{digest[:10]}",
            file_path=f"{folder}/file_{number}.{extension}",
            data=data,
            kind=kind,
            mime_type=mime_type,
            file_name=file_name,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)
