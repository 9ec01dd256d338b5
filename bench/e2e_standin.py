"""The process that plays Telegram and the citizens in the end-to-end bench (bench/e2e_http.py
starts it): the tests' stand-in of the Bot API (tests/e2e/bot_api_stub.py) on 127.0.0.1, and
citizens who each push their recorded screening's updates one after another, the next as
soon as the bot has made every call the last one made when it was recorded.

    e2e_standin.py SCRIPTS_JSON CITIZENS WARM_UP

Protocol: prints {"url", "token"} when listening; reads the bot's pid from stdin; waits for
its first getUpdates; sends the warm-up citizens; then SIGUSR1 to the bot (bench/gc_site),
CITIZENS at once, SIGUSR2; prints the figures as one JSON line and exits.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.e2e.bot_api_stub import JSON, BotAPIStub

STEP_TIMEOUT = 30.0  # s for the bot to answer one update
FIRST_USER = 5_000_000


class ChatView:
    """One chat as its citizen sees it: the messages sent to it (by order), as last edited."""

    def __init__(self) -> None:
        self.sent: list[int] = []
        self.messages: dict[int, JSON] = {}
        self.calls = 0
        self.waiting: tuple[int, asyncio.Future[float]] | None = None

    def saw(self, method: str, params: JSON, result: Any) -> None:
        if method == "sendmessage" and isinstance(result, dict):
            self.sent.append(result["message_id"])
            self.messages[result["message_id"]] = result
        elif method == "editmessagetext" and isinstance(result, dict):
            self.messages[result["message_id"]] = result
        elif method == "editmessagereplymarkup" and "message_id" in params:
            old = self.messages.get(int(params["message_id"]))
            if old is not None:
                markup = params.get("reply_markup")
                edited = {k: v for k, v in old.items() if k != "reply_markup"}
                if isinstance(markup, dict) and markup.get("inline_keyboard"):
                    edited["reply_markup"] = markup
                self.messages[int(params["message_id"])] = edited
        self.calls += 1
        if self.waiting is not None and self.calls >= self.waiting[0]:
            if not self.waiting[1].done():
                self.waiting[1].set_result(time.perf_counter())
            self.waiting = None


class BenchStub(BotAPIStub):
    def __post_init__(self) -> None:
        super().__post_init__()
        self.polled = asyncio.Event()
        self.chats: dict[int, ChatView] = {}
        self.query_chat: dict[str, int] = {}
        self.polls = self.polled_updates = 0  # getUpdates answered, updates in the answers

    async def _get_updates(self, params: JSON) -> list[JSON]:
        self.polled.set()
        updates = await super()._get_updates(params)
        self.polls += 1
        self.polled_updates += len(updates)
        return updates

    async def _record(self, method: str, params: JSON, result: Any) -> None:
        await super()._record(method, params, result)
        name = method.lower()
        if name == "answercallbackquery":
            chat = self.query_chat.get(str(params.get("callback_query_id")))
        else:
            chat = int(params["chat_id"]) if str(params.get("chat_id", "")).lstrip("-").isdigit() \
                else None
        view = self.chats.get(chat) if chat is not None else None
        if view is not None:
            view.saw(name, params, result)


class Crowd:
    def __init__(self, stub: BenchStub, scripts: list[list[JSON]], first_user: int) -> None:
        self.stub, self.scripts = stub, scripts
        self.latencies: list[float] = []
        self.kinds: dict[str, list[float]] = {}
        self.finished: list[int] = []
        self.unanswered = 0
        self._next = first_user

    async def citizen(self, script: list[JSON]) -> None:
        user, self._next = self._next, self._next + 1
        view = self.stub.chats[user] = ChatView()
        loop = asyncio.get_running_loop()
        for step in script:
            answered: asyncio.Future[float] = loop.create_future()
            view.waiting = (view.calls + len(step["calls"]), answered)
            try:
                if step["kind"] == "press":
                    message = view.messages[view.sent[step["message"]]]
                    update = self.stub.callback_update(step["data"], message, user, step["lang"])
                    self.stub.query_chat[update["callback_query"]["id"]] = user
                    pushed = time.perf_counter()
                    await self.stub.push_update(update)
                else:
                    pushed = time.perf_counter()
                    await self.stub.push_message(step["text"], user, step["lang"])
                done = await asyncio.wait_for(answered, STEP_TIMEOUT)
            except (TimeoutError, LookupError, AssertionError):
                self.unanswered += 1  # no answer in time, or not the screen recorded
                return
            self.latencies.append(done - pushed)
            self.kinds.setdefault(step["kind"], []).append(done - pushed)
        self.finished.append(user)

    async def run(self, count: int) -> float:
        started = time.perf_counter()
        await asyncio.gather(*(self.citizen(self.scripts[i % len(self.scripts)])
                               for i in range(count)))
        return time.perf_counter() - started


def cpu_seconds(pid: int | str) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def main(scripts_file: str, citizens: int, warm: int) -> None:
    scripts = json.loads(Path(scripts_file).read_text())
    loop = asyncio.get_running_loop()
    stub = BenchStub()
    await stub.start()
    try:
        print(json.dumps({"url": stub.url, "token": stub.token}), flush=True)
        bot_pid = int(await loop.run_in_executor(None, sys.stdin.readline))
        await asyncio.wait_for(stub.polled.wait(), 120)
        await Crowd(stub, scripts, FIRST_USER).run(warm)
        crowd = Crowd(stub, scripts, FIRST_USER + 100_000)
        os.kill(bot_pid, signal.SIGUSR1)
        polls, polled = stub.polls, stub.polled_updates
        cpu = cpu_seconds("self"), cpu_seconds(bot_pid)
        elapsed = await crowd.run(citizens)
        cpu = cpu_seconds("self") - cpu[0], cpu_seconds(bot_pid) - cpu[1]
        os.kill(bot_pid, signal.SIGUSR2)
        print(json.dumps({
            "citizens": citizens, "updates": len(crowd.latencies), "seconds": elapsed,
            "latencies": crowd.latencies, "kinds": crowd.kinds, "finished": crowd.finished,
            "unanswered": crowd.unanswered, "standin_cpu_s": cpu[0], "bot_cpu_s": cpu[1],
            "polls": stub.polls - polls, "polled_updates": stub.polled_updates - polled,
        }), flush=True)
    finally:
        await stub.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3])))
