"""Start-up checks of what the settings point at, before the bot takes its first update.

A setting can be well formed and still useless: a DATA_DIR this user may not write in, a
Redis nobody answers at, an address this machine does not have. Each is found here and told
in one line naming the setting (a :class:`~bot.config.SettingsError`: exit code 2), instead of
a traceback at the first update, or every update apologising.
"""

from __future__ import annotations

import asyncio
import errno
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import SettingsError

# Seconds Redis has to answer a PING at start-up.
REDIS_TIMEOUT = 2.0


def check_data_dir(path: Path) -> None:
    """DATA_DIR exists (it is made if need be) and a file can be written in it."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path) as probe:
            probe.write(b"ok")
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise SettingsError(f"DATA_DIR: cannot write in {path} ({reason})") from None


def check_redis(url: str, timeout: float = REDIS_TIMEOUT) -> None:
    """A PING answered within ``timeout`` seconds. The message names the server, never the
    URL (it may carry a password)."""
    from redis import Redis
    from redis.exceptions import AuthenticationError, RedisError, ResponseError

    client = Redis.from_url(url, socket_connect_timeout=timeout, socket_timeout=timeout)
    try:
        client.ping()
    except (AuthenticationError, ResponseError) as exc:  # NOAUTH, WRONGPASS, ...
        raise SettingsError(
            f"REDIS_URL: Redis at {_where(url)} refused us ({type(exc).__name__})"
        ) from None
    except (RedisError, OSError) as exc:
        raise SettingsError(
            f"REDIS_URL: no answer from Redis at {_where(url)} within {timeout:g} s "
            f"({type(exc).__name__})"
        ) from None
    finally:
        client.close()


def _where(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme == "unix":
        return parts.path
    return f"{parts.hostname}:{parts.port or 6379}"


async def check_listen(host: str, port: int) -> None:
    """The webhook server's address can be listened on: tried (as aiohttp will) and let go,
    before Telegram is told the webhook or anything is started."""
    loop = asyncio.get_running_loop()
    try:
        server = await loop.create_server(asyncio.Protocol, host, port)
    except OSError as exc:
        raise listen_error(host, port, exc) from None
    server.close()
    await server.wait_closed()


def listen_error(host: str, port: int, exc: OSError) -> SettingsError:
    # The port is taken or needs privileges; otherwise the host is not this machine's (or
    # not a name at all).
    setting = "WEBHOOK_PORT" if exc.errno in (errno.EADDRINUSE, errno.EACCES) else "WEBHOOK_HOST"
    reason = exc.strerror or type(exc).__name__
    return SettingsError(f"{setting}: cannot listen on {host}:{port} ({reason})")
