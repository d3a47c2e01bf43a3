"""Text messages: send, edit, delete, copy, forward and pin."""

from __future__ import annotations

from typing import Any

from bot.sandbox import render
from bot.sandbox.errors import ApiError, bad_request
from bot.sandbox.methods.context import CallContext, inline_markup
from bot.sandbox.models import SandboxChat, SandboxMessage
from bot.sandbox.text_format import format_text

NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
PROTECTED = "message has protected content and can't be forwarded"


async def send_message(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    formatted = format_text(
        ctx.params["text"], ctx.params.get("parse_mode"), ctx.params.get("entities")
    )
    message = ctx.deliver(
        chat,
        lambda: {
            "kind": "text",
            "text": formatted.text,
            "html": formatted.html,
            "entities": formatted.entities,
        },
    )
    return render.message(ctx.state, message)


def _editable(ctx: CallContext) -> tuple[SandboxChat, SandboxMessage]:
    if ctx.params.get("inline_message_id"):
        raise ApiError(501, "Not Implemented: the sandbox does not support inline messages")
    if "chat_id" not in ctx.params:
        raise bad_request("chat_id is empty")
    if "message_id" not in ctx.params:
        raise bad_request("message identifier is not specified")
    chat = ctx.writable_chat()
    message = ctx.state.message(chat.id, ctx.params["message_id"])
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return chat, message


def _mark_edited(ctx: CallContext, message: SandboxMessage, markup: Any) -> Any:
    message.reply_markup = markup
    message.edited = True
    message.edit_count += 1
    message.edit_date = ctx.state.now()
    ctx.publish(message)
    return render.message(ctx.state, message)


async def edit_message_text(ctx: CallContext) -> Any:
    chat, message = _editable(ctx)
    if message.kind != "text":
        raise bad_request("there is no text in the message to edit")
    formatted = format_text(
        ctx.params["text"], ctx.params.get("parse_mode"), ctx.params.get("entities")
    )
    # Like Telegram, an edit without reply_markup removes the inline keyboard.
    markup = ctx.params.get("reply_markup")
    if (
        formatted.text == message.text
        and (formatted.entities or None) == (message.entities or None)
        and markup == inline_markup(message)
    ):
        raise bad_request(NOT_MODIFIED)
    ctx.charge(chat.id)
    message.text, message.html, message.entities = (
        formatted.text,
        formatted.html,
        formatted.entities,
    )
    return _mark_edited(ctx, message, markup)


async def edit_message_caption(ctx: CallContext) -> Any:
    chat, message = _editable(ctx)
    if message.kind == "text":
        raise bad_request("there is no caption in the message to edit")
    raw = ctx.params.get("caption")
    formatted = format_text(
        raw or "", ctx.params.get("parse_mode"), ctx.params.get("caption_entities")
    )
    caption = formatted.text if raw else None
    markup = ctx.params.get("reply_markup")
    if (
        caption == message.caption
        and (formatted.entities or None) == (message.caption_entities or None)
        and markup == inline_markup(message)
    ):
        raise bad_request(NOT_MODIFIED)
    ctx.charge(chat.id)
    message.caption, message.caption_html = caption, formatted.html
    message.caption_entities = formatted.entities
    if "show_caption_above_media" in ctx.params:
        message.show_caption_above_media = ctx.flag("show_caption_above_media")
    return _mark_edited(ctx, message, markup)


async def edit_message_reply_markup(ctx: CallContext) -> Any:
    chat, message = _editable(ctx)
    markup = ctx.params.get("reply_markup")
    if markup == inline_markup(message):
        raise bad_request(NOT_MODIFIED)
    ctx.charge(chat.id)
    return _mark_edited(ctx, message, markup)


async def delete_message(ctx: CallContext) -> Any:
    chat = ctx.chat()
    message = ctx.state.message(chat.id, ctx.params["message_id"])
    if message is None:
        raise bad_request("message to delete not found")
    if chat.type != "private" and not message.from_bot:
        raise bad_request("message can't be deleted")  # the bot is no group administrator
    message.deleted = True
    return True


def _message_ids(ctx: CallContext) -> list[int]:
    ids: list[int] = ctx.params["message_ids"]
    if not ids:
        raise bad_request("message identifiers are not specified")
    if len(ids) > 100:
        raise bad_request("too many message identifiers specified")
    return ids


async def delete_messages(ctx: CallContext) -> Any:
    chat = ctx.chat()
    # Messages that can't be found or deleted are skipped, as the Bot API documents.
    for message_id in _message_ids(ctx):
        message = ctx.state.message(chat.id, message_id)
        if message is not None and (chat.type == "private" or message.from_bot):
            message.deleted = True
    return True


def _source(ctx: CallContext, message_id: int, *, missing: str) -> SandboxMessage:
    source_chat = ctx.chat("from_chat_id")
    original = ctx.state.message(source_chat.id, message_id)
    if original is None:
        raise bad_request(missing)
    if original.protect_content:
        raise bad_request(PROTECTED)
    return original


def _copy_fields(ctx: CallContext, original: SandboxMessage) -> dict[str, Any]:
    fields: dict[str, Any] = {
        "kind": original.kind,
        "text": original.text,
        "html": original.html,
        "entities": original.entities,
        "caption": original.caption,
        "caption_html": original.caption_html,
        "caption_entities": original.caption_entities,
        "file_id": original.file_id,
        "media": original.media,
        "show_caption_above_media": original.show_caption_above_media,
        "copied_from": (original.chat_id, original.message_id),
    }
    if original.kind != "text" and "caption" in ctx.params:
        formatted = format_text(
            ctx.params["caption"],
            ctx.params.get("parse_mode"),
            ctx.params.get("caption_entities"),
        )
        fields.update(
            caption=formatted.text or None,
            caption_html=formatted.html,
            caption_entities=formatted.entities,
        )
    if "show_caption_above_media" in ctx.params:
        fields["show_caption_above_media"] = ctx.flag("show_caption_above_media")
    return fields


async def copy_message(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    original = _source(ctx, ctx.params["message_id"], missing="message to copy not found")
    fields = _copy_fields(ctx, original)
    copy = ctx.deliver(chat, lambda: fields)
    return {"message_id": copy.message_id}


def _originals(ctx: CallContext) -> list[SandboxMessage]:
    source_chat = ctx.chat("from_chat_id")
    found = (ctx.state.message(source_chat.id, mid) for mid in _message_ids(ctx))
    # Missing and protected messages are skipped rather than failing the whole call.
    return [message for message in found if message is not None and not message.protect_content]


async def copy_messages(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    originals = _originals(ctx)
    if not originals:
        raise bad_request("there are no messages to copy")
    ctx.charge(chat.id)
    copies = []
    for original in originals:
        fields = _copy_fields(ctx, original)
        if ctx.flag("remove_caption"):
            fields.update(caption=None, caption_html=None, caption_entities=None)
        copy = ctx.state.new_message(
            chat,
            from_bot=True,
            sender_id=ctx.state.bot.id,
            disable_notification=ctx.flag("disable_notification"),
            protect_content=ctx.flag("protect_content"),
            **fields,
        )
        ctx.publish(copy)
        copies.append({"message_id": copy.message_id})
    return copies


def _origin(ctx: CallContext, original: SandboxMessage) -> dict[str, Any]:
    if original.forward_origin is not None:
        return original.forward_origin  # a forwarded forward keeps its first origin
    return {
        "type": "user",
        "sender_user": render.sender(ctx.state, original),
        "date": original.date,
    }


def _forward_fields(ctx: CallContext, original: SandboxMessage) -> dict[str, Any]:
    fields = _copy_fields(ctx, original)
    fields.pop("copied_from")
    fields["forward_origin"] = _origin(ctx, original)
    return fields


async def forward_message(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    original = _source(ctx, ctx.params["message_id"], missing="message to forward not found")
    fields = _forward_fields(ctx, original)
    forwarded = ctx.deliver(chat, lambda: fields)
    return render.message(ctx.state, forwarded)


async def forward_messages(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    originals = _originals(ctx)
    if not originals:
        raise bad_request("there are no messages to forward")
    ctx.charge(chat.id)
    result = []
    for original in originals:
        forwarded = ctx.state.new_message(
            chat,
            from_bot=True,
            sender_id=ctx.state.bot.id,
            disable_notification=ctx.flag("disable_notification"),
            protect_content=ctx.flag("protect_content"),
            **_forward_fields(ctx, original),
        )
        ctx.publish(forwarded)
        result.append({"message_id": forwarded.message_id})
    return result


async def pin_chat_message(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    message = ctx.state.message(chat.id, ctx.params["message_id"])
    if message is None:
        raise bad_request("message to pin not found")
    message.pinned = True
    return True


async def unpin_chat_message(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    pinned = [message for message in ctx.state.live_messages(chat.id) if message.pinned]
    if "message_id" in ctx.params:
        pinned = [m for m in pinned if m.message_id == ctx.params["message_id"]]
        if not pinned:
            raise bad_request("message to unpin not found")
    if pinned:
        pinned[-1].pinned = False
    return True


async def unpin_all_chat_messages(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    for message in ctx.state.live_messages(chat.id):
        message.pinned = False
    return True
