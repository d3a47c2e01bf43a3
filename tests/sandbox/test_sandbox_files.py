"""Uploads over multipart, file ids, getFile and downloads."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import httpx
import pytest
import telegram
from telegram import InputMediaDocument, InputMediaPhoto
from telegram.error import BadRequest

from bot.sandbox import Sandbox, SandboxUser


def png(width: int, height: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = b"".join(b"\x00" + bytes(3 * width) for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


async def test_photo_upload_over_multipart(
    sandbox: Sandbox, bot: telegram.Bot, anna: SandboxUser
) -> None:
    picture = png(320, 200)
    sent = await bot.send_photo(
        anna.id, photo=picture, caption="<b>Your badge</b>", parse_mode="HTML"
    )
    assert sent.caption == "Your badge" and sent.caption_entities[0].type == "bold"
    largest = sent.photo[-1]
    assert (largest.width, largest.height) == (320, 200)
    assert sent.photo[0].width == 90  # a thumbnail comes first, as from Telegram
    stored = anna.last_bot_message()
    assert stored is not None and stored.kind == "photo" and stored.file_id == largest.file_id
    file = await bot.get_file(largest.file_id)
    assert bytes(await file.download_as_bytearray()) == picture
    record = sandbox.calls_to("sendPhoto")[-1]
    assert record.params["photo"].data == picture  # the upload, as received
    again = await bot.send_photo(anna.id, photo=largest.file_id)  # resending by file_id
    assert again.photo[-1].file_id == largest.file_id


async def test_download_a_persons_photo(bot: telegram.Bot, anna: SandboxUser) -> None:
    picture = png(2, 3)
    await anna.send_photo(caption="my certificate", data=picture)
    update = (await bot.get_updates())[-1]
    assert update.message is not None and update.message.caption == "my certificate"
    file = await update.message.photo[-1].get_file()
    assert file.file_path is not None and file.file_size == len(picture)
    assert bytes(await file.download_as_bytearray()) == picture


async def test_voice_document_and_sticker_from_a_person(
    bot: telegram.Bot, anna: SandboxUser
) -> None:
    await anna.send_voice(duration=7)
    await anna.send_document(file_name="cv.pdf", data=b"%PDF-1.7 cv")
    await anna.send_sticker(emoji="🎉")
    updates = await bot.get_updates()
    voice, document, sticker = (u.message for u in updates[-3:])
    assert voice is not None and voice.voice is not None
    assert voice.voice.file_size == 64 and voice.voice.mime_type == "audio/ogg"
    assert anna.messages[-3].media["duration"] == 7
    assert document is not None and document.document is not None
    assert (document.document.file_name, document.document.mime_type) == (
        "cv.pdf",
        "application/pdf",
    )
    downloaded = await (await document.document.get_file()).download_as_bytearray()
    assert bytes(downloaded) == b"%PDF-1.7 cv"
    assert sticker is not None and sticker.sticker is not None and sticker.sticker.emoji == "🎉"


async def test_bot_sends_each_kind(bot: telegram.Bot, anna: SandboxUser) -> None:
    await bot.send_document(anna.id, document=b"report", filename="report.txt", caption="Weekly")
    await bot.send_voice(anna.id, voice=b"OggS", duration=2)
    await bot.send_audio(anna.id, audio=b"ID3", title="Calm")
    await bot.send_video(anna.id, video=b"\x00\x00\x00\x18ftypmp42", width=640, height=360)
    await bot.send_sticker(anna.id, sticker=b"RIFF")
    kinds = [m.kind for m in anna.bot_messages()]
    assert kinds == ["document", "voice", "audio", "video", "sticker"]
    document = anna.bot_messages()[0]
    assert document.caption == "Weekly" and document.media["file_name"] == "report.txt"


async def test_media_group(bot: telegram.Bot, anna: SandboxUser) -> None:
    sent = await bot.send_media_group(
        anna.id,
        [
            InputMediaPhoto(png(4, 4), caption="first"),
            InputMediaDocument(b"notes", filename="notes.txt"),
        ],
    )
    assert len(sent) == 2 and sent[0].media_group_id == sent[1].media_group_id
    assert [m.kind for m in anna.bot_messages()] == ["photo", "document"]
    with pytest.raises(BadRequest, match="2-10 items"):
        await bot.send_media_group(anna.id, [InputMediaPhoto(png(1, 1))])


async def test_file_errors(
    sandbox: Sandbox,
    bot: telegram.Bot,
    anna: SandboxUser,
    http: httpx.AsyncClient,
    api_url: Callable[[str], str],
) -> None:
    with pytest.raises(BadRequest, match="Wrong file identifier/http url specified"):
        await bot.send_photo(anna.id, photo="not-a-file-id")
    with pytest.raises(BadRequest, match="Invalid file_id"):
        await bot.get_file("nope")
    voice = await bot.send_voice(anna.id, voice=b"OggS")
    assert voice.voice is not None
    with pytest.raises(BadRequest, match="Type of file mismatch"):
        await bot.send_photo(anna.id, photo=voice.voice.file_id)
    missing = await http.get(f"{sandbox.base_file_url}{sandbox.token}/photos/none.jpg")
    assert missing.status_code == 404 and missing.json()["error_code"] == 404
    file = await bot.get_file(voice.voice.file_id)
    assert file.file_path is not None
    path = file.file_path.rsplit("/", 2)
    wrong_token = await http.get(f"{sandbox.base_file_url}1:WRONG/{path[-2]}/{path[-1]}")
    assert wrong_token.status_code == 401
    detached = await http.post(
        api_url("sendPhoto"),
        data={"chat_id": anna.id, "photo": "attach://missing"},
    )
    assert detached.status_code == 400
