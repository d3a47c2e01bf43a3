"""getUpdates long polling and the webhook settings that exclude it."""

from __future__ import annotations

import re
from typing import Any

from bot.sandbox.errors import bad_request, conflict
from bot.sandbox.methods.context import CallContext

# Telegram caps a long poll at 50 seconds.
MAX_POLL_SECONDS = 50
# What setWebhook's secret_token may be: 1-256 characters A-Z, a-z, 0-9, _ and -.
_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")


async def get_updates(ctx: CallContext) -> Any:
    if ctx.state.webhook.url:
        raise conflict(
            "can't use getUpdates method while webhook is active; use deleteWebhook to delete "
            "the webhook first"
        )
    queue = ctx.updates
    async with queue.exclusive_poll(ctx.alive):
        queue.set_allowed(ctx.params.get("allowed_updates"))
        queue.confirm(ctx.params.get("offset"))
        limit = int(ctx.params.get("limit", 100))
        timeout = min(max(int(ctx.params.get("timeout", 0)), 0), MAX_POLL_SECONDS)
        await queue.wait(timeout)
        return queue.peek(limit)


async def set_webhook(ctx: CallContext) -> Any:
    url = str(ctx.params.get("url") or "")
    webhook = ctx.state.webhook
    if url and not url.startswith(("https://", "http://")):
        # Telegram wants HTTPS; plain HTTP is let through for local webhook tests.
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = ctx.params.get("secret_token")
    if secret is not None and not _SECRET.fullmatch(str(secret)):
        raise bad_request("bad webhook: Secret token contains unallowed characters")
    max_connections = int(ctx.params.get("max_connections", 40))
    if not 1 <= max_connections <= 100:
        raise bad_request("bad webhook: max_connections must be between 1 and 100")
    if url != webhook.url:
        webhook.last_error_date = None
        webhook.last_error_message = None
    webhook.url = url
    webhook.max_connections = max_connections
    webhook.allowed_updates = ctx.params.get("allowed_updates")
    webhook.secret_token = ctx.params.get("secret_token")
    webhook.ip_address = ctx.params.get("ip_address")
    ctx.updates.set_allowed(ctx.params.get("allowed_updates"))
    if ctx.flag("drop_pending_updates"):
        ctx.updates.clear()
    ctx.updates.notify()
    return True


async def delete_webhook(ctx: CallContext) -> Any:
    ctx.state.webhook.url = ""
    if ctx.flag("drop_pending_updates"):
        ctx.updates.clear()
    return True


async def get_webhook_info(ctx: CallContext) -> Any:
    webhook = ctx.state.webhook
    info: dict[str, Any] = {
        "url": webhook.url,
        "has_custom_certificate": False,
        "pending_update_count": ctx.updates.pending_count,
    }
    if webhook.url:
        info["max_connections"] = webhook.max_connections
        if webhook.allowed_updates:
            info["allowed_updates"] = webhook.allowed_updates
        if webhook.ip_address:
            info["ip_address"] = webhook.ip_address
        if webhook.last_error_date is not None:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
    return info
