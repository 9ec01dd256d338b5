"""`python -m bot eligibility FILE|-`: evaluate one profile, print the result as JSON.

Exit 0 with the result on stdout; exit 2 with one line on stderr (naming the field) and
nothing on stdout for a profile that is not valid JSON or breaks the schema.
"""

from __future__ import annotations

import json
import sys
from typing import NoReturn

from bot.rules.engine import evaluate
from bot.rules.profile import ProfileError, parse_profile
from bot.rules.ruleset import RulesetError

USAGE = "usage: python -m bot eligibility PROFILE.json  (or '-' to read stdin)"


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a number JSON allows")


def _read(arg: str) -> str:
    if arg == "-":
        return sys.stdin.buffer.read().decode("utf-8")
    with open(arg, encoding="utf-8") as fh:
        return fh.read()


def _fail(message: str) -> int:
    sys.stderr.write(" ".join(message.split()) + "\n")
    return 2


def main(argv: list[str]) -> int:
    """Run the command; ``argv`` holds the arguments after ``eligibility``."""
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        return _fail(USAGE)
    try:
        text = _read(argv[0])
    except (OSError, UnicodeDecodeError) as exc:
        return _fail(f"{argv[0]}: cannot read the profile: {exc}")
    try:
        data = json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:  # JSONDecodeError is a ValueError
        return _fail(f"profile: not valid JSON: {exc}")
    except RecursionError:
        return _fail("profile: not valid JSON: nested too deeply")
    try:
        profile = parse_profile(data)
    except ProfileError as exc:
        return _fail(str(exc))
    try:
        result = evaluate(profile)
    except RulesetError as exc:  # the data file is broken: not the caller's fault
        sys.stderr.write(f"ruleset: {' '.join(str(exc).split())}\n")
        return 1
    out = json.dumps(result.to_dict(), ensure_ascii=False, indent=2)
    sys.stdout.buffer.write(out.encode("utf-8") + b"\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
