"""The engine: every benefit granted and refused, exclusions, amounts, dated parameters."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from bot.rules import Result, evaluate, load_ruleset, parse_profile

# In force, and every holiday of p. 7 and 9.9 falls on or before the last day in force (22.06.2016),
# so none is excluded with not_in_force_on_payment_day. p. 9.5 is tested on its own days.
ON = "2015-08-01"


def run(**profile: Any) -> Result:
    profile.setdefault("on_date", ON)
    return evaluate(parse_profile(profile))


def ids(result: Result) -> set[str]:
    return set(result.benefit_ids)


def granted(result: Result, bid: str) -> dict[str, Any]:
    return next(b for b in result.to_dict()["benefits"] if b["id"] == bid)


GRANT: dict[str, dict[str, Any]] = {
    "p7.1": {"statuses": ["afghan_veteran"]},
    "p7.2": {"statuses": ["large_family_mother"]},
    "p7.3": {"statuses": ["radiation_liquidator"]},
    "p7.4": {"statuses": ["radiation_disabled"]},
    "p7.5": {"statuses": ["war_widow"]},
    "p7.6": {"statuses": ["chernobyl_1988_1989"]},
    "p7.7": {"statuses": ["semipalatinsk_victim"]},
    "p7.8": {"children": [{"age": 5, "without_parental_care": True}]},
    "p7.9": {"statuses": ["pensioner", "lives_alone"]},
    "p7.10": {"statuses": ["disabled"]},
    "p7.11": {"statuses": ["tsa_family"]},
    "p7.12": {"children": [{"age": 6, "disabled": True}]},
    "p9.1.walking": {"wheelchair": "walking"},
    "p9.1.room": {"wheelchair": "room"},
    "p9.2": {"children": [{"age": 9, "disabled": True, "home_schooled": True}]},
    "p9.3": {"statuses": ["hiv_medical_fault"]},
    "p9.4": {"statuses": ["chronic_renal_failure"]},
    "p9.5": {"statuses": ["low_income_family"], "on_date": "2015-10-03"},
    "p9.6": {"household": {"members": 4, "monthly_income": 30000}},
    "p9.7": {"household": {"members": 1, "monthly_income": 5000}},
    "p9.8": {"statuses": ["pensioner"]},
    "p9.9.wwii": {"statuses": ["wwii_disabled"]},
    "p9.9.equated": {"statuses": ["wwii_equated"]},
    "p9.10": {"age": 80, "statuses": ["needs_care"]},
    "p9.11": {"situation": {"kind": "disease"}},
    "p9.12": {"statuses": ["lives_alone", "disabled"]},
}

REFUSE: dict[str, dict[str, Any]] = {
    "p7.1": {"statuses": ["war_widow"]},
    "p7.2": {"statuses": ["tsa_family"]},
    "p7.3": {"statuses": ["radiation_disabled"]},
    "p7.4": {"statuses": ["radiation_liquidator"]},
    "p7.5": {"statuses": ["home_front_worker"]},
    "p7.6": {"statuses": ["war_widow"]},
    "p7.7": {"statuses": ["radiation_liquidator"]},
    "p7.8": {"children": [{"age": 5, "disabled": True}]},
    "p7.9": {"statuses": ["pensioner"]},
    "p7.10": {"statuses": ["pensioner"]},
    "p7.11": {"statuses": ["low_income_family"]},
    "p7.12": {"children": [{"age": 14, "disabled": True}, {"age": 5, "disabled": True}]},
    "p9.1.walking": {"wheelchair": "room"},
    "p9.1.room": {"wheelchair": "walking"},
    "p9.2": {"children": [{"age": 9, "disabled": True}]},
    "p9.3": {"statuses": ["hiv"]},
    "p9.4": {"statuses": ["disabled"]},
    "p9.5": {"statuses": ["low_income_family"], "on_date": "2015-10-02"},
    "p9.6": {"household": {"members": 4, "monthly_income": 40000}},
    "p9.7": {"statuses": ["low_income_family"]},
    "p9.8": {"statuses": ["lives_alone"]},
    "p9.9.wwii": {"statuses": ["wwii_equated"]},
    "p9.9.equated": {"statuses": ["wwii_equated", "wwii_participant"]},
    "p9.10": {"age": 79, "statuses": ["needs_care"]},
    "p9.11": {"situation": {"kind": "other"}, "household": {"members": 1, "monthly_income": 13000}},
    "p9.12": {"statuses": ["pensioner", "disabled"]},
}


def test_tables_cover_every_benefit_of_the_ruleset() -> None:
    every = {b.id for b in load_ruleset().benefits}
    assert set(GRANT) == every == set(REFUSE)
    assert len(every) == 26


@pytest.mark.parametrize("bid", sorted(GRANT))
def test_benefit_granted(bid: str) -> None:
    result = run(**GRANT[bid])
    assert bid in ids(result)
    b = granted(result, bid)
    assert b["because"], "a granted benefit says why"
    assert b["title"]["kk"] and b["title"]["ru"] and b["explanation"]["kk"]
    assert b["cite"] == load_ruleset().benefits_by_id[bid].cite


@pytest.mark.parametrize("bid", sorted(REFUSE))
def test_benefit_refused(bid: str) -> None:
    assert bid not in ids(run(**REFUSE[bid]))


def test_because_names_statuses_children_and_figures() -> None:
    r = run(statuses=["hiv"], children=[{"age": 2}, {"age": 4, "without_parental_care": True}],
            household={"members": 2, "monthly_income": 10000})
    assert granted(r, "p7.8")["because"] == ["hiv", "child:1"]
    assert granted(r, "p9.7")["because"] == ["per_capita_below_poverty_line"]
    assert granted(r, "p9.6")["because"] == ["per_capita_below_poverty_line"]
    assert granted(run(age=85, statuses=["needs_care"]), "p9.10")["because"] == \
        ["needs_care", "age_over_80"]


def test_wwii_participant_gets_100_mci_not_also_the_equated_5() -> None:
    r = run(statuses=["wwii_participant", "wwii_equated"])
    assert "p9.9.wwii" in ids(r) and "p9.9.equated" not in ids(r)


# --- amounts and dated parameters -------------------------------------------------------

def test_amount_is_rounded_half_up_to_whole_tenge() -> None:
    # 21.5 x 2121 = 45601.5 -> 45602; 2.7 x 2121 = 5726.7 -> 5727; 21.9 x 2121 = 46449.9
    # After the repeal (in_force false), so the 29 August payment of 2016 is not moved out.
    r = run(on_date="2016-07-01", wheelchair="room", statuses=["semipalatinsk_victim",
                                                                 "hiv_medical_fault"])
    assert granted(r, "p9.1.room")["amount_kzt"] == 45602
    assert granted(r, "p7.7")["amount_kzt"] == 5727
    assert granted(r, "p9.3")["amount_kzt"] == 46450
    assert granted(r, "p9.1.room")["amount_mci"] == 21.5
    assert isinstance(granted(r, "p9.3")["amount_mci"], float)


def test_integral_amount_mci_is_an_int() -> None:
    b = granted(run(statuses=["disabled"]), "p7.10")
    assert b["amount_mci"] == 2 and isinstance(b["amount_mci"], int)


@pytest.mark.parametrize(("day", "mci", "pm"), [
    ("2014-06-01", 1982, 21364),  # before the table: its first value
    ("2015-12-31", 1982, 21364),
    ("2016-01-01", 2121, 22859),
    ("2020-03-31", 2651, 31183),
    ("2020-04-01", 2778, 32668),
    ("2022-03-31", 3063, 36018),
    ("2022-04-01", 3180, 37389),
    ("2026-07-01", 4325, 50851),
])
def test_parameters_are_found_by_date(day: str, mci: int, pm: int) -> None:
    d = run(on_date=day).to_dict()
    assert d["mci_kzt"] == mci
    assert d["thresholds"]["subsistence_minimum_kzt"] == pm
    rs = load_ruleset()
    assert rs.poverty_line_at(date.fromisoformat(day)) == rs.subsistence_minimum_at(
        date.fromisoformat(day)) * rs.poverty_line_share.at(date.fromisoformat(day))


def test_thresholds_and_per_capita_income_in_result() -> None:
    d = run(household={"members": 5, "monthly_income": 25000}).to_dict()
    assert d["per_capita_income"] == 5000
    assert d["thresholds"] == {"poverty_line_kzt": 8545.6, "subsistence_minimum_kzt": 21364,
                               "situation_income_limit_kzt": 12818.4}
    assert run().to_dict()["per_capita_income"] is None


def test_poverty_line_is_strictly_below() -> None:
    # 0.4 x 21364 = 8545.6 per person; 3 people: 25636.8
    assert "p9.7" not in ids(run(household={"members": 3, "monthly_income": 25636.8}))
    assert "p9.7" in ids(run(household={"members": 3, "monthly_income": 25636.7}))


@pytest.mark.parametrize(("day", "in_force"), [
    ("2015-04-18", False), ("2015-04-19", True), ("2016-06-22", True), ("2016-06-23", False),
])
def test_in_force(day: str, in_force: bool) -> None:
    r = run(on_date=day, statuses=["pensioner"])
    assert r.in_force is in_force
    assert "p9.8" in ids(r)  # computed either way


def test_family_day_is_the_second_sunday_of_september() -> None:
    b = granted(run(statuses=["tsa_family"], on_date="2015-06-10"), "p7.11")
    assert (b["date"], b["pay_on"]) == ("09-13", "2015-09-13")
    # On the day itself it is still that day; the day after, next year's (after the repeal).
    assert granted(run(statuses=["tsa_family"], on_date="2015-09-13"), "p7.11")["pay_on"] == \
        "2015-09-13"
    later = run(statuses=["tsa_family"], on_date="2015-09-14")
    assert "p7.11" not in ids(later)
    assert {"id": "p7.11", "reason": "not_in_force_on_payment_day"} in \
        later.to_dict()["excluded"]
    b = granted(run(statuses=["tsa_family"], on_date="2016-07-01"), "p7.11")
    assert (b["date"], b["pay_on"]) == ("09-11", "2016-09-11")


def test_holiday_dates_and_null_dates() -> None:
    r = run(statuses=["war_widow", "home_front_worker", "radiation_disabled"])
    assert granted(r, "p7.5")["date"] is None and granted(r, "p7.6")["date"] is None
    assert granted(r, "p7.5")["pay_on"] is None
    assert (granted(r, "p7.4")["date"], granted(r, "p7.4")["pay_on"]) == ("04-26", "2016-04-26")
    holidays_only = run(statuses=["large_family_mother", "semipalatinsk_victim"])
    assert holidays_only.timeline is None  # none of these needs an application
    equated = run(statuses=["wwii_equated"])
    assert granted(equated, "p9.9.equated")["date"] == "05-09"
    assert equated.timeline is not None  # p. 9.8 (sanatorium) needs an application


def test_documents_empty_without_application_and_p9_11_lists_p13() -> None:
    r = run(statuses=["disabled"], situation={"kind": "legal_ground"})
    assert granted(r, "p7.10")["documents"] == []
    assert granted(r, "p9.11")["documents"] == [
        "id_document", "residence_registration", "family_composition", "income_statement",
        "situation_proof"]
    assert "category_proof" in granted(r, "p9.8")["documents"]


# --- exclusions ---------------------------------------------------------------------------

def test_not_resident() -> None:
    d = run(resident=False, statuses=["wwii_participant"], wheelchair="room").to_dict()
    assert d["benefits"] == [] and d["timeline"] is None
    assert d["excluded"] == [{"id": "*", "reason": "not_resident"}]


@pytest.mark.parametrize(("occurred", "on", "outcome"), [
    ("2015-03-20", "2015-04-20", "granted"),   # exactly one month later: still in time
    ("2015-03-20", "2015-04-21", "deadline_passed"),
    ("2015-01-31", "2015-02-28", "granted"),   # no 31 February: the month's last day,
    ("2015-01-31", "2015-03-02", "granted"),   # a Saturday: the deadline moves to Monday
    ("2015-01-31", "2015-03-03", "deadline_passed"),
])
def test_fire_reported_within_one_month(occurred: str, on: str, outcome: str) -> None:
    r = run(on_date=on, situation={"kind": "natural_disaster", "occurred_on": occurred},
            household={"members": 1, "monthly_income": 90000})
    if outcome == "granted":
        assert granted(r, "p9.11")["because"] == ["situation:natural_disaster"]
    else:
        assert "p9.11" not in ids(r)
        assert r.to_dict()["excluded"] == [{"id": "p9.11", "reason": "deadline_passed"}]


def test_late_fire_with_low_income_holds_the_income_ground() -> None:
    r = run(on_date="2015-06-01", situation={"kind": "fire", "occurred_on": "2015-02-01"},
            household={"members": 2, "monthly_income": 20000})
    assert granted(r, "p9.11")["because"] == ["per_capita_not_above_60pct_subsistence"]
    assert r.excluded == ()


def test_situation_other_above_income_limit_is_excluded() -> None:
    # 60% of 21364 = 12818.4 per person: "not above" holds at exactly the limit
    at_limit = run(situation={"kind": "other"}, household={"members": 5, "monthly_income": 64092})
    assert "p9.11" in ids(at_limit)
    above = run(situation={"kind": "other"}, household={"members": 5, "monthly_income": 64093})
    assert above.to_dict()["excluded"] == [{"id": "p9.11", "reason": "income_above_threshold"}]
    unknown = run(situation={"kind": "other"})
    assert "p9.11" not in ids(unknown) and unknown.excluded == ()


def test_disease_and_legal_ground_need_no_income_test() -> None:
    for kind in ("disease", "legal_ground"):
        r = run(situation={"kind": kind}, household={"members": 1, "monthly_income": 500000})
        assert granted(r, "p9.11")["because"] == [f"situation:{kind}"]


def test_granted_within_year() -> None:
    base: dict[str, Any] = {"statuses": ["pensioner", "lives_alone"]}
    r = run(**base, history=[{"id": "p9.12", "granted_on": "2015-01-10"}])
    assert "p9.12" not in ids(r)
    assert {"id": "p9.12", "reason": "granted_within_year"} in r.to_dict()["excluded"]
    assert "p7.9" in ids(r) and "p9.8" in ids(r)
    # exactly one calendar year later it may be granted again
    assert "p9.12" in ids(run(**base, history=[{"id": "p9.12", "granted_on": "2014-08-01"}]))
    assert "p9.12" not in ids(run(**base, history=[{"id": "p9.12", "granted_on": "2014-08-02"}]))
    # a grant dated after on_date is not "before" it
    assert "p9.12" in ids(run(**base, history=[{"id": "p9.12", "granted_on": "2015-11-01"}]))


def test_granted_within_year_matches_the_paragraph_id_and_spares_periodic_payments() -> None:
    r = run(wheelchair="walking", statuses=["disabled"],
            children=[{"age": 9, "disabled": True, "home_schooled": True}],
            history=[{"id": "p9.1", "granted_on": "2015-05-01"},
                     {"id": "p9.2", "granted_on": "2015-05-01"},
                     {"id": "p7.10", "granted_on": "2015-05-01"}])
    assert {"id": "p9.1.walking", "reason": "granted_within_year"} in r.to_dict()["excluded"]
    assert {"p9.2", "p7.10", "p9.8"} <= ids(r)


def test_low_income_family_after_the_amendment_only() -> None:
    before = run(on_date="2015-06-10", household={"members": 5, "monthly_income": 25000})
    assert ids(before) == {"p9.6", "p9.7"}
    after = run(on_date="2015-10-03", household={"members": 5, "monthly_income": 25000})
    assert ids(after) == {"p9.5", "p9.6", "p9.7"}
    b = granted(after, "p9.5")
    assert (b["period"], b["months"], b["amount_kzt"]) == ("monthly", 3, 1982)


def test_default_on_date_is_today_in_almaty() -> None:
    from bot.rules import today_almaty

    assert evaluate(parse_profile({})).on_date == today_almaty()


# --- revision 2 of the contract ------------------------------------------------------------

EQUATED = ["afghan_veteran", "radiation_liquidator", "radiation_disabled", "war_widow",
           "home_front_worker", "chernobyl_1988_1989"]


@pytest.mark.parametrize("status", EQUATED)
def test_groups_of_p7_are_equated_to_war_participants(status: str) -> None:
    r = run(statuses=[status])
    for bid in ("p9.8", "p9.9.equated"):
        b = granted(r, bid)
        assert (b["because"], b["equated"]) == ([status], [status])
    assert "p9.9.wwii" not in ids(r)
    own = next(g for g in r.benefits if g.benefit.cite.startswith("7."))
    assert own.equated == ()  # their own holiday payment is not through the equation


def test_equated_is_empty_when_the_status_is_named_by_the_paragraph() -> None:
    r = run(statuses=["wwii_equated", "pensioner"])
    assert granted(r, "p9.9.equated")["equated"] == []
    assert granted(r, "p9.8")["equated"] == []
    both = run(statuses=["pensioner", "afghan_veteran"])
    assert granted(both, "p9.8")["because"] == ["pensioner", "afghan_veteran"]
    assert granted(both, "p9.8")["equated"] == ["afghan_veteran"]
    veteran = run(statuses=["wwii_participant", "war_widow"])
    assert "p9.9.wwii" in ids(veteran) and "p9.9.equated" not in ids(veteran)


def test_persons_count_each_person_the_paragraph_names() -> None:
    r = run(statuses=["hiv", "disabled"],
            children=[{"age": 4, "without_parental_care": True}, {"age": 7, "hiv": True},
                      {"age": 10, "disabled": True, "home_schooled": True},
                      {"age": 15, "disabled": True, "home_schooled": True}, {"age": 2}])
    persons = {b["id"]: b["persons"] for b in r.to_dict()["benefits"]}
    assert persons["p7.8"] == 3    # the applicant and two children
    assert persons["p7.10"] == 3   # the applicant and two disabled children
    assert persons["p7.12"] == 1   # the 15-year-old is past 13
    assert persons["p9.2"] == 2
    assert persons["p9.3"] == 1    # a family payment: one, however many children
    assert persons["p9.8"] == 1
    p710 = next(g for g in r.benefits if g.id == "p7.10")
    assert p710.total_kzt == 3 * p710.amount_kzt == 3 * 2 * 1982


def test_p7_10_pays_a_disabled_child_without_a_disabled_applicant() -> None:
    b = granted(run(children=[{"age": 3, "disabled": True}]), "p7.10")
    assert (b["because"], b["persons"]) == (["child:0"], 1)


@pytest.mark.parametrize(("on", "pay_on"), [
    ("2015-08-01", "2015-10-10"), ("2015-10-10", "2015-10-10"), ("2015-04-19", "2015-10-10"),
])
def test_pay_on_is_the_next_holiday_on_or_after_the_day(on: str, pay_on: str) -> None:
    b = granted(run(on_date=on, statuses=["disabled"]), "p7.10")
    assert (b["pay_on"], b["date"]) == (pay_on, "10-10")


def test_a_holiday_after_the_repeal_is_excluded_while_the_decision_is_in_force() -> None:
    r = run(on_date="2015-10-11", statuses=["disabled"], children=[{"age": 8, "disabled": True}])
    assert "p7.10" not in ids(r)   # next 10 October is in 2016, after 22.06.2016
    assert {"id": "p7.10", "reason": "not_in_force_on_payment_day"} in r.to_dict()["excluded"]
    assert granted(r, "p7.12")["pay_on"] == "2016-01-01"  # still in force on 1 January
    assert "p9.8" in ids(r)


def test_after_the_repeal_nothing_is_moved_for_the_payment_day() -> None:
    r = run(on_date="2016-06-23", statuses=["disabled"])
    assert not r.in_force and r.excluded == ()
    assert granted(r, "p7.10")["pay_on"] == "2016-10-10"


@pytest.mark.parametrize(("age", "gets"), [(79, False), (80, True), (81, True)])
def test_p9_10_from_age_80(age: int, gets: bool) -> None:
    assert ("p9.10" in ids(run(age=age, statuses=["needs_care"]))) is gets


@pytest.mark.parametrize(("on", "in_time"), [
    ("2016-03-21", True), ("2016-03-24", True), ("2016-03-25", False)])
def test_fire_deadline_ending_on_nauryz_moves_to_the_next_working_day(
        on: str, in_time: bool) -> None:
    # one month after 21.02.2016 is 21.03.2016, Nauryz (21-23 March): the deadline is 24.03
    r = run(on_date=on, situation={"kind": "fire", "occurred_on": "2016-02-21"},
            household={"members": 1, "monthly_income": 90000})
    assert ("p9.11" in ids(r)) is in_time
    assert (r.to_dict()["excluded"] == [{"id": "p9.11", "reason": "deadline_passed"}]) is \
        (not in_time)


def test_fire_deadline_follows_the_operators_calendar() -> None:
    from bot.rules import Calendar

    profile = parse_profile({"on_date": "2016-03-25", "household": {"members": 1,
                             "monthly_income": 90000},
                             "situation": {"kind": "fire", "occurred_on": "2016-02-21"}})
    assert "p9.11" not in evaluate(profile).benefit_ids
    extra = Calendar(extra_days_off=[date(2016, 3, 24)])
    assert "p9.11" in evaluate(profile, calendar=extra).benefit_ids
