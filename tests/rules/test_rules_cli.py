"""`python -m bot eligibility FILE|-` through main() and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bot.rules.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(("raw", "field"), [
    ('{"household": {"members": 0}}', "household.members: must be an integer >= 1"),
    ('{"household": {"members": "2"}}', "household.members:"),
    ("{not json", "profile: not valid JSON"),
    ('{"on_date": "2015-13-01"}', "on_date:"),
    ('{"on_date": "20150401"}', "on_date:"),
    ('{"statuses": ["veteran"]}', "statuses[0]: unknown status"),
    ('{"statuses": ["hiv", "hiv"]}', "statuses[1]:"),
    ('{"colour": "red"}', "colour: unknown field"),
    ('{"household": {"income": 5}}', "household.income: unknown field"),
    ('{"situation": {"kind": "fire"}}', "situation.occurred_on: is required"),
    ('{"situation": {"kind": "flood", "occurred_on": "2015-01-01"}}', "situation.kind:"),
    ('{"children": [{"age": 18}]}', "children[0].age:"),
    ('{"children": [{}]}', "children[0].age: is required"),
    ('{"resident": "yes"}', "resident:"),
    ('{"age": 40.5}', "age:"),
    ('{"household": {"monthly_income": -1}}', "household.monthly_income:"),
    ('{"wheelchair": "electric"}', "wheelchair:"),
    ('{"history": [{"id": "9.11", "granted_on": "2015-01-01"}]}', "history[0].id:"),
    ("[]", "profile: must be an object"),
])
def test_bad_profile_exits_2_naming_the_field(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], raw: str, field: str) -> None:
    path = tmp_path / "p.json"
    path.write_text(raw, encoding="utf-8")
    assert main([str(path)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(field) and err.count("\n") == 1 and "Traceback" not in err


def test_good_profile_prints_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"on_date": "2015-05-04", "statuses": ["wwii_participant"]}')
    assert main([str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == "" and json.loads(out)["benefits"][0]["id"] == "p9.8"
    proc = subprocess.run([sys.executable, "-m", "bot.rules.cli", str(path)], cwd=ROOT,
                          capture_output=True, text=True, encoding="utf-8", timeout=60)
    assert proc.returncode == 0 and proc.stderr == ""
    res = json.loads(proc.stdout)
    assert res["ruleset"] == "sozak-2015-241" and res["mci_kzt"] == 1982
    assert {b["id"] for b in res["benefits"]} == {"p9.8", "p9.9.wwii"}
    assert res["benefits"][1]["title"]["kk"].startswith("Жеңіс күніне")


def test_process_reads_stdin_and_rejects_without_traceback() -> None:
    bad = subprocess.run([sys.executable, "-m", "bot.rules.cli", "-"], cwd=ROOT,
                         input='{"household": {"members": 0}}', capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr == "household.members: must be an integer >= 1 and <= 50\n"


def test_usage_and_unreadable_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([]) == 2
    assert main([str(tmp_path / "absent.json")]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 2


def test_the_contract_command_works_from_the_bare_interpreter() -> None:
    """`python ../shared/eligibility/check.py` runs `python -m bot` with whatever `python` is:
    the project's .venv (made by `make setup`) takes over, with its dependencies."""
    bare = Path(sys.base_prefix) / "bin" / "python3"
    if not (ROOT / ".venv").exists() or not bare.exists():
        pytest.skip("no project .venv or no base interpreter to start from")
    run = subprocess.run([str(bare), "-m", "bot", "eligibility", "-"], cwd=ROOT,
                         input='{"on_date": "2015-04-20", "statuses": ["wwii_participant"]}',
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "p9.9.wwii" in {b["id"] for b in json.loads(run.stdout)["benefits"]}
