"""The Redis scripts of every update (a chat's lock-and-read, the update's end), run lean.

They run twice per update, and at that rate redis-py's client layer around a command (its
blocking pool's lock and time-out, retries, observability hooks, a stream reader between the
socket and the parser) costs more CPU than the command's round trip. Here redis-py makes a
connection of its own (with the pool's settings: address, TLS, password, database) and shakes
hands; then the connection's replies go straight from the socket to hiredis, in a protocol of
ours, and the connection goes back to a short idle list. At most one connection per script call
in flight, so no more than the updates in flight.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import hiredis
from hiredis import pack_command
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

# A connection that failed this way is replaced and the call tried once more on a new one:
# the server restarted, or closed a connection left idle. The scripts are safe to repeat.
_BROKEN = (RedisConnectionError, RedisTimeoutError, OSError)


class _Line(asyncio.Protocol):
    """One connection of the scripts: a command written, its reply parsed as it arrives."""

    def __init__(self, made: AbstractConnection, transport: asyncio.WriteTransport) -> None:
        self.made, self.transport = made, transport
        # Error replies come back as ResponseError values, raised by the caller.
        self.reader = hiredis.Reader(replyError=ResponseError)
        self.reply: asyncio.Future[Any] | None = None
        self.broken = False

    def data_received(self, data: bytes) -> None:
        self.reader.feed(data)
        reply = self.reader.gets()
        if reply is False:  # not all of it yet
            return
        waiter, self.reply = self.reply, None
        if waiter is None or waiter.done():  # a reply nobody waits for: out of step
            self.broken = True
            self.transport.abort()
        else:
            waiter.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        self.broken = True
        waiter, self.reply = self.reply, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(RedisConnectionError("Redis closed the connection"))

    def _timed_out(self) -> None:
        # ask() then drops the connection: the reply, if it ever comes, is nobody's.
        waiter = self.reply
        if waiter is not None and not waiter.done():
            waiter.set_exception(RedisTimeoutError("Redis did not answer in time"))

    async def ask(self, command: tuple[Any, ...], timeout: float | None) -> Any:
        if self.broken:
            raise RedisConnectionError("Redis connection closed")
        loop = asyncio.get_running_loop()
        self.reply = waiter = loop.create_future()
        self.transport.write(pack_command(command))  # packed in C by hiredis
        timer = None if timeout is None else loop.call_later(timeout, self._timed_out)
        try:
            reply = await waiter
        except BaseException:
            # Cut short (cancelled, timed out, closed): what is left unread on it is unknown.
            self.broken = True
            self.transport.abort()
            raise
        finally:
            if timer is not None:
                timer.cancel()
        if isinstance(reply, ResponseError):
            raise NoScriptError(str(reply)) if str(reply).startswith("NOSCRIPT") else reply
        return reply

    async def close(self) -> None:
        self.broken = True
        self.transport.close()
        await self.made.disconnect(nowait=True)


class Scripts:
    """Lua scripts run by EVALSHA on connections kept here (loaded again after a restart)."""

    def __init__(self, redis: Redis) -> None:
        self.pool = redis.connection_pool
        self._idle: list[_Line] = []
        self.timeout: float | None = None  # the pool's socket time-out, for a reply

    def register(self, source: str) -> Script:
        return Script(self, source)

    async def run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        line = self._idle.pop() if self._idle else await self._new()
        try:
            try:
                reply = await self._call(line, script, keys, args)
            except _BROKEN:
                await line.close()
                line = await self._new()
                reply = await self._call(line, script, keys, args)
        except ResponseError:  # the script's own error: the connection is fine
            self._idle.append(line)
            raise
        except BaseException:
            await line.close()
            raise
        self._idle.append(line)
        return reply

    async def _new(self) -> _Line:
        made: AbstractConnection = self.pool.make_connection()  # type: ignore[no-untyped-call]
        await made.connect()  # type: ignore[no-untyped-call]  # address, TLS, password, db
        # From here on the socket's bytes come to us, not to redis-py's stream reader.
        writer = made._writer
        if writer is None:
            raise RedisConnectionError("Redis connection not made")
        transport = writer.transport
        line = _Line(made, transport)
        transport.set_protocol(line)
        if self.timeout is None:
            self.timeout = made.socket_timeout
        return line

    async def _call(self, line: _Line, script: Script, keys: list[str], args: list[Any]) -> Any:
        command = ("EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            return await line.ask(command, self.timeout)
        except NoScriptError:  # the server's script cache is empty (it restarted)
            await line.ask(("SCRIPT", "LOAD", script.source), self.timeout)
            return await line.ask(command, self.timeout)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for line in idle:
            await line.close()


class Script:
    def __init__(self, scripts: Scripts, source: str) -> None:
        self.scripts = scripts
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, keys: list[str], args: list[Any]) -> Any:
        return await self.scripts.run(self, keys, args)
