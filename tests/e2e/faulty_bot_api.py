"""The Bot API stand-in with Telegram's failures on ``sendMessage``.

* :meth:`FaultyBotAPIStub.fail_next` queues faults for the next sends (to any chat, or to one
  chat): an HTTP error with Telegram's body (429 with ``retry_after``, 500, 403, 400), a
  time-out (the stub waits longer than the client and nothing is delivered), or a hang (the
  request never returns: a crash in flight).
* ``rate_limit``: more than that many sends within one second are answered 429 (retry after
  1 s), as Telegram does.

Only a send answered ``ok`` is delivered and recorded in ``calls``; refused ones go to
``refused`` (method, chat, error code), every send's arrival time to ``send_times``.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from dataclasses import dataclass

from aiohttp import web

from tests.e2e.bot_api_stub import BotAPIStub

ANY_CHAT = 0


@dataclass(frozen=True)
class Fault:
    status: int = 500
    description: str = "Internal Server Error"
    retry_after: int | None = None
    delay: float = 0.0  # wait this long first (a time-out when longer than the client's)
    hang: bool = False  # never answer


def too_many(retry_after: int) -> Fault:
    return Fault(429, f"Too Many Requests: retry after {retry_after}", retry_after=retry_after)


BLOCKED = Fault(403, "Forbidden: bot was blocked by the user")
DEACTIVATED = Fault(403, "Forbidden: user is deactivated")
CHAT_NOT_FOUND = Fault(400, "Bad Request: chat not found")
SERVER_ERROR = Fault(500, "Internal Server Error")


def timeout(seconds: float) -> Fault:
    return Fault(504, "Gateway Timeout", delay=seconds)


class FaultyBotAPIStub(BotAPIStub):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.faults: dict[int, deque[Fault]] = {}
        self.rate_limit: int | None = None
        self.refused: list[tuple[int, int]] = []  # (chat_id, error code)
        self.send_times: list[tuple[float, int, int]] = []  # (monotonic, chat_id, code)
        self._recent: deque[float] = deque()
        self.hanging = asyncio.Event()  # set when a request hangs

    def fail_next(self, *faults: Fault, chat_id: int = ANY_CHAT) -> None:
        self.faults.setdefault(chat_id, deque()).extend(faults)

    def delivered(self, chat_id: int | None = None) -> list[str]:
        """Texts delivered (answered ok), in order; to one chat or all."""
        return [
            str(call.params.get("text"))
            for call in self.calls
            if call.method.lower() == "sendmessage"
            and (chat_id is None or int(call.params["chat_id"]) == chat_id)
        ]

    def _fault_for(self, chat_id: int) -> Fault | None:
        for key in (chat_id, ANY_CHAT):
            queue = self.faults.get(key)
            if queue:
                return queue.popleft()
        if self.rate_limit is not None:
            now = time.monotonic()
            while self._recent and self._recent[0] <= now - 1.0:
                self._recent.popleft()
            if len(self._recent) >= self.rate_limit:
                return too_many(1)
            self._recent.append(now)
        return None

    async def _handle(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        if method.lower() != "sendmessage" or request.match_info["token"] != self.token:
            return await super()._handle(request)
        # The body can be read once only: answer here rather than in the base class.
        params = await self._params(request)
        chat_id = int(params["chat_id"])
        fault = self._fault_for(chat_id)
        code = fault.status if fault else 200
        self.send_times.append((time.monotonic(), chat_id, code))
        if fault is None:
            result = self._answer(method, params)
            await self._record(method, params, result)
            return web.json_response({"ok": True, "result": result})
        if fault.hang:
            self.hanging.set()
            await asyncio.Event().wait()
        if fault.delay:
            await asyncio.sleep(fault.delay)
        self.refused.append((chat_id, fault.status))
        body: dict[str, object] = {
            "ok": False, "error_code": fault.status, "description": fault.description,
        }
        if fault.retry_after is not None:
            body["parameters"] = {"retry_after": fault.retry_after}
        return web.json_response(body, status=fault.status)
