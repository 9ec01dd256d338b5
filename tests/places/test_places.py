"""The places file: what the operator edits, and what the chat and the form rely on."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from bot.places import OTHER, PlacesError, load_places, parse_places
from bot.places.data import DEFAULT_PATH


def _data() -> dict[str, Any]:
    with DEFAULT_PATH.open("rb") as fh:
        return tomllib.load(fh)


def test_every_office_and_settlement_has_a_kazakh_and_a_russian_name() -> None:
    places = load_places()
    assert places.offices and places.settlements
    for entry in (*places.offices, *places.settlements):
        assert entry.name.kk.strip() and entry.name.ru.strip(), entry.id
        assert entry.name.kk != entry.name.ru, entry.id


def test_ids_are_unique_and_other_is_free() -> None:
    places = load_places()
    for ids in ([o.id for o in places.offices], [s.id for s in places.settlements]):
        assert len(ids) == len(set(ids))
        assert OTHER not in ids


def test_the_department_is_the_authorised_body_in_sholakkorgan() -> None:
    dep = load_places().department
    assert dep.is_department
    assert "әлеуметтік бағдарламалар бөлімі" in dep.name.kk
    assert "Отдел занятости и социальных программ" in dep.name.ru
    assert dep.role.kk.startswith("уәкілетті орган") and dep.role.ru.startswith("уполномоченный")
    assert "Шолаққорған" in dep.address.kk and "Шолаккорган" in dep.address.ru


def test_each_settlement_is_served_by_its_akim_and_other_by_the_department() -> None:
    places = load_places()
    for s in places.settlements:
        office = places.office_for(s.id)
        assert office.kind == "akim" and office.id == s.office
    assert places.office_for(OTHER) is places.department
    assert places.office_for("no-such-place") is places.department
    assert places.office_for(None) is places.department
    assert places.settlement("tasty") is not None and places.settlement(OTHER) is None


def test_unknown_details_are_empty_and_not_shown() -> None:
    places = load_places()
    # Nothing known but the department's village: contacts show only what the file has.
    assert places.department.contacts("ru") == ("село Шолаккорган",)
    assert places.office_for("tasty").contacts("kk") == ()
    assert not places.verified and "verify" in places.source


def _broken(mutate: Any) -> dict[str, Any]:
    data = _data()
    mutate(data)
    return data


@pytest.mark.parametrize(("mutate", "message"), [
    (lambda d: d["office"][1]["name"].pop("ru"), "office[akim-sholakkorgan].name: needs both"),
    (lambda d: d["settlement"][0]["name"].update(kk=" "), "settlement[sholakkorgan].name"),
    (lambda d: d["settlement"].append(dict(d["settlement"][0])), "duplicate id 'sholakkorgan'"),
    (lambda d: d["office"].append(dict(d["office"][1])), "duplicate id 'akim-sholakkorgan'"),
    (lambda d: d["settlement"][0].update(id="other"), "'other' is reserved"),
    (lambda d: d["settlement"][0].update(office="akim-nowhere"), "no office 'akim-nowhere'"),
    (lambda d: d["office"][0].update(kind="akim"), "exactly one office of kind 'department'"),
    (lambda d: d["office"][0].update(address={"kk": "Шолаққорған", "ru": ""}),
     "or leave both empty"),
    (lambda d: d["office"][0].update(phone="call us"), "office[department].phone"),
    (lambda d: d["settlement"][0].update(kind="city"), "settlement[sholakkorgan].kind"),
    (lambda d: d.pop("settlement"), "no settlements"),
])
def test_a_malformed_file_is_refused_with_the_entry_named(mutate: Any, message: str) -> None:
    with pytest.raises(PlacesError, match=message.replace("[", r"\[").replace("]", r"\]")):
        parse_places(_broken(mutate), "places.toml")


def test_a_file_that_is_not_toml_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "places.toml"
    bad.write_text("[[office]\nid = ", encoding="utf-8")
    with pytest.raises(PlacesError, match="not valid TOML"):
        load_places(bad)
    with pytest.raises(PlacesError, match="cannot read"):
        load_places(tmp_path / "missing.toml")

