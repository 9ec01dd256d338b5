"""One term per concept (issue 11, defect 9): every kk/ru text a citizen reads, the chat catalogs
and the ruleset and places data, uses the bot's words of ../shared/seed/GLOSSARY.md, never the
older word it replaces. The decision's 2015 wording stays only in the `reading` notes (English,
for developers), which are not checked; the WWII invalids keep their legal title.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
LANGS = ("kk", "ru")
DATA_FILES = (ROOT / "bot" / "rules" / "decision_241.toml", ROOT / "bot" / "places" / "places.toml")


@dataclass(frozen=True)
class Term:
    lang: str
    old: re.Pattern[str]
    new: str  # the glossary's word, for the failure message
    # the official phrases that contain the old word and stay (a legal title, the full term)
    keep: re.Pattern[str] | None = None


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


TERMS = (
    # "мүгедектігі бар адам / бала"; "мүгедектік" (disability) itself is fine
    Term("kk", _re(r"\bмүгедек(?!тіг|тік)\w*"), "мүгедектігі бар адам / бала",
         keep=_re(r"(?:соғыс\w*|ҰОС)\s+(?:қатысушы\w*(?:\s+мен|,)\s+)?мүгедект\w*")),
    Term("kk", _re(r"\bаз\s+қамтамасыз\s+етілген"), "аз қамтылған"),
    Term("kk", _re(r"\bзілзала"), "табиғи зілзала", keep=_re(r"\bтабиғи\s+зілзала")),
    Term("ru", _re(r"\bинвалид(?!ност)\w*"), "человек / ребёнок с инвалидностью",
         keep=_re(r"\bинвалид\w*(?:\s+и\s+участник\w*)?\s+(?:Великой\s+Отечественной\s+)?войны"
                  r"|\bинвалид\w*\s+ВОВ")),
    Term("ru", _re(r"\bлиц\w*\s+с\s+инвалидностью"), "человек / люди с инвалидностью"),
    # "кресло-коляска" agrees with its first part, "кресло": neuter
    Term("ru", _re(r"\b(?:прогулочн|комнатн)(?:ая|ую|ой)\s+кресл"),
         "прогулочное / комнатное кресло-коляска"),
    Term("ru", _re(r"\bбедстви"), "стихийное бедствие", keep=_re(r"\bстихийн\w*\s+бедстви")),
    # the district and its maslikhat; the village and its rural district stay «Созак»
    Term("ru", _re(r"\bСозакск\w*\s+район"), "Сузакский район / районный маслихат"),
    Term("ru", _re(r"алқа"), "подвески «Алтын алқа» и «Күміс алқа»",
         keep=_re(r"\bподвеск\w*\s+«Алтын алқа»(?:\s*(?:,|и)\s*«Күміс алқа»)?")),
)


def old_terms(lang: str, text: str) -> list[str]:
    """The old words `text` uses, each with the glossary's word that replaces it."""
    found = []
    for term in TERMS:
        if term.lang != lang:
            continue
        rest = term.keep.sub(" ", text) if term.keep else text
        found += [f"{hit[0]!r} -> {term.new}" for hit in term.old.finditer(rest)]
    return found


def _data_texts(node: object, where: str) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key in LANGS and isinstance(value, str):
                yield where, key, value
            else:
                yield from _data_texts(value, f"{where}.{key}")
    elif isinstance(node, list):
        for i, item in enumerate(node):
            label = item.get("id", i) if isinstance(item, dict) else i
            yield from _data_texts(item, f"{where}[{label}]")


def citizen_texts() -> Iterator[tuple[str, str, str]]:
    """(where, lang, text) for every kk/ru text of the catalogs and the data files."""
    for lang in LANGS:
        with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as f:
            for message in read_po(f, locale=lang):
                if message.id and isinstance(message.string, str):
                    yield f"{lang}/messages.po {message.id!r}", lang, message.string
    for path in DATA_FILES:
        yield from _data_texts(tomllib.loads(path.read_text(encoding="utf-8")), path.name)


def test_no_text_a_citizen_reads_uses_a_replaced_term() -> None:
    texts = list(citizen_texts())
    assert {lang for _, lang, _ in texts} == set(LANGS)
    assert any(where.startswith("decision_241.toml.benefit") for where, _, _ in texts)
    found = [f"{where}: {hit}" for where, lang, text in texts for hit in old_terms(lang, text)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize(("lang", "text"), [
    ("kk", "Мүгедектерге біржолғы 2 АЕК"),
    ("kk", "Ұлы Отан соғысының қатысушылары мен мүгедектеріне, зейнеткерлерге және мүгедектерге"),
    ("kk", "6 жастан 14 жасқа дейінгі мүгедек балаларға"),
    ("kk", "Аз қамтамасыз етілген отбасыларға"),
    ("kk", "өрт пен зілзала кезінде"),
    ("ru", "Инвалидам 1 группы"),
    ("ru", "Участникам и инвалидам Великой Отечественной войны, пенсионерам и инвалидам"),
    ("ru", "Лицу с инвалидностью"),
    ("ru", "на прогулочную кресло-коляску"),
    ("ru", "Комнатная кресло-коляска"),
    ("ru", "(пожар, бедствие, болезнь)"),
    ("ru", "награждённым «Алтын алқа», «Күміс алқа»"),
    ("ru", "жителям Созакского района; решение Созакского районного маслихата"),
])
def test_an_old_term_is_found(lang: str, text: str) -> None:
    assert old_terms(lang, text)


@pytest.mark.parametrize(("lang", "text"), [
    ("kk", "Мүгедектігім бар; мүгедектігі бар балаларға; мүгедектік"),
    ("kk", "Ұлы Отан соғысының қатысушылары мен мүгедектеріне, соларға теңестірілген адамдарға"),
    ("kk", "ҰОС қатысушыларына, мүгедектеріне теңестірілген"),
    ("kk", "Қайтыс болған соғыс мүгедектері мен қатысушыларының жұбайларына"),
    ("kk", "Аз қамтылған отбасыға; әлеуметтік қорғауды қамтамасыз ету; табиғи зілзала"),
    ("ru", "Человеку с инвалидностью, детям с инвалидностью"),
    ("ru", "Инвалид Великой Отечественной войны; участника/инвалида войны; инвалидам ВОВ"),
    ("ru", "супругам умерших инвалидов и участников войны"),
    ("ru", "Прогулочное кресло-коляска; на комнатное кресло-коляску"),
    ("ru", "при пожаре и стихийном бедствии"),
    ("ru", "подвеска «Алтын алқа», «Күміс алқа»; подвесками «Алтын алқа» и «Күміс алқа»"),
    ("ru", "жителям Сузакского района; аппарат акима Созакского сельского округа"),
])
def test_the_glossary_words_and_legal_titles_pass(lang: str, text: str) -> None:
    assert old_terms(lang, text) == []
