"""The ruleset file: its metadata and readings, and the checks that refuse a broken one."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from bot.rules import RulesetError, load_ruleset
from bot.rules.ruleset import DEFAULT_PATH

TEXT = DEFAULT_PATH.read_text(encoding="utf-8")


def test_metadata_for_the_about_screen() -> None:
    meta = load_ruleset().metadata
    assert (meta.number, meta.adopted_on) == ("241", date(2015, 3, 19))
    assert (meta.registration_number, meta.registered_on) == ("3114", date(2015, 4, 8))
    assert meta.in_force_from == date(2015, 4, 19) and meta.in_force_until == date(2016, 6, 22)
    (amendment,) = meta.amendments
    assert (amendment.number, amendment.adopted_on, amendment.added) == (
        "293", date(2015, 9, 22), ("p9.5",))
    assert amendment.in_force_from == date(2015, 10, 3) and amendment.reading
    assert meta.repeal is not None and (meta.repeal.number, meta.repeal.adopted_on) == (
        "25", date(2016, 6, 23))
    assert "ten calendar days" in meta.reading


def test_readings_stand_beside_the_unclear_paragraphs() -> None:
    rs = load_ruleset()
    for bid in ("p7.4", "p7.5", "p7.6", "p7.12", "p9.10", "p9.11", "p9.5"):
        assert rs.benefits_by_id[bid].reading, bid
    assert "6 to 13" in (rs.benefits_by_id["p7.12"].reading or "")
    assert "80 qualifies" in (rs.benefits_by_id["p9.10"].reading or "")
    assert "alternatives" in (rs.benefits_by_id["p9.11"].reading or "")
    assert rs.poverty_line_share.reading and "keep 40%" in rs.poverty_line_share.reading


def test_every_parameter_value_has_a_date_and_a_source() -> None:
    rs = load_ruleset()
    for series in (rs.mci, rs.subsistence_minimum, rs.poverty_line_share,
                   rs.situation_income_share):
        for v in series.values:
            assert v.source
    assert [v.start.year for v in rs.mci.values].count(2020) == 2
    assert len(rs.mci.values) == 14


def test_documents_and_merged_checklist() -> None:
    rs = load_ruleset()
    docs = rs.checklist(["p9.11", "p9.8", "p7.10"])
    assert [d.id for d in docs] == ["id_document", "residence_registration",
                                    "family_composition", "income_statement",
                                    "situation_proof", "category_proof"]
    for d in docs:
        assert d.name.kk and d.name.ru and d.plain.kk and d.where.ru


def test_the_default_ruleset_is_loaded_once() -> None:
    assert load_ruleset() is load_ruleset()


def broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in TEXT
    path = tmp_path / "broken.toml"
    path.write_text(TEXT.replace(old, new, 1), encoding="utf-8")
    return path


def test_missing_title_fails_to_load(tmp_path: Path) -> None:
    path = broken(tmp_path, 'title.ru = "Единовременная социальная помощь ко Дню вывода', '#')
    with pytest.raises(RulesetError, match=r"benefit\[p7\.1\]\.title\.ru: missing"):
        load_ruleset(path)


def test_unknown_status_fails_to_load(tmp_path: Path) -> None:
    path = broken(tmp_path, '{ any_status = ["afghan_veteran"] }', '{ any_status = ["afghan"] }')
    with pytest.raises(RulesetError, match=r"benefit\[p7\.1\]\.when\[0\]\.any_status: "
                                           r"unknown status 'afghan'"):
        load_ruleset(path)


def test_undated_parameter_fails_to_load(tmp_path: Path) -> None:
    path = broken(tmp_path, "{ from = 2016-01-01, value = 2121,", "{ value = 2121,")
    with pytest.raises(RulesetError, match=r"parameters\.mci\.values\[1\]: undated value"):
        load_ruleset(path)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(RulesetError, match="not valid TOML"):
        load_ruleset(broken(tmp_path, "[ruleset]", "[ruleset"))
    with pytest.raises(RulesetError, match="cannot read"):
        load_ruleset(tmp_path / "absent.toml")


# --- the period of force (what the chat words a repealed decision on) ----------------------

def test_the_ruleset_knows_its_period_of_force() -> None:
    from bot.rules.ruleset import IN_FORCE, NOT_YET_IN_FORCE, REPEALED

    rs = load_ruleset()
    assert (rs.first_day, rs.last_day) == (date(2015, 4, 19), date(2016, 6, 22))
    assert rs.repeal is not None
    assert (rs.repeal.number, rs.repeal.adopted_on, rs.repeal.effective_on) == (
        "25", date(2016, 6, 23), date(2016, 6, 23))
    assert rs.repeal.reading
    assert [rs.in_force_on(date(2015, 4, d)) for d in (18, 19)] == [False, True]
    assert [rs.in_force_on(date(2016, 6, d)) for d in (22, 23)] == [True, False]
    assert rs.force_on(date(2015, 4, 18)) == NOT_YET_IN_FORCE
    assert rs.force_on(date(2016, 6, 22)) == IN_FORCE
    assert rs.force_on(date(2026, 11, 25)) == REPEALED


def test_repeal_day_must_follow_the_last_day_in_force(tmp_path: Path) -> None:
    path = broken(tmp_path, "effective_on = 2016-06-23", "effective_on = 2016-06-24")
    with pytest.raises(RulesetError, match=r"decision\.repeal\.effective_on: must be the day "
                                           r"after decision\.in_force_until"):
        load_ruleset(path)


def test_readings_of_part_2_stand_beside_their_paragraphs() -> None:
    rs = load_ruleset()
    p95 = rs.benefits_by_id["p9.5"].reading or ""
    assert "from the month of the application" in p95 and "devaluation" in p95
    p23 = rs.exclusions["repeat_within_year"]
    assert "PER BENEFIT" in p23 and "ROLLING YEAR" in p23
    assert "South Kazakhstan" in (rs.subsistence_minimum.reading or "")
    assert rs.subsistence_minimum.values[0].source.startswith("Law No. 254-V of 28.11.2014")
    assert "259" not in rs.mci.values[0].source
    assert rs.equation is not None and "теңестірілген" in rs.equation.reading


def test_a_regional_subsistence_minimum_replaces_the_national_one_as_data(
        tmp_path: Path) -> None:
    from bot.rules import evaluate, parse_profile

    regional = (
        '[[parameters.subsistence_minimum.regional]]\n'
        'from = 2015-07-01\nvalue = 20000\nsource = "statistics, South Kazakhstan region"\n\n'
        '[parameters.poverty_line_share]')
    rs = load_ruleset(broken(tmp_path, "[parameters.poverty_line_share]", regional))
    before, after = date(2015, 6, 30), date(2015, 7, 1)
    assert rs.subsistence_minimum_at(before) == 21364  # national, before the first regional date
    assert rs.subsistence_minimum_at(after) == 20000
    assert rs.subsistence_minimum_entry_at(after).source == "statistics, South Kazakhstan region"
    assert rs.poverty_line_at(after) == 8000
    # 60% of 20000 = 12000 per person: the p. 9 income ground follows the regional figure.
    profile = parse_profile({"on_date": "2015-07-01", "situation": {"kind": "other"},
                             "household": {"members": 1, "monthly_income": 12500}})
    assert "p9.11" in evaluate(profile).benefit_ids
    assert "p9.11" not in evaluate(profile, rs).benefit_ids
    assert evaluate(profile, rs).thresholds.subsistence_minimum_kzt == 20000


def test_equated_conditions_need_the_equated_table(tmp_path: Path) -> None:
    path = broken(tmp_path, "[equated]\n", "[not_equated]\n")
    with pytest.raises(RulesetError, match=r"benefit\[p9\.8\]\.when\[1\]\.equated: no \[equated\]"):
        load_ruleset(path)
