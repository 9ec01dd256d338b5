"""One screen per step: its text and its buttons, from the answers alone."""

from __future__ import annotations

import functools
import html
from datetime import date
from decimal import Decimal

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from bot.rules import Ruleset
from handlers.formatting import current_locale, day, money
from handlers.law import out_of_force_line
from handlers.screening import texts
from handlers.screening.answers import (
    CHECKLISTS,
    DATED_SITUATIONS,
    GROUPS,
    MAX_CHILDREN,
    Answers,
)
from handlers.screening.keyboards import (
    Key,
    Keys,
    Layout,
    navigation,
    none_button,
    picks,
    step_keyboard,
    toggles,
)


def render_step(
    step: str, answers: Answers, plan: list[str], *, why_open: bool, ruleset: Ruleset,
    today: date, total: int | None = None, guess: str | None = None,
    clock_today: date | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """`total`: the steps counted when the screen opened; `guess`: a too small income."""
    number = plan.index(step) + 1
    header = _("Step {k} of {n}").format(k=number, n=total or len(plan))
    lines = [f"<i>{header}</i> · <b>{texts.step_title(step)}</b>", "", texts.question(step)]
    if step == "check_date":
        lines[2:2] = check_date_intro(ruleset, clock_today or today)
    lines += _notes(step, answers, ruleset, today)
    if step == "income" and guess is not None:
        lines += ["", "❔ " + _guess_question(Decimal(guess))]
    if why_open:
        lines += ["", "❓ " + texts.why(step)]
    keys = step_keys(step, answers, plan, why_open=why_open, ruleset=ruleset, today=today,
                     guess=guess)
    return "\n".join(lines), step_keyboard(keys, step)


def step_keys(
    step: str, answers: Answers, plan: list[str], *, why_open: bool, ruleset: Ruleset,
    today: date, guess: str | None = None,
) -> Layout:
    """The buttons of a step's screen (all that Flow.offers needs: no text of the screen).
    Remembered for the same answers and language: a press is checked against the buttons of
    the screen the update before drew."""
    return _layout(ruleset, current_locale(), step, answers.fingerprint(), tuple(plan),
                   why_open, today, guess)


@functools.lru_cache(maxsize=2048)
def _layout(
    ruleset: Ruleset, locale: str, step: str, answers: bytes, plan: tuple[str, ...],
    why_open: bool, today: date, guess: str | None,
) -> Layout:
    """A pure function of its arguments (the labels are in ``locale``), giving tuples: it may
    be remembered, and no caller can change what it gives."""
    with I18n.get_current(no_error=False).use_locale(locale):
        keys = _step_keys(step, Answers.from_fingerprint(answers), list(plan), why_open,
                          ruleset, today, guess)
    return tuple(map(tuple, keys))


def _step_keys(
    step: str, answers: Answers, plan: list[str], why_open: bool, ruleset: Ruleset,
    today: date, guess: str | None,
) -> Keys:
    rows = _rows(step, answers, plan, ruleset, today)
    if step.partition(".")[0] in CHECKLISTS:
        rows += none_button()
    if step == "income" and guess is not None:
        rows = _guess_keys(Decimal(guess)) + rows
    return rows + navigation(why_open=why_open, can_skip=step in ("income", "age"),
                             can_go_on=step != "review")


# An income under 1 000 ₸ a month is asked about, not stored: "120" is most often "120 000";
# "0" may be true.
def _guess_question(amount: Decimal) -> str:
    if amount == 0:
        return _("Did you mean that the family has no income at all?")
    return _("Did you mean {amount} a month?").format(amount=money(amount * 1000))


def _guess_keys(amount: Decimal) -> Keys:
    if amount == 0:
        return [[Key(_("Yes, no income"), "pick", "0")]]
    thousands = amount * 1000
    return [[Key(_("Yes, {amount}").format(amount=money(thousands)), "pick", str(thousands))],
            [Key(_("No, exactly {amount}").format(amount=money(amount)), "pick",
                 str(amount))]]


def _notes(step: str, a: Answers, ruleset: Ruleset, today: date) -> list[str]:
    """The lines below the question: what is answered already, the privacy note."""
    kind, _sep, arg = step.partition(".")
    note: str | None = None
    if kind == "check_date":
        note = _("Day of the check: {date}").format(date=day(today))
    elif kind == "groups":
        note = texts.privacy()
    elif kind == "child":
        child = a.children[int(arg)] if int(arg) < len(a.children) else {}
        age = child.get("age")
        note = _("Age: {age}").format(age=age if age is not None else "—")
    elif kind == "situation_date" and a.occurred_on:
        note = _("Date: {date}").format(date=day(date.fromisoformat(a.occurred_on)))
    elif kind == "age" and a.age is not None:
        note = _("Age: {age}").format(age=a.age)
    elif kind == "income" and a.income is not None and not a.income_skipped:
        note = _("Income: {amount}").format(amount=money(Decimal(a.income)))
    elif kind == "review":
        return ["", *review_lines(a, ruleset)]
    return [] if note is None else ["", note]


def _rows(step: str, a: Answers, plan: list[str], ruleset: Ruleset, today: date) -> Keys:
    kind, _sep, arg = step.partition(".")
    if kind == "check_date":
        return [[Key(_("📅 Today"), "pick", "today")]]
    if kind == "groups":
        return toggles(texts.group_labels(), a.groups)
    if kind == "group":
        labels = {s: texts.status_label(s) for s in GROUPS[arg]}
        rows = toggles(labels, a.statuses)
        if arg == "family":
            label = _("Children under 18 with a disability, HIV or without parental care")
            tick = "✅ " if a.has_children else "⬜ "
            rows.append([Key(tick + label, "toggle", "children")])
        return rows
    if kind == "wheelchair":
        return picks(texts.wheelchair_labels(), a.wheelchair or None)
    if kind == "child":
        child = a.children[int(arg)] if int(arg) < len(a.children) else {}
        flags = {f for f, on in child.items() if on is True}
        rows = toggles(texts.child_flag_labels(), flags)
        if len(a.children) < MAX_CHILDREN:
            rows.append([Key(_("➕ Add another child"), "add_child")])
        if len(a.children) > 1:
            rows.append([Key(_("🗑 Remove this child"), "drop_child")])
        return rows
    if kind == "situation":
        return picks(texts.situation_labels(), a.situation)
    if kind == "situation_date":
        return [[Key(_("Today"), "pick", "today"), Key(_("Yesterday"), "pick", "yesterday")]]
    if kind in ("age", "income"):
        return []
    if kind == "members":
        labels = {str(n): str(n) for n in range(1, 9)}
        return picks(labels, str(a.members) if a.members else None, per_row=4)
    if kind == "history":
        candidates = a.history_candidates(ruleset, today)
        lang = current_locale()
        labels = {bid: ruleset.benefits_by_id[bid].title.get(lang) for bid in candidates}
        return toggles(labels, a.history)
    if kind == "review":
        return _review_rows(plan)
    raise KeyError(step)


def check_date_intro(ruleset: Ruleset, today: date) -> list[str]:
    """Before the question: the decision is not in force today, and when it was."""
    period = _("It was in force from {start} to {end}.").format(
        start=day(ruleset.first_day), end=day(ruleset.last_day))
    return [f"{out_of_force_line(ruleset, today)}", period, ""]


def review_lines(a: Answers, ruleset: Ruleset) -> list[str]:
    labels = texts.status_labels()
    statuses = sorted(a.effective_statuses(), key=list(labels).index)
    out = [] if a.check_on is None else [
        "• " + _("Day of the check: {date}").format(date=day(date.fromisoformat(a.check_on)))]
    if statuses or "hardship" not in a.groups:
        out.append("• " + _("About you: {list}").format(
            list=", ".join(labels[s] for s in statuses) if statuses
            else _("nothing of the list")))
    if "disability" in a.groups and a.wheelchair:
        out.append("• " + texts.wheelchair_labels()[a.wheelchair])
    if a.wants_children():
        flags = texts.child_flag_labels()
        for i, child in enumerate(a.children):
            what = ", ".join(flags[f] for f in flags if child.get(f))
            age = child.get("age")
            out.append("• " + _("Child {number}: {age} years").format(
                number=i + 1, age=age if age is not None else "—") + (f", {what}" if what else ""))
    if "hardship" in a.groups:
        line = texts.step_title("situation")
        if a.situation:
            line += ": " + texts.situation_labels()[a.situation]
        if a.occurred_on and a.situation in DATED_SITUATIONS:
            line += ", " + day(date.fromisoformat(a.occurred_on))
        out.append("• " + line)
    if a.age is not None and "needs_care" in a.effective_statuses():
        out.append("• " + _("Age: {age}").format(age=a.age))
    members = 1 if a.lives_alone() else a.members
    if members is not None:
        out.append("• " + _("People in the family: {n}").format(n=members))
    income = (
        money(Decimal(a.income)) if a.income is not None and not a.income_skipped
        else _("not given")
    )
    out.append("• " + _("Income per month: {amount}").format(amount=income))
    if a.history:
        lang = current_locale()
        titles = ", ".join(ruleset.benefits_by_id[h].title.get(lang) for h in a.history
                           if h in ruleset.benefits_by_id)
        out.append("• " + _("Received in the last 12 months: {list}").format(list=titles))
    return [html.escape(line, quote=False) for line in out]


def _review_rows(plan: list[str]) -> Keys:
    edits = [
        ("check_date", _("✏️ Day of the check")),
        ("groups", _("✏️ What is about me")),
        ("wheelchair", _("✏️ Wheelchair")),
        ("child.0", _("✏️ Children")),
        ("situation", _("✏️ The situation")),
        ("age", _("✏️ Age")),
        ("members", _("✏️ Family size")),
        ("income", _("✏️ Income")),
        ("history", _("✏️ Received before")),
    ]
    rows = [[Key(label, "edit", step)] for step, label in edits if step in plan]
    rows.append([Key(_("✅ Show the result"), "result")])
    return rows
