"""The project's case files (the contract's examples and more): through the engine and the CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from bot.rules import ProfileError, evaluate, parse_profile
from bot.rules.cli import main

CASES = sorted((Path(__file__).parent / "cases").glob("*.json"))


def mismatches(res: dict[str, Any], exp: dict[str, Any]) -> list[str]:
    """The same comparison as ../shared/eligibility/check.py."""
    errs: list[str] = []
    got = {b["id"]: b for b in res["benefits"]}
    if "mci_kzt" in exp and res["mci_kzt"] != exp["mci_kzt"]:
        errs.append(f"mci_kzt {res['mci_kzt']}")
    if "benefit_ids_exactly" in exp and set(got) != set(exp["benefit_ids_exactly"]):
        errs.append(f"benefits {sorted(got)}")
    for bid, fields in exp.get("benefits", {}).items():
        if bid not in got:
            errs.append(f"{bid} absent")
            continue
        for key, want in fields.items():
            if key == "documents_include":
                if set(want) - set(got[bid]["documents"]):
                    errs.append(f"{bid}.documents {got[bid]['documents']}")
            elif got[bid][key] != want:
                errs.append(f"{bid}.{key} = {got[bid][key]!r}")
    for b in got.values():
        assert b["title"]["kk"] and b["title"]["ru"] and b["cite"]
    have_ex = {(e["id"], e["reason"]) for e in res["excluded"]}
    for e in exp.get("excluded", []):
        if (e["id"], e["reason"]) not in have_ex:
            errs.append(f"excluded {sorted(have_ex)}")
    if exp.get("no_timeline") and res.get("timeline"):
        errs.append("timeline given")
    for key, want in exp.get("timeline", {}).items():
        if (res.get("timeline") or {}).get(key) != want:
            errs.append(f"timeline.{key} = {(res.get('timeline') or {}).get(key)!r}")
    return errs


def raw_profile(case: dict[str, Any]) -> str:
    return case["profile_raw"] if "profile_raw" in case else json.dumps(case["profile"])


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_through_engine(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    exp = case["expect"]
    if "exit" in exp:
        with pytest.raises((ProfileError, ValueError)):
            parse_profile(json.loads(raw_profile(case)))
        return
    res = evaluate(parse_profile(case["profile"])).to_dict()
    assert mismatches(res, exp) == []


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_case_through_cli(path: Path, monkeypatch: pytest.MonkeyPatch,
                          capsys: pytest.CaptureFixture[str]) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    exp = case["expect"]
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(raw_profile(case).encode())))
    stdout = io.BytesIO()
    monkeypatch.setattr("sys.stdout", io.TextIOWrapper(stdout))
    code = main(["-"])
    err = capsys.readouterr().err
    if "exit" in exp:
        assert code == exp["exit"]
        assert stdout.getvalue() == b""
        for word in exp.get("stderr_mentions", []):
            assert word in err
        assert err.count("\n") == 1
        return
    assert code == 0, err
    assert mismatches(json.loads(stdout.getvalue()), exp) == []
