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
    from bot.config import SettingsError, StartupError, load_settings
    from bot.logs import setup_logging

    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    # The console shows the chat, not the logs.
    mask = setup_logging(settings, logging.WARNING if args.command == "console" else logging.INFO)
    try:
        return _command(args.command, settings)
    except SettingsError as exc:
        print(mask.mask(str(exc)), file=sys.stderr)
        return 2
    except StartupError as exc:
        print(mask.mask(str(exc)), file=sys.stderr)
        return 1
    except Exception:
        # Through logging, so the token is masked even in the traceback.
        logging.getLogger("bot").exception("stopped by an unexpected error")
        return 1


def _command(command: str | None, settings: Settings) -> int:
    from bot.config import SettingsError

    if command == "migrate":
        _migrate(settings, quiet=False)
        return 0
    if command != "console" and settings.bot_token is None:
        raise SettingsError("BOT_TOKEN: required to run the bot (see .env.example)")
    # What the settings point at, before anything is started: one line naming what is wrong.
    from bot.preflight import check_data_dir, check_redis

    check_data_dir(settings.data_dir)
    if settings.redis_url:
        check_redis(settings.redis_url)
    # A fresh database answers from the first update: the schema is brought up to date first
    # (on PostgreSQL under an advisory lock, so instances starting together take turns).
    _migrate(settings, quiet=True)
    if command == "console":
        from bot.console.terminal import run_console

        asyncio.run(run_console(settings))
        return 0
    from bot.runner import run

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(settings))
    return 0


def _migrate(settings: Settings, *, quiet: bool) -> None:
    # Alembic's own lines only when migrating is what was asked for (set before its import,
    # which logs its plug-ins).
    logging.getLogger("alembic").setLevel(logging.WARNING if quiet else logging.INFO)
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    from bot.config import StartupError
    from storage.migrate import MigrationError, upgrade

    try:
        upgrade(settings.database_url)
    except MigrationError as exc:
        raise StartupError(f"DATABASE_URL: {exc}") from None


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
