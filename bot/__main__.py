"""`python -m bot [run|console|migrate|eligibility FILE]` — see --help."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

VENV = Path(__file__).resolve().parent.parent / ".venv"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m bot", description="Sozak district social-assistance bot."
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.add_parser("run", help="run the Telegram bot: long polling, or webhook if WEBHOOK_URL")
    sub.add_parser("console", help="chat with the bot in this terminal (no token, no network)")
    sub.add_parser("migrate", help="bring the database schema up to date")
    elig = sub.add_parser("eligibility", help="evaluate a profile (JSON file or '-' for stdin)")
    elig.add_argument("file")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "eligibility":
        from bot.rules.cli import main as eligibility

        return eligibility([args.file])
    from bot.config import SettingsError, load_settings

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "migrate":
        return _migrate(settings)
    if args.command == "console":
        logging.getLogger().setLevel(logging.WARNING)  # the chat, not the logs, on screen
        from bot.console.terminal import run_console

        _migrate(settings)
        asyncio.run(run_console(settings))
        return 0
    if settings.bot_token is None:
        print("BOT_TOKEN: required to run the bot (see .env.example)", file=sys.stderr)
        return 2
    from bot.runner import run

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
    return 0


def _migrate(settings: Settings) -> int:
    from storage.migrate import upgrade

    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # start-up noise
    upgrade(settings.database_url)
    return 0


def run_in_project_venv() -> None:
    """`python -m bot` from any interpreter (e.g. `python ../shared/eligibility/check.py`)
    runs in the project's .venv, made by `make setup`, where its dependencies are."""
    python = VENV / "bin" / "python"
    if python.exists() and Path(sys.prefix).resolve() != VENV.resolve():
        os.execv(python, [str(python), "-m", "bot", *sys.argv[1:]])


if __name__ == "__main__":
    run_in_project_venv()
    try:
        sys.exit(main())
    except ModuleNotFoundError as exc:  # no .venv and a bare interpreter
        print(f"python -m bot: {exc.name} is not installed; run `make setup` first",
              file=sys.stderr)
        sys.exit(1)
