"""The webhook server as Telegram (and anyone else) meets it, in process over real HTTP on
127.0.0.1: whatever arrives, a short answer and at most one log line, never a 500 or a
traceback.

The server is aiohttp's own runner (as `python -m bot` runs it), not its test server: that one
cancels a handler whose client went away, which hides what the real server does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher
from aiohttp import web
from pydantic import SecretStr
from yarl import URL

from bot.config import Settings
from bot.runner import create_webhook_app

SECRET = "s3cret"
PATH = "/tg/hook"
UPDATE = b'{"update_id": 1, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": ' \
         b'"private"}, "from": {"id": 1, "is_bot": false, "first_name": "A"}, "text": "/help"}}'


@pytest.fixture
async def hook(settings: Settings, bot: Bot, dp: Dispatcher) -> AsyncIterator[str]:
    """The webhook app served on a free port of 127.0.0.1; yields its URL."""
    settings = settings.model_copy(update={
        "webhook_url": f"https://bot.example.org{PATH}", "webhook_secret": SecretStr(SECRET),
    })
    runner = web.AppRunner(create_webhook_app(settings, bot, dp), shutdown_timeout=1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    host, port = runner.addresses[0][:2]
    try:
        yield f"http://{host}:{port}{PATH}"
    finally:
        await runner.cleanup()


def tracebacks(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{r.name}: {r.getMessage()}" for r in caplog.records
            if r.exc_info or r.levelno >= logging.ERROR]


def ours(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.webhook"]


async def post(url: str, body: bytes, **headers: str) -> int:
    async with aiohttp.ClientSession() as http, http.post(url, data=body, headers=headers) as r:
        return r.status


JSON = "application/json"


async def test_a_well_formed_update_is_answered(
    hook: str, caplog: pytest.LogCaptureFixture
) -> None:
    status = await post(hook, UPDATE, **{"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                         "Content-Type": f"{JSON}; charset=utf-8"})

    assert status == 200
    assert tracebacks(caplog) == []


@pytest.mark.parametrize("header", ["sécret", "s3crét", "ключ", "\udcff"])
async def test_a_secret_with_non_ascii_characters_is_unauthorized(
    hook: str, caplog: pytest.LogCaptureFixture, header: str
) -> None:
    # The header's bytes as a client sends them (aiohttp would refuse to encode the str).
    raw = header.encode("utf-8", "surrogateescape")
    status = await raw_post(hook, UPDATE, [(b"X-Telegram-Bot-Api-Secret-Token", raw),
                                          (b"Content-Type", JSON.encode())])

    assert status == 401
    assert tracebacks(caplog) == []


async def test_json_nested_too_deep_is_a_bad_request(
    hook: str, caplog: pytest.LogCaptureFixture
) -> None:
    for body in (b"[" * 100_000, b'{"update_id": 1, "x": ' + b"[" * 100_000):
        status = await post(hook, body, **{"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                           "Content-Type": JSON})
        assert status == 400

    assert tracebacks(caplog) == []
    assert ours(caplog) == ["webhook: malformed body refused (RecursionError)"] * 2


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "application/octet-stream", None])
async def test_a_body_that_is_not_json_by_its_type_is_refused_with_415(
    hook: str, caplog: pytest.LogCaptureFixture, content_type: str | None
) -> None:
    headers = [(b"X-Telegram-Bot-Api-Secret-Token", SECRET.encode())]
    if content_type is not None:
        headers.append((b"Content-Type", content_type.encode()))

    assert await raw_post(hook, UPDATE, headers) == 415
    assert tracebacks(caplog) == []
    assert len(ours(caplog)) == 1


async def test_without_the_secret_the_type_is_not_even_looked_at(hook: str) -> None:
    assert await post(hook, UPDATE, **{"Content-Type": "text/plain"}) == 401


@pytest.mark.parametrize("how", ["close", "abort", "half-close"])
async def test_a_body_cut_short_is_one_line_and_no_traceback(
    hook: str, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    """The client promises 1000 bytes, sends a few and goes away."""
    url = URL(hook)
    reader, writer = await asyncio.open_connection(url.host, url.port)
    writer.write(
        f"POST {PATH} HTTP/1.1\r\nHost: {url.host}\r\n"
        f"X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Type: {JSON}\r\n"
        "Content-Length: 1000\r\n\r\n".encode() + UPDATE[:20]
    )
    await writer.drain()
    await asyncio.sleep(0.1)  # the handler is waiting for the rest
    if how == "abort":
        writer.transport.abort()
    elif how == "half-close":
        writer.write_eof()
        await reader.read()
        writer.close()
    else:
        writer.close()
    for _ in range(100):  # until the handler has given up on the body (bounded)
        if ours(caplog):
            break
        await asyncio.sleep(0.02)

    assert ours(caplog) == ["webhook: body cut short (ConnectionResetError)"]
    assert tracebacks(caplog) == []
    # And the server goes on serving.
    assert await post(hook, UPDATE, **{"X-Telegram-Bot-Api-Secret-Token": SECRET,
                                       "Content-Type": JSON}) == 200


async def raw_post(url: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> int:
    """A POST written byte by byte: headers no HTTP client library would send."""
    parsed = URL(url)
    reader, writer = await asyncio.open_connection(parsed.host, parsed.port)
    try:
        lines = [f"POST {parsed.path} HTTP/1.1".encode(), f"Host: {parsed.host}".encode(),
                 f"Content-Length: {len(body)}".encode(), b"Connection: close"]
        lines += [name + b": " + value for name, value in headers]
        writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
        await writer.drain()
        status_line = await reader.readline()
        return int(status_line.split()[1])
    finally:
        writer.close()
