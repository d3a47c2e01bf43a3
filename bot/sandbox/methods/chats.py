"""Chats and interactions: getChat, getChatMember, sendChatAction, answerCallbackQuery."""

from __future__ import annotations

from typing import Any

from bot.sandbox import render
from bot.sandbox.errors import bad_request
from bot.sandbox.methods.context import CallContext
from bot.sandbox.models import CallbackAnswer

CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"


async def get_chat(ctx: CallContext) -> Any:
    return render.chat_full_info(ctx.state, ctx.chat())


async def get_chat_member(ctx: CallContext) -> Any:
    chat = ctx.chat()
    user_id = ctx.params["user_id"]
    if user_id != ctx.state.bot.id and user_id not in ctx.state.users:
        raise bad_request("user not found")
    return render.chat_member(ctx.state, chat, user_id)


async def send_chat_action(ctx: CallContext) -> Any:
    chat = ctx.writable_chat()
    action = ctx.params["action"]
    if action not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    chat.chat_actions.append(action)
    return True


async def answer_callback_query(ctx: CallContext) -> Any:
    query = ctx.state.callback_queries.get(ctx.params["callback_query_id"])
    if (
        query is None
        or query.answer is not None
        or query.expired
        or ctx.monotonic() - query.created > ctx.callback_query_max_age
    ):
        raise bad_request(QUERY_INVALID)
    answer = CallbackAnswer(
        ctx.params.get("text"),
        query_id=query.id,
        show_alert=ctx.flag("show_alert"),
        url=ctx.params.get("url"),
    )
    query.answer = answer
    ctx.state.users[query.user_id].callback_answers.append(answer)
    return True
