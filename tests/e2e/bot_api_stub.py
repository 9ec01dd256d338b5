"""A small stand-in of the Telegram Bot API, served by aiohttp on 127.0.0.1.

Point the bot at it with ``TELEGRAM_API_URL=stub.url``: aiogram then calls
``{url}/bot{token}/{method}`` with form data (urlencoded or multipart; JSON-valued fields such
as ``reply_markup`` arrive as JSON strings). The stub

* answers ``getMe`` with a bot ``User``, ``sendMessage`` / ``sendDocument`` /
  ``editMessageText`` with a ``Message``, ``getUpdates`` by long polling its queue, and
  anything else with ``true``;
* records every call (:class:`Call`: method + decoded params) and lets a test await a call
  matching a predicate (:meth:`BotAPIStub.wait_for`);
* builds and queues updates as a user would cause them: :meth:`BotAPIStub.push_message` (the
  user types) and :meth:`BotAPIStub.push_callback` (the user presses an inline button);
* misbehaves on request (:meth:`BotAPIStub.fault`): answers slowly, refuses with a 429 or a
  5xx, or hangs past the client's time-out and then drops the call. A refused or dropped call
  is not recorded in ``calls`` (Telegram did nothing) but in ``refused``; a call that arrives
  is announced in ``arrived`` at once, before any delay.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

# Parameters that Telegram takes as JSON-serialised objects or arrays.
JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "commands",
        "scope",
        "entities",
        "caption_entities",
        "allowed_updates",
        "link_preview_options",
        "reply_parameters",
        "media",
        "results",
        "options",
        "menu_button",
        "rights",
    }
)
# getUpdates never holds a request longer than this, whatever ``timeout`` asks.
MAX_LONG_POLL = 0.5

JSON = dict[str, Any]


@dataclass(frozen=True)
class Call:
    """One Bot API request as the stub received it."""

    index: int
    method: str
    params: JSON
    result: Any = None

    def __repr__(self) -> str:
        return f"Call(#{self.index} {self.method} {self.params!r})"


@dataclass
class Fault:
    """How the stub misbehaves on the next ``times`` calls of ``method`` matching ``when``."""

    method: str
    when: Callable[[JSON], bool]
    times: int = 1
    delay: float = 0.0  # seconds before the answer
    status: int | None = None  # refuse with this HTTP status (after the delay); None: answer
    retry_after: int | None = None
    description: str = "Internal Server Error"


@dataclass
class BotAPIStub:
    token: str = "123456:TEST-token"
    bot_id: int = 123456
    bot_username: str = "sozak_test_bot"
    calls: list[Call] = field(default_factory=list)
    refused: list[Call] = field(default_factory=list)
    arrived: list[Call] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._faults: list[Fault] = []
        self._updates: list[JSON] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._calls_changed = asyncio.Condition()
        self._updates_changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ---- lifecycle -------------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        # A long poll in flight must not hold the shutdown for long.
        self._runner = web.AppRunner(app, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]  # the port the system picked for port 0
        return self.url

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotAPIStub:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # ---- objects ---------------------------------------------------------------------------

    @property
    def bot_user(self) -> JSON:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Sozak test bot",
            "username": self.bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    @staticmethod
    def user(user_id: int, language_code: str | None = None, first_name: str = "Test") -> JSON:
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code is not None:
            user["language_code"] = language_code
        return user

    @staticmethod
    def private_chat(chat_id: int, first_name: str = "Test") -> JSON:
        return {"id": chat_id, "type": "private", "first_name": first_name}

    # ---- updates ---------------------------------------------------------------------------

    def message_update(
        self, text: str, user_id: int, language_code: str | None = None
    ) -> JSON:
        """An update of a user typing ``text`` in the private chat (not queued)."""
        message: JSON = {
            "message_id": next(self._message_ids),
            "date": int(time.time()),
            "chat": self.private_chat(user_id),
            "from": self.user(user_id, language_code),
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
        return {"update_id": next(self._update_ids), "message": message}

    def callback_update(
        self,
        data: str,
        message: JSON,
        user_id: int | None = None,
        language_code: str | None = None,
    ) -> JSON:
        """An update of a user pressing the button ``data`` under the bot's ``message``."""
        if user_id is None:
            user_id = int(message["chat"]["id"])
        buttons = [
            button.get("callback_data")
            for row in (message.get("reply_markup") or {}).get("inline_keyboard", [])
            for button in row
        ]
        if data not in buttons:
            raise AssertionError(f"no button {data!r} under the message; buttons: {buttons}")
        return {
            "update_id": next(self._update_ids),
            "callback_query": {
                "id": str(next(self._callback_ids)),
                "from": self.user(user_id, language_code),
                "message": message,
                "chat_instance": f"ci-{message['chat']['id']}",
                "data": data,
            },
        }

    async def push_update(self, update: JSON) -> JSON:
        async with self._updates_changed:
            self._updates.append(update)
            self._updates_changed.notify_all()
        return update

    async def push_message(
        self, text: str, user_id: int, language_code: str | None = None
    ) -> JSON:
        return await self.push_update(self.message_update(text, user_id, language_code))

    async def push_callback(
        self,
        data: str,
        message: JSON,
        user_id: int | None = None,
        language_code: str | None = None,
    ) -> JSON:
        return await self.push_update(
            self.callback_update(data, message, user_id, language_code)
        )

    @property
    def pending_updates(self) -> list[JSON]:
        return list(self._updates)

    # ---- faults ----------------------------------------------------------------------------

    def fault(
        self,
        method: str,
        *,
        when: Callable[[JSON], bool] = lambda _: True,
        times: int = 1,
        delay: float = 0.0,
        status: int | None = None,
        retry_after: int | None = None,
        description: str | None = None,
    ) -> Fault:
        """Misbehave on the next ``times`` calls of ``method`` whose params match ``when``.

        ``status=429, retry_after=N``: Too Many Requests; ``status=500``: a server error;
        ``delay=D`` alone: a slow but successful answer; ``delay=D, status=502`` with D past
        the bot's request time-out: a hang, and the call is lost.
        """
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}",
                400: "Bad Request: can't parse entities",
            }.get(status or 0, "Internal Server Error")
        fault = Fault(method.lower(), when, times, delay, status, retry_after, description)
        self._faults.append(fault)
        return fault

    def _fault_for(self, method: str, params: JSON) -> Fault | None:
        for fault in self._faults:
            if fault.times > 0 and fault.method == method.lower() and fault.when(params):
                fault.times -= 1
                return fault
        return None

    # ---- calls -----------------------------------------------------------------------------

    def find(
        self, predicate: Callable[[Call], bool], start: int = 0, among: list[Call] | None = None
    ) -> list[Call]:
        return [call for call in (self.calls if among is None else among)[start:]
                if predicate(call)]

    async def wait_for(
        self,
        predicate: Callable[[Call], bool],
        timeout: float = 20.0,
        start: int = 0,
        what: str = "a matching call",
        among: list[Call] | None = None,
    ) -> Call:
        """The first call from index ``start`` on that matches; waits up to ``timeout`` s.
        ``among``: ``arrived`` or ``refused`` instead of the calls answered."""

        def first() -> Call | None:
            return next(iter(self.find(predicate, start, among)), None)

        async with self._calls_changed:
            try:
                await asyncio.wait_for(
                    self._calls_changed.wait_for(lambda: first() is not None), timeout
                )
            except TimeoutError:
                seen = "\n  ".join(repr(call) for call in self.calls[start:]) or "(none)"
                raise AssertionError(
                    f"timed out after {timeout} s waiting for {what}; calls seen:\n  {seen}"
                ) from None
        found = first()
        assert found is not None
        return found

    async def wait_for_method(
        self,
        method: str,
        predicate: Callable[[JSON], bool] = lambda _: True,
        timeout: float = 20.0,
        start: int = 0,
    ) -> Call:
        return await self.wait_for(
            lambda call: call.method == method and predicate(call.params),
            timeout=timeout,
            start=start,
            what=method,
        )

    async def _record(self, method: str, params: JSON, result: Any) -> None:
        async with self._calls_changed:
            self.calls.append(Call(len(self.calls), method, params, result))
            self._calls_changed.notify_all()

    # ---- the HTTP side ---------------------------------------------------------------------

    @staticmethod
    async def _params(request: web.Request) -> JSON:
        if request.content_type == "application/json":
            raw = await request.json()
            return dict(raw) if isinstance(raw, dict) else {}
        params: JSON = dict(request.query)
        if request.can_read_body:
            for key, value in (await request.post()).items():
                params[key] = value if isinstance(value, str) else value.file.read()
        for key in JSON_FIELDS & params.keys():
            if isinstance(params[key], str):
                with contextlib.suppress(ValueError):
                    params[key] = json.loads(params[key])
        return params

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if request.match_info["token"] != self.token:
            return web.json_response(
                {"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401
            )
        params = await self._params(request)
        if method.lower() == "getupdates":
            # Not recorded: the polling loop would drown the calls a test looks for.
            result: Any = await self._get_updates(params)
            return web.json_response({"ok": True, "result": result})
        async with self._calls_changed:
            self.arrived.append(Call(len(self.arrived), method, params))
            self._calls_changed.notify_all()
        fault = self._fault_for(method, params)
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None:
                async with self._calls_changed:
                    self.refused.append(Call(len(self.refused), method, params))
                    self._calls_changed.notify_all()
                body: JSON = {
                    "ok": False, "error_code": fault.status, "description": fault.description
                }
                if fault.retry_after is not None:
                    body["parameters"] = {"retry_after": fault.retry_after}
                return web.json_response(body, status=fault.status)
        result = self._answer(method, params)
        await self._record(method, params, result)
        return web.json_response({"ok": True, "result": result})

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        wait = min(float(params.get("timeout") or 0), MAX_LONG_POLL)

        def ready() -> list[JSON]:
            # Updates below the offset are confirmed: Telegram forgets them.
            self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]
            return self._updates[:limit]

        async with self._updates_changed:
            if not ready() and wait > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._updates_changed.wait_for(ready), wait)
            return ready()

    def _message(self, params: JSON, message_id: int | None = None) -> JSON:
        chat_id = int(params["chat_id"])
        message: JSON = {
            "message_id": message_id or next(self._message_ids),
            "date": int(time.time()),
            "chat": self.private_chat(chat_id),
            "from": self.bot_user,
            "text": params.get("text", ""),
        }
        markup = params.get("reply_markup")
        # Telegram echoes only inline keyboards; a reply keyboard is not part of the message.
        if isinstance(markup, dict) and "inline_keyboard" in markup:
            message["reply_markup"] = markup
        return message

    def _answer(self, method: str, params: JSON) -> Any:
        name = method.lower()
        if name == "getme":
            return self.bot_user
        if name == "sendmessage":
            return self._message(params)
        if name == "senddocument":
            message = self._message(params)
            del message["text"]
            document = params.get("document")
            if isinstance(document, str) and document.startswith("attach://"):
                document = params.get(document.removeprefix("attach://"))  # a multipart upload
            size = len(document) if isinstance(document, bytes) else 0
            message["document"] = {"file_id": f"doc-{message['message_id']}",
                                   "file_unique_id": f"u-{message['message_id']}",
                                   "file_size": size}
            if params.get("caption"):
                message["caption"] = params["caption"]
            return message
        if name == "editmessagetext":
            if "inline_message_id" in params:
                return True
            edited = self._message(params, message_id=int(params["message_id"]))
            edited["edit_date"] = int(time.time())
            return edited
        if name == "getmycommands":
            return []
        if name == "getwebhookinfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        return True
