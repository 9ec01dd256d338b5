"""Both catalogs are complete: every message in the code is translated into kk and ru.

`catalog_problems` lists what would show a user English or a broken message: a message used in
the code but absent from a catalog, an empty or fuzzy translation, or a translation whose
placeholders (`{name}`, `%(name)s`, `%s`) or HTML tags differ from the original.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALES_DIR = ROOT / "locales"
LOCALES = ("kk", "ru")
PACKAGES = ("bot", "handlers", "storage")
SOURCE_DIRS = tuple(ROOT / package for package in PACKAGES)
# The keywords of `make extract` (Makefile): -k _ -k __ -k gettext -k lazy_gettext ...
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "__": None,
    "gettext": None,
    "lazy_gettext": None,
    "ngettext": (1, 2),
    "N_": None,
}

_BRACES = re.compile(r"\{[^{}]*\}")
_PERCENT = re.compile(r"%(?:\([^)]*\))?[-#0+]*\d*(?:\.\d+)?[sdifrxXeEgGc%]")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")


def placeholders(text: str) -> Counter[str]:
    found = _BRACES.findall(text) + _PERCENT.findall(text) + _TAG.findall(text)
    return Counter(p for p in found if p != "%%")


def code_messages(source_dirs: Iterable[Path]) -> dict[str, str]:
    """msgid -> where it is first used, for every message marked in the code."""
    found: dict[str, str] = {}
    for directory in source_dirs:
        for filename, lineno, message, _comments, _context in extract_from_dir(
            str(directory), keywords=KEYWORDS, comment_tags=()
        ):
            msgid = message[0] if isinstance(message, tuple) else message
            if msgid:
                found.setdefault(msgid, f"{directory.name}/{filename}:{lineno}")
    return found


def _short(msgid: str) -> str:
    first = msgid.splitlines()[0] if msgid else msgid
    return repr(first if len(first) <= 60 else first[:57] + "...")


def catalog_problems(
    locales_dir: Path = LOCALES_DIR,
    source_dirs: Iterable[Path] = SOURCE_DIRS,
    locales: Iterable[str] = LOCALES,
) -> list[str]:
    problems: list[str] = []
    used = code_messages(source_dirs)
    for locale in locales:
        path = locales_dir / locale / "LC_MESSAGES" / "messages.po"
        if not path.exists():
            problems.append(f"{locale}: no catalog at {path}")
            continue
        with path.open("rb") as fileobj:
            catalog: Catalog = read_po(fileobj, locale=locale)
        if catalog.fuzzy:  # pybabel compile skips a catalog whose header is fuzzy: all English
            problems.append(f"{locale}: the catalog header is marked fuzzy")
        present = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog if m.id}
        for msgid, where in sorted(used.items()):
            if msgid not in present:
                problems.append(f"{locale}: missing {_short(msgid)} (used at {where})")
        for message in catalog:
            if not message.id:
                continue  # the header
            ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
            strings = (
                list(message.string) if isinstance(message.string, tuple | list)
                else [message.string]
            )
            name = _short(ids[0])
            if message.fuzzy:
                problems.append(f"{locale}: fuzzy {name}")
            if not all(strings):
                problems.append(f"{locale}: untranslated {name}")
                continue
            expected = placeholders(ids[-1] if len(ids) > 1 else ids[0])
            for string in strings:
                got = placeholders(string)
                if got != expected:
                    problems.append(
                        f"{locale}: placeholders differ in {name}: "
                        f"{sorted(expected.elements())} vs {sorted(got.elements())}"
                    )
    return problems


# -- the real catalogs --------------------------------------------------------------------------


def test_catalogs_are_complete() -> None:
    problems = catalog_problems()
    assert not problems, f"{len(problems)} catalog problems:\n" + "\n".join(problems)


def test_the_code_has_messages_to_check() -> None:
    # Guards the check itself: an extraction that finds nothing would pass vacuously.
    used = code_messages(SOURCE_DIRS)
    assert "Hello! 👋" in used
    assert "Start again" in used  # marked with N_ in bot/commands.py
    assert len(used) >= 20


# -- the check catches what it should -----------------------------------------------------------


def _copy_locales(tmp_path: Path) -> Path:
    target = tmp_path / "locales"
    for locale in LOCALES:
        po = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
        (target / locale / "LC_MESSAGES").mkdir(parents=True)
        shutil.copy(po, target / locale / "LC_MESSAGES" / "messages.po")
    return target


def _edit(locales_dir: Path, locale: str, edit: object) -> None:
    path = locales_dir / locale / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fileobj:
        catalog = read_po(fileobj, locale=locale)
    edit(catalog)  # type: ignore[operator]
    with path.open("wb") as fileobj:
        write_po(fileobj, catalog, width=100)


def new_problems(locales_dir: Path, **kwargs: object) -> list[str]:
    """Problems of an edited copy that the real catalogs do not have.

    The code grows while its catalogs catch up: each edit is judged against the same code.
    """
    before = set(catalog_problems())
    return [p for p in catalog_problems(locales_dir, **kwargs) if p not in before]  # type: ignore[arg-type]


def test_a_blank_kazakh_translation_is_reported(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)

    def blank(catalog: Catalog) -> None:
        catalog["Help"].string = ""

    _edit(locales, "kk", blank)

    assert new_problems(locales) == ["kk: untranslated 'Help'"]


def test_a_fuzzy_translation_is_reported(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)

    def fuzzy(catalog: Catalog) -> None:
        catalog["Main menu"].flags.add("fuzzy")

    _edit(locales, "ru", fuzzy)

    assert new_problems(locales) == ["ru: fuzzy 'Main menu'"]


def test_a_fuzzy_header_is_reported(tmp_path: Path) -> None:
    # `pybabel init` marks the header fuzzy; `pybabel compile` then skips the whole catalog.
    locales = _copy_locales(tmp_path)

    def fuzzy_header(catalog: Catalog) -> None:
        catalog.fuzzy = True

    _edit(locales, "kk", fuzzy_header)

    assert new_problems(locales) == ["kk: the catalog header is marked fuzzy"]


def test_a_missing_message_is_reported(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    _edit(locales, "kk", lambda catalog: catalog.delete("Start again"))

    problems = new_problems(locales)

    assert len(problems) == 1
    assert problems[0].startswith("kk: missing 'Start again' (used at bot/commands.py:")


def test_a_new_message_in_the_code_is_reported(tmp_path: Path) -> None:
    package = tmp_path / "newfeature"
    package.mkdir()
    (package / "screen.py").write_text(
        'from aiogram.utils.i18n import gettext as _\n\n'
        'def text() -> str:\n'
        '    return _("A brand new screen")\n',
        encoding="utf-8",
    )

    problems = new_problems(LOCALES_DIR, source_dirs=[*SOURCE_DIRS, package])

    assert problems == [
        "kk: missing 'A brand new screen' (used at newfeature/screen.py:4)",
        "ru: missing 'A brand new screen' (used at newfeature/screen.py:4)",
    ]


def test_placeholder_and_tag_mismatches_are_reported(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)

    def break_placeholders(catalog: Catalog) -> None:
        catalog.add("Hello, {name}!", "Сәлем, {nam}!")
        catalog.add("%(count)s days left", "%(count)d күн қалды")
        catalog.add("Ready: %s", "Дайын")
        catalog.add("Hello, {name}, you have {n} days", "{n} күн, {name}")  # order may change
        catalog["Hello! 👋"].string = "<b>Сәлеметсіз бе! 👋</b>"

    _edit(locales, "kk", break_placeholders)

    problems = new_problems(locales)

    assert sorted(problems) == sorted([
        "kk: placeholders differ in 'Hello, {name}!': ['{name}'] vs ['{nam}']",
        "kk: placeholders differ in '%(count)s days left': ['%(count)s'] vs ['%(count)d']",
        "kk: placeholders differ in 'Ready: %s': ['%s'] vs []",
        "kk: placeholders differ in 'Hello! 👋': [] vs ['</b>', '<b>']",
    ])


def test_a_changed_tag_in_a_long_message_is_reported(tmp_path: Path) -> None:
    locales = _copy_locales(tmp_path)
    main_menu = next(m for m in read_po(
        (LOCALES_DIR / "ru" / "LC_MESSAGES" / "messages.po").open("rb")
    ) if isinstance(m.id, str) and m.id.startswith("<b>What assistance may I get?</b>"))

    def drop_tag(catalog: Catalog) -> None:
        catalog[main_menu.id].string = main_menu.string.replace("</b>", "", 1)

    _edit(locales, "ru", drop_tag)

    problems = new_problems(locales)
    assert len(problems) == 1
    assert problems[0].startswith("ru: placeholders differ in '<b>What assistance may I get?</b>'")
