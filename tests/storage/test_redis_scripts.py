"""The per-update Redis scripts run on connections of their own: they survive what a Redis
restart does to a client (its script cache emptied, its connections closed).

Skips where Redis cannot be reached.
"""

from __future__ import annotations

import asyncio

import pytest
from redis.exceptions import ResponseError
from redis.exceptions import TimeoutError as RedisTimeoutError

from storage.redis_scripts import Scripts
from tests.storage.conftest import redis_storage

ECHO = 'redis.call("set", KEYS[1], ARGV[1]) return redis.call("get", KEYS[1])'
# Busy for 0.2 s on the server (Redis runs one script at a time: keep it short).
SLOW = """
local start = redis.call("time")
repeat local now = redis.call("time")
until (now[1] - start[1]) * 1000000 + (now[2] - start[2]) > 200000
return 1
"""


async def test_a_script_runs_again_after_the_server_forgot_it_and_closed_the_connection() -> None:
    async with redis_storage() as fsm:
        scripts = Scripts(fsm.redis)
        echo = scripts.register(ECHO)
        key = fsm.key_builder.prefix + ":echo"  # type: ignore[attr-defined]
        assert await echo([key], ["one"]) == b"one"

        await fsm.redis.script_flush()
        assert await echo([key], ["two"]) == b"two"

        await fsm.redis.client_kill_filter(_type="normal", skipme=True)
        assert await echo([key], ["three"]) == b"three"
        assert len(scripts._idle) == 1  # the closed one replaced, not added to
        await scripts.close()
        assert scripts._idle == []


async def test_a_call_cut_short_leaves_no_connection_with_an_unread_reply() -> None:
    async with redis_storage() as fsm:
        scripts = Scripts(fsm.redis)
        slow = scripts.register(SLOW)
        quick = scripts.register("return 2")
        call = asyncio.ensure_future(slow([], []))
        await asyncio.sleep(0.05)
        call.cancel()
        await asyncio.gather(call, return_exceptions=True)
        assert scripts._idle == []  # the slow reply would have been read as the next one's
        assert await quick([], []) == 2
        assert len(scripts._idle) == 1
        await scripts.close()


async def test_an_error_of_the_script_is_raised_and_its_connection_kept() -> None:
    async with redis_storage() as fsm:
        scripts = Scripts(fsm.redis)
        with pytest.raises(ResponseError):
            await scripts.register('return redis.error_reply("no")')([], [])
        assert len(scripts._idle) == 1
        await scripts.close()


async def test_a_reply_later_than_the_time_out_fails_the_call_and_is_not_read_as_another() -> None:
    async with redis_storage() as fsm:
        scripts = Scripts(fsm.redis)
        slow = scripts.register(SLOW.replace("200000", "150000"))
        quick = scripts.register("return 2")
        assert await quick([], []) == 2
        scripts.timeout = 0.05  # the pool's socket time-out is seconds
        with pytest.raises(RedisTimeoutError):
            await slow([], [])  # tried twice, as after a broken connection
        assert scripts._idle == []
        scripts.timeout = 5
        await asyncio.sleep(0.2)  # the late replies arrive on the closed connections
        assert await quick([], []) == 2
        await scripts.close()
