"""The life of one Bot API call: authorise, parse, validate, inject faults, run, log, answer."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from typing import Any, NoReturn

from aiohttp import web

from bot.sandbox.errors import (
    BLOCKED,
    ApiError,
    bad_request,
    forbidden,
    not_found,
    not_implemented,
    server_error,
    unauthorized,
)
from bot.sandbox.faults import FaultKind, FaultPlan, FaultRule
from bot.sandbox.flood import FloodControl
from bot.sandbox.methods import CallContext, method_table
from bot.sandbox.models import CallRecord, SandboxMessage
from bot.sandbox.request_params import read_call
from bot.sandbox.schema import ApiSchema
from bot.sandbox.state import SandboxState
from bot.sandbox.update_queue import UpdateQueue
from bot.sandbox.validation import Validator

logger = logging.getLogger(__name__)

DEFAULT_HANG_SECONDS = 30.0
DEFAULT_CALLBACK_QUERY_MAX_AGE = 15 * 60.0


class _NoResponse(Exception):
    """The call ends without an HTTP response (a simulated timeout)."""


class CallProcessor:
    def __init__(
        self,
        *,
        token: str,
        schema: ApiSchema,
        state: SandboxState,
        updates: UpdateQueue,
        monotonic: Callable[[], float],
        on_activity: Callable[[], None],
    ):
        self.token = token
        self.schema = schema
        self.state = state
        self.updates = updates
        self.monotonic = monotonic
        self.on_activity = on_activity
        self.validator = Validator(schema)
        self.methods = method_table()
        self.faults = FaultPlan()
        self.flood: FloodControl | None = None
        self.calls: list[CallRecord] = []
        self.on_bot_message: list[Callable[[SandboxMessage], None]] = []
        self.in_flight = 0
        self.hang_seconds = DEFAULT_HANG_SECONDS
        self.callback_query_max_age = DEFAULT_CALLBACK_QUERY_MAX_AGE
        self._released = asyncio.Event()

    def release_hanging(self) -> None:
        """End every simulated hang now (the sandbox is stopping)."""
        self._released.set()

    def reset_release(self) -> None:
        self._released = asyncio.Event()

    def publish(self, message: SandboxMessage) -> None:
        for callback in list(self.on_bot_message):
            try:
                callback(message)
            except Exception:
                logger.exception("on_bot_message callback %r failed", callback)

    def _charge(self, chat_id: int) -> None:
        if self.flood is not None:
            self.flood.admit(chat_id)

    async def _hang(self) -> NoReturn:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._released.wait(), self.hang_seconds)
        raise _NoResponse

    async def handle(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["method"]
        record = CallRecord(method=name, params={}, timestamp=self.state.clock())
        self.calls.append(record)
        # A getUpdates call mostly waits for updates; it never counts as work in progress.
        counted = name.lower() != "getupdates"
        self.in_flight += counted
        self.on_activity()
        try:
            status, body = await self._process(request, name, record)
        except _NoResponse:
            logger.debug("%s: closing the connection without a response", record.method)
            if request.transport is not None:
                request.transport.close()
            return web.Response()
        finally:
            self.in_flight -= counted
            self.on_activity()
        record.status, record.response = status, body
        logger.debug("%s -> %s", record.method, status)
        return web.json_response(body, status=status)

    async def _process(
        self, request: web.Request, name: str, record: CallRecord
    ) -> tuple[int, dict[str, Any]]:
        try:
            if request.match_info["token"] != self.token:
                raise unauthorized()
            spec = self.schema.method(name)
            if spec is None:
                raise not_found()
            record.method = spec.name
            raw = await read_call(request)
            record.params = raw.summary()
            params = self.validator.validate_call(spec, raw, typed=record.params)
            handler = self.methods.get(spec.name.lower())
            if handler is None:
                raise not_implemented(spec.name)
            fault = self.faults.take(spec.name, params.get("chat_id"))
            if fault is not None:
                record.fault = fault.kind.value
                await self._before(fault)
            context = CallContext(
                method=spec.name,
                params=params,
                state=self.state,
                updates=self.updates,
                charge=self._charge,
                publish=self.publish,
                monotonic=self.monotonic,
                callback_query_max_age=self.callback_query_max_age,
                alive=lambda: request.transport is not None and not request.transport.is_closing(),
            )
            if fault is None or fault.kind is not FaultKind.TIMEOUT_HANG:
                return 200, {"ok": True, "result": await handler(context)}
            # The call is applied (or refused) as usual, but its answer never arrives.
            with contextlib.suppress(ApiError):
                await handler(context)
            await self._hang()
        except ApiError as error:
            return error.error_code, error.payload()
        except (_NoResponse, asyncio.CancelledError):
            raise
        except Exception as error:
            # A bug in the sandbox itself: answer like Telegram's own failures, loudly logged.
            logger.exception("sandbox failed on %s", record.method)
            return 500, server_error().payload() | {
                "description": f"Internal Server Error: sandbox bug: {error!r}"
            }

    async def _before(self, fault: FaultRule) -> None:
        """Faults that strike before the call is applied."""
        if fault.kind is FaultKind.SERVER_ERROR:
            raise server_error(fault.status)
        if fault.kind is FaultKind.FORBIDDEN:
            raise forbidden(BLOCKED)
        if fault.kind is FaultKind.BAD_REQUEST:
            raise bad_request("the call was refused (a scheduled fault)")
        if fault.kind is FaultKind.TIMEOUT_DROP:
            await self._hang()

    async def download(self, request: web.Request) -> web.StreamResponse:
        if request.match_info["token"] != self.token:
            return web.json_response(unauthorized().payload(), status=401)
        stored = self.state.files.by_path(request.match_info["file_path"])
        if stored is None:
            return web.json_response(not_found().payload(), status=404)
        return web.Response(
            body=stored.data, content_type=stored.mime_type or "application/octet-stream"
        )
