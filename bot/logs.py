"""Logging set-up: one format, and the bot's secrets masked in every record.

The token is part of every Bot API URL, so any error that quotes a URL (aiohttp's, a
traceback's locals) would print it. The mask sits on the root logger's handlers, where every
record ends up whichever logger it came from.
"""

from __future__ import annotations

import logging
import traceback

from bot.config import Settings

log = logging.getLogger("bot")

MASK = "***"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that chatter at INFO: fontTools names each table of every font subset it makes
# (dozens of lines for each PDF, hundreds for a long one).
QUIET_LOGGERS = {"fontTools": logging.WARNING}


class SecretMask(logging.Filter):
    """Replaces each secret (and the token's part after the colon) with ``***``."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        parts = set(secrets)
        parts.update(s.partition(":")[2] for s in secrets if ":" in s)
        # Longest first: the whole token before its secret half.
        self.secrets = sorted((p for p in parts if p), key=len, reverse=True)

    def mask(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.secrets:
            return True
        record.msg, record.args = self.mask(record.getMessage()), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.mask(record.exc_text)
        if record.stack_info:
            record.stack_info = self.mask(record.stack_info)
        return True


def secret_mask(settings: Settings) -> SecretMask:
    secrets = [s.get_secret_value() for s in (settings.bot_token, settings.webhook_secret) if s]
    return SecretMask(secrets)


def setup_logging(settings: Settings, level: int = logging.INFO) -> SecretMask:
    """Root logging with the mask on each of its handlers; returns the mask for other output."""
    logging.basicConfig(level=level, format=FORMAT)
    for name, quiet in QUIET_LOGGERS.items():
        logging.getLogger(name).setLevel(quiet)
    mask = secret_mask(settings)
    for handler in logging.getLogger().handlers:
        handler.addFilter(mask)
    return mask


def log_failure(what: str, exc: BaseException, logger: logging.Logger | None = None) -> None:
    """An error logged by its type and the place it was raised, never its message: that may
    quote what a citizen typed (an IIN, an income)."""
    where = traceback.extract_tb(exc.__traceback__)[-1]
    (logger or log).error("%s: %s at %s:%s", what, type(exc).__name__, where.filename, where.lineno)
