"""The engine is pure Python: importing it loads neither aiogram nor the storage layer."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
import bot.rules
from bot.rules import evaluate, parse_profile
evaluate(parse_profile({"on_date": "2015-04-20", "statuses": ["pensioner"]}))
import bot.rules.cli
bad = sorted(m for m in sys.modules
             if m.split(".")[0] in ("aiogram", "sqlalchemy", "storage", "handlers", "alembic"))
print(",".join(bad))
"""


def test_importing_the_engine_loads_neither_aiogram_nor_sqlalchemy() -> None:
    proc = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True,
                          text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == ""
