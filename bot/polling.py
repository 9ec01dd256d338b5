"""Long polling: different chats at once, each chat in order, nothing confirmed before it is done.

aiogram's own polling confirms an update (the next getUpdates offset) as soon as it is read,
before it is handled, and with ``handle_as_tasks=True`` loses the order within a chat. Here
each update becomes a task that waits for the previous update of its chat; the offset given
to Telegram never passes an update still in hand, so one cut short by a restart comes again
(and one already handled is skipped: storage.unit.OnceMiddleware). A slow chat does not
hold the others: while it is in hand the loop keeps asking for new updates, skipping those it
holds. On stop, the updates in hand get ``drain`` seconds to finish.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Hashable
from typing import Any

from aiogram import Bot, Dispatcher
from aiogram.dispatcher.middlewares.user_context import UserContextMiddleware
from aiogram.exceptions import ClientDecodeError
from aiogram.methods import GetUpdates
from aiogram.types import Update
from pydantic import ValidationError

from bot.logs import log_failure
from bot.telegram import NotDelivered

log = logging.getLogger(__name__)

# While updates are in hand Telegram answers getUpdates at once (they are unconfirmed):
# ask again when one finishes, or after this many seconds.
RECHECK = 0.5
MAX_BACKOFF = 30.0


class Poller:
    def __init__(
        self, dp: Dispatcher, bot: Bot, *, polling_timeout: int = 10, **kwargs: Any
    ) -> None:
        self.dp, self.bot, self.polling_timeout = dp, bot, polling_timeout
        self.kwargs = kwargs
        self.allowed_updates = dp.resolve_used_update_types()
        self.in_hand: dict[int, asyncio.Task[None]] = {}
        self._last_of_chat: dict[Hashable, asyncio.Task[None]] = {}
        self._done: set[int] = set()  # handled, not yet confirmed
        self._next = 0  # one past the highest update id seen
        self.skipped = 0  # updates that could not be read (see _readable)

    @property
    def offset(self) -> int | None:
        """Telegram forgets the updates below it: never past one still in hand."""
        if self.in_hand:
            return min(self.in_hand)
        return self._next or None

    async def run(self, stop: asyncio.Event, drain: float) -> None:
        try:
            await self._poll(stop)
        finally:
            await self._drain(drain)

    async def _poll(self, stop: asyncio.Event) -> None:
        backoff = 1.0
        stopped = asyncio.ensure_future(stop.wait())
        try:
            while not stop.is_set():
                if self.in_hand:
                    await asyncio.wait(
                        [*self.in_hand.values(), stopped],
                        timeout=RECHECK,
                        return_when=asyncio.FIRST_COMPLETED,
                    )
                    if stop.is_set():
                        break
                wait = 0 if self.in_hand else self.polling_timeout
                request = GetUpdates(
                    offset=self.offset, timeout=wait, allowed_updates=self.allowed_updates
                )
                fetch = asyncio.ensure_future(
                    self.bot(request, request_timeout=int(self.bot.session.timeout + wait))
                )
                await asyncio.wait([fetch, stopped], return_when=asyncio.FIRST_COMPLETED)
                if not fetch.done():
                    fetch.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await fetch
                    break
                unreadable: list[int] = []
                try:
                    updates = fetch.result()
                except ClientDecodeError as exc:  # one update aiogram cannot read: not all
                    updates, unreadable = self._readable(exc.data)
                except Exception as exc:
                    log.error("getUpdates failed (%s); again in %.0f s", type(exc).__name__,
                              backoff)
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.shield(stopped), backoff)
                    backoff = min(backoff * 2, MAX_BACKOFF)
                    continue
                backoff = 1.0
                for update in updates:
                    self.dispatch(update)
                for update_id in unreadable:  # confirmed as done, after those before it
                    self._next = max(self._next, update_id + 1)
                    self._done.add(update_id)
        finally:
            stopped.cancel()

    def _readable(self, answer: Any) -> tuple[list[Update], list[int]]:
        """The updates of a getUpdates answer that aiogram could not read as a whole, each
        read alone, and the ids of those that cannot be (a kind of update, or fields, this
        aiogram does not know): logged by kind and counted, they cost themselves only. An
        answer that is not a list of updates at all is an error like any other."""
        raw = answer.get("result") if isinstance(answer, dict) else None
        if not isinstance(raw, list):
            raise ClientDecodeError("getUpdates: not a list of updates", ValueError(), None)
        updates: list[Update] = []
        unreadable: list[int] = []
        for item in raw:
            try:
                updates.append(Update.model_validate(item, context={"bot": self.bot}))
            except ValidationError:
                update_id = item.get("update_id") if isinstance(item, dict) else None
                if not isinstance(update_id, int):
                    raise
                if update_id in self._done:  # given again while an earlier one is in hand
                    continue
                kinds = sorted(k for k in item if k != "update_id")
                log.warning("update %s (%s) could not be read: skipped", update_id,
                            ", ".join(kinds) or "empty")
                self.skipped += 1
                unreadable.append(update_id)
        return updates, unreadable

    def dispatch(self, update: Update) -> None:
        """Start handling ``update`` after the previous update of its chat, unless it is
        in hand or done already."""
        update_id = update.update_id
        if update_id in self.in_hand or update_id in self._done or update_id < (self.offset or 0):
            return
        self._next = max(self._next, update_id + 1)
        context = UserContextMiddleware.resolve_event_context(update)
        chat: Hashable = context.chat_id or context.user_id or ("update", update_id)
        task = asyncio.create_task(self._handle(update, self._last_of_chat.get(chat)))
        self.in_hand[update_id] = task
        self._last_of_chat[chat] = task
        task.add_done_callback(lambda done: self._finished(update_id, chat, done))

    async def _handle(self, update: Update, previous: asyncio.Task[None] | None) -> None:
        if previous is not None:
            await asyncio.wait([previous])
        while True:
            try:
                await self.dp.feed_update(self.bot, update, **self.kwargs)
                return
            except NotDelivered as later:  # still in hand meanwhile: never confirmed
                log.warning("update %s not delivered (%s)", update.update_id, later)
                await asyncio.sleep(later.pause)
            except Exception as exc:  # logged by type and place: never what the user wrote
                log_failure(f"update {update.update_id} failed", exc)
                return

    def _finished(self, update_id: int, chat: Hashable, task: asyncio.Task[None]) -> None:
        self.in_hand.pop(update_id, None)
        if not task.cancelled():
            self._done.add(update_id)
        if self._last_of_chat.get(chat) is task:
            del self._last_of_chat[chat]
        offset = self.offset
        if offset is not None:
            self._done = {i for i in self._done if i >= offset}

    async def _drain(self, seconds: float) -> None:
        if self.in_hand:
            log.info("finishing %d update(s) in hand", len(self.in_hand))
            await asyncio.wait(list(self.in_hand.values()), timeout=seconds)
        # Confirm what was handled, so the next start does not fetch it again; not what is
        # left: those are cut short, rolled back, and Telegram gives them again.
        confirm = self.offset
        left = list(self.in_hand.values())
        for task in left:
            task.cancel()
        if left:
            log.warning("%d update(s) not finished in %.0f s: left for the next start",
                        len(left), seconds)
            await asyncio.wait(left)
        if confirm is not None:
            with contextlib.suppress(Exception):
                await self.bot(GetUpdates(offset=confirm, timeout=0, limit=1), request_timeout=5)


async def run_polling(dp: Dispatcher, bot: Bot, *, drain: float, **kwargs: Any) -> None:
    """Polling until SIGTERM or SIGINT, with the dispatcher's start-up and shutdown hooks."""
    import signal

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    workflow = {"dispatcher": dp, "bots": [bot], **dp.workflow_data, **kwargs}
    await dp.emit_startup(bot=bot, **workflow)
    log.info("polling")
    try:
        await Poller(dp, bot, **kwargs).run(stop, drain)
    finally:
        log.info("polling stopped")
        await dp.emit_shutdown(bot=bot, **workflow)
