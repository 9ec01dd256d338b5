"""The stand-in Bot API and the bot-process fixtures, for every end-to-end module."""

from tests.e2e.test_e2e_http import start_bot, stub

__all__ = ["start_bot", "stub"]
