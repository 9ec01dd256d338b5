"""The Redis scripts of every update (a chat's lock-and-read, the update's end), run lean.

They run twice per update, and at that rate redis-py's client layer around a command (its
blocking pool's lock and time-out, retries, observability hooks) costs more CPU than the
command's round trip. Here a script goes straight to a connection of its own (redis-py's, made
with the pool's settings; hiredis packs and parses) and back to a short idle list: at
most one connection per script call in flight, so no more than the updates in flight.
"""

from __future__ import annotations

import hashlib
from typing import Any

from hiredis import pack_command
from redis.asyncio import Redis
from redis.asyncio.connection import AbstractConnection
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

# A connection that failed this way is replaced and the call tried once more on a new one:
# the server restarted, or closed a connection left idle. The scripts are safe to repeat.
_BROKEN = (RedisConnectionError, RedisTimeoutError, OSError)


class Scripts:
    """Lua scripts run by EVALSHA on connections kept here (loaded again after a restart)."""

    def __init__(self, redis: Redis) -> None:
        self.pool = redis.connection_pool
        self._idle: list[AbstractConnection] = []
        self.timeout: float | None = None  # the pool's socket time-out, for a reply

    def register(self, source: str) -> Script:
        return Script(self, source)

    async def run(self, script: Script, keys: list[str], args: list[Any]) -> Any:
        connection = self._idle.pop() if self._idle else self._new()
        try:
            try:
                reply = await self._call(connection, script, keys, args)
            except _BROKEN:
                await connection.disconnect(nowait=True)
                connection = self._new()
                reply = await self._call(connection, script, keys, args)
        except ResponseError:  # the script's own error: the connection is fine
            self._idle.append(connection)
            raise
        except BaseException:
            # Cut short (cancelled, failed twice): what is left unread on it is unknown.
            await connection.disconnect(nowait=True)
            raise
        self._idle.append(connection)
        return reply

    def _new(self) -> AbstractConnection:
        made: AbstractConnection = self.pool.make_connection()  # type: ignore[no-untyped-call]
        # The time-out applies to the reply (below): redis-py would also put the send, which
        # never waits for a command this small, in a task of its own (asyncio.wait_for).
        self.timeout, made.socket_timeout = made.socket_timeout, None
        return made

    async def _call(
        self, connection: AbstractConnection, script: Script, keys: list[str], args: list[Any]
    ) -> Any:
        command = ("EVALSHA", script.sha, len(keys), *keys, *args)
        try:
            return await self._ask(connection, command)
        except NoScriptError:  # the server's script cache is empty (it restarted)
            await self._ask(connection, ("SCRIPT", "LOAD", script.source))
            return await self._ask(connection, command)

    async def _ask(self, connection: AbstractConnection, command: tuple[Any, ...]) -> Any:
        # Packed in C by hiredis (redis-py packs in Python).
        await connection.send_packed_command(pack_command(command), False)
        return await connection.read_response(timeout=self.timeout)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await connection.disconnect()


class Script:
    def __init__(self, scripts: Scripts, source: str) -> None:
        self.scripts = scripts
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def __call__(self, keys: list[str], args: list[Any]) -> Any:
        return await self.scripts.run(self, keys, args)
