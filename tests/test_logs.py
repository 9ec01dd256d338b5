"""The bot token never reaches the logs, whichever logger writes it and however."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest

from bot.config import Settings
from bot.logs import MASK, secret_mask, setup_logging

TOKEN = "123456:AAH-very_secret-token"
SECRET_HALF = "AAH-very_secret-token"
HOOK_SECRET = "hook_secret_value"


@pytest.fixture
def settings() -> Settings:
    return Settings(_env_file=None, bot_token=TOKEN, webhook_secret=HOOK_SECRET)


@pytest.fixture
def root_output() -> Iterator[io.StringIO]:
    """The root logger with only a handler of ours, as after `python -m bot` starts."""
    root = logging.getLogger()
    saved, saved_level = root.handlers[:], root.level
    stream = io.StringIO()
    root.handlers = [logging.StreamHandler(stream)]
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.handlers, root.level = saved, saved_level


def _log_everywhere(logger: logging.Logger) -> None:
    url = f"https://api.telegram.org/bot{TOKEN}/getMe"
    logger.error("request to %s failed", url)
    logger.warning(f"retrying {url}")  # already formatted by the caller
    logger.info("secret half alone: %s, webhook secret: %s", SECRET_HALF, HOOK_SECRET)
    try:
        raise RuntimeError(f"Cannot connect to {url}")
    except RuntimeError:
        logger.exception("stopped")


def test_every_logger_is_masked_once_logging_is_set_up(
    settings: Settings, root_output: io.StringIO
) -> None:
    setup_logging(settings)

    _log_everywhere(logging.getLogger("aiogram.dispatcher"))

    text = root_output.getvalue()
    assert TOKEN not in text
    assert SECRET_HALF not in text
    assert HOOK_SECRET not in text
    assert "secret half alone: ***, webhook secret: ***" in text
    assert "RuntimeError" in text and "Traceback" in text  # the rest of the story is kept


def test_without_the_mask_the_token_would_be_printed(root_output: io.StringIO) -> None:
    """The check above can fail: the same records, unmasked, do carry the token."""
    _log_everywhere(logging.getLogger("aiogram.dispatcher"))

    assert TOKEN in root_output.getvalue()


def test_the_mask_leaves_other_text_alone(settings: Settings) -> None:
    mask = secret_mask(settings)

    assert mask.mask("update 7 handled in 3 ms") == "update 7 handled in 3 ms"
    assert mask.mask(f"bot{TOKEN}/sendMessage") == f"bot{MASK}/sendMessage"


def test_no_token_no_mask() -> None:
    mask = secret_mask(Settings(_env_file=None))

    assert mask.mask("123456:anything") == "123456:anything"


def test_making_a_pdf_logs_nothing_from_fonttools(
    settings: Settings, root_output: io.StringIO
) -> None:
    """fontTools names each table of each subset it makes at INFO: dozens of lines for every
    PDF (hundreds for a long one)."""
    from bot.services.pdf import PdfDocument

    setup_logging(settings)
    for handler in logging.getLogger().handlers:
        handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    doc = PdfDocument(title="Өтініш", lang="kk")
    doc.heading("Әлеуметтік көмек · Социальная помощь")
    doc.paragraph("Шолаққорған, Абай көшесі 12. The quick brown fox 0123456789.")
    assert doc.output().startswith(b"%PDF")

    assert "fontTools" not in root_output.getvalue()
