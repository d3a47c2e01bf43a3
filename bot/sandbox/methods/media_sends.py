"""Sending files (photo, document, voice, audio, video, sticker, albums) and getFile."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.sandbox import render
from bot.sandbox.errors import bad_request
from bot.sandbox.media import largest_file_id, media_object
from bot.sandbox.methods.context import CallContext
from bot.sandbox.models import StoredFile
from bot.sandbox.request_params import UploadedFile
from bot.sandbox.state import SandboxState
from bot.sandbox.text_format import format_text

_DETAILS = ("duration", "performer", "title", "width", "height", "emoji")


def file_source(state: SandboxState, value: Any, kind: str) -> Callable[[], StoredFile]:
    """Check an InputFile-or-String value now; store an upload only when called later."""
    if isinstance(value, UploadedFile):
        upload = value
        return lambda: state.files.add(
            upload.data, kind, mime_type=upload.content_type, file_name=upload.filename
        )
    text = str(value)
    existing = state.files.get(text)
    if existing is not None:
        if existing.kind != kind:
            raise bad_request("type of file mismatch")
        return lambda: existing
    if text.startswith(("http://", "https://")):
        # The sandbox never goes online: a file "fetched" from a URL is empty.
        return lambda: state.files.add(b"", kind, file_name=text.rsplit("/", 1)[-1] or None)
    raise bad_request("wrong file identifier/HTTP URL specified")


def _caption_fields(caption: str | None, parse_mode: Any, entities: Any) -> dict[str, Any]:
    if not caption:
        return {}
    formatted = format_text(caption, parse_mode, entities)
    return {
        "caption": formatted.text,
        "caption_html": formatted.html,
        "caption_entities": formatted.entities,
    }


def _sender(kind: str) -> Callable[[CallContext], Any]:
    async def send(ctx: CallContext) -> Any:
        chat = ctx.writable_chat()
        source = file_source(ctx.state, ctx.params[kind], kind)
        caption = _caption_fields(
            ctx.params.get("caption"),
            ctx.params.get("parse_mode"),
            ctx.params.get("caption_entities"),
        )
        details = {name: ctx.params[name] for name in _DETAILS if name in ctx.params}

        def build() -> dict[str, Any]:
            media = media_object(ctx.state.files, kind, source(), details)
            return {
                "kind": kind,
                "media": media,
                "file_id": largest_file_id(kind, media),
                "show_caption_above_media": ctx.flag("show_caption_above_media"),
                **caption,
            }

        return render.message(ctx.state, ctx.deliver(chat, build))

    send.__name__ = f"send_{kind}"
    return send


send_photo = _sender("photo")
send_document = _sender("document")
send_voice = _sender("voice")
send_audio = _sender("audio")
send_video = _sender("video")
send_sticker = _sender("sticker")


async def send_media_group(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    items: list[dict[str, Any]] = ctx.params["media"]
    if not 2 <= len(items) <= 10:
        raise bad_request("media group must include 2-10 items")
    prepared = []
    for item in items:
        kind = item["type"]
        if kind not in ("photo", "video", "document", "audio"):
            raise bad_request(f'type "{kind}" can\'t be used in sendMediaGroup')
        source = file_source(ctx.state, item["media"], kind)
        caption = _caption_fields(
            item.get("caption"), item.get("parse_mode"), item.get("caption_entities")
        )
        prepared.append((kind, source, caption))
    reply_to = ctx.reply_target(chat)
    ctx.charge(chat.id)
    group_id = ctx.state.next_media_group_id()
    sent = []
    for kind, source, caption in prepared:
        media = media_object(ctx.state.files, kind, source(), {})
        message = ctx.state.new_message(
            chat,
            from_bot=True,
            sender_id=ctx.state.bot.id,
            kind=kind,
            media=media,
            file_id=largest_file_id(kind, media),
            media_group_id=group_id,
            reply_to_message_id=reply_to,
            disable_notification=ctx.flag("disable_notification"),
            protect_content=ctx.flag("protect_content"),
            **caption,
        )
        ctx.publish(message)
        sent.append(render.message(ctx.state, message))
    return sent


async def get_file(ctx: CallContext) -> Any:
    stored = ctx.state.files.get(ctx.params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return render.file(stored)
