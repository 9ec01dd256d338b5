"""One screen per application step: its text and buttons, from the draft alone."""

from __future__ import annotations

import html
from datetime import date
from decimal import Decimal

from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from bot.iin import age_on
from bot.places import OTHER, Places
from bot.rules import Ruleset
from bot.services.attachments import MAX_FILE_BYTES
from handlers.application import texts
from handlers.application.draft import MAX_FILES_PER_ITEM, SITUATION_MAX, Draft
from handlers.application.keyboards import (
    Rows,
    button,
    grid,
    markup,
    navigation,
    stamp_step,
)
from handlers.formatting import current_locale, day, mci, money
from handlers.screening.texts import situation_labels


def step_header(step: str, plan: list[str]) -> str:
    number = plan.index(step) + 1 if step in plan else len(plan)
    header = _("Step {k} of {n}").format(k=number, n=len(plan))
    return f"<i>{header}</i> · <b>{texts.step_title(step)}</b>"


def consent_screen(plan: list[str], draft_days: int) -> tuple[str, InlineKeyboardMarkup]:
    text = step_header("consent", plan) + "\n\n" + texts.consent_text(draft_days)
    rows = [[button(_("✅ I agree"), "agree")], [button(_("✖️ I do not agree"), "decline")]]
    return text, markup(rows)


class Screens:
    """Renders the draft's current step (or any step) with the services it needs."""

    def __init__(
        self, draft: Draft, ruleset: Ruleset, places: Places, today: date,
        file_counts: dict[str, int],
    ) -> None:
        self.d, self.ruleset, self.places, self.today = draft, ruleset, places, today
        self.files = file_counts
        self.lang = current_locale()

    def render(self, notes: list[str] | None = None) -> tuple[str, InlineKeyboardMarkup]:
        step = self.d.step
        lines = [step_header(step, self.d.plan(self.ruleset)), ""]
        if notes:
            lines += [*notes, ""]
        kind, _sep, arg = step.partition(".")
        rows: Rows = getattr(self, f"_{kind}")(lines, arg)
        return "\n".join(lines), stamp_step(markup(rows), step)

    # -- steps --------------------------------------------------------------------------
    def _benefits(self, lines: list[str], _arg: str) -> Rows:
        offered = list(self.d.data.get("offered") or [])
        granted = set(self.d.data.get("granted") or [])
        lines.append(_("Tick the assistance you apply for. Those your check found are ticked; "
                       "the special commission decides (p. 11)."))
        rows: Rows = []
        lines.append("")
        for bid in offered:
            b = self.ruleset.benefits_by_id[bid]
            tick = "✅ " if bid in self.d.chosen else "⬜ "
            amount = amount_text(b.amount_mci, b.up_to)
            cite = _("p. {cite}").format(cite=b.cite)
            note = "" if bid in granted else " · " + _("the check did not find it")
            lines.append(f"{tick}<b>{html.escape(b.title.get(self.lang))}</b> — {amount} "
                         f"({cite}){note}")
            rows.append([button(f"{tick}{cite} · {amount}", "toggle", bid)])
        holiday = list(self.d.data.get("holiday") or [])
        if holiday:
            titles = "; ".join(html.escape(self.ruleset.benefits_by_id[b].title.get(self.lang))
                               for b in holiday)
            lines += ["", "🎁 " + _("Paid on the holiday by list, with no application (p. 12): "
                                    "{titles}.").format(titles=titles)]
        income = self.d.app.monthly_income
        lines += ["", _("Your family: {n} people; income {income} a month (from your check). "
                        "If the income has changed, type the new amount.").format(
            n=self.d.app.members_count,
            income=money(income) if income is not None else "—")]
        return rows + navigation()

    def _name(self, lines: list[str], _arg: str) -> Rows:
        lines.append(_("Type your surname, name and patronymic as in your identity document, "
                       "for example: Асанов Берік Серікұлы."))
        if self.d.app.full_name:
            lines += ["", _("Now: {value}").format(value=html.escape(self.d.app.full_name))]
        return navigation(can_go_on=bool(self.d.app.full_name))

    def _iin(self, lines: list[str], _arg: str) -> Rows:
        lines.append(_("Type your IIN: the 12 digits in your identity document."))
        if self.d.app.iin:
            lines += ["", _("Now: {value}").format(value=self.d.app.iin)]
        return navigation(can_go_on=bool(self.d.app.iin))

    def _phone(self, lines: list[str], _arg: str) -> Rows:
        rows: Rows = []
        born = self.d.app.birth_date
        if born is not None:
            lines.append("✅ " + _("By your IIN you were born on {date}.").format(date=day(born)))
            said = self.d.answers.age
            if said is not None and said != age_on(born, self.today):
                lines.append("⚠️ " + _("In the check you said you are {age}, but by this IIN "
                                       "you are {iin_age}. Please check the IIN.").format(
                    age=said, iin_age=age_on(born, self.today)))
            rows.append([button(_("✏️ Correct the IIN"), "fix_iin")])
            lines.append("")
        lines.append(_("Your phone number, so the department can call you: press «📱 Share my "
                       "number» below, or type it like +7 701 234 56 78."))
        if self.d.app.phone:
            lines += ["", _("Now: {value}").format(value=self.d.app.phone)]
        return rows + navigation(can_go_on=bool(self.d.app.phone))

    def _place(self, lines: list[str], _arg: str) -> Rows:
        a = self.d.app
        lines.append(_("Choose your rural okrug or settlement below, and type your street and "
                       "house number, for example: Абай көшесі, 12."))
        if a.settlement == OTHER and not a.settlement_other:
            lines += ["", "👉 " + _("Type the name of your village or settlement.")]
        elif a.settlement and not a.address:
            lines += ["", "👉 " + _("Now type your street and house number.")]
        if a.settlement:
            lines += ["", _("Place: {value}").format(value=html.escape(self.place_name()))]
        if a.address:
            lines.append(_("Street and house: {value}").format(value=html.escape(a.address)))
        picks = [
            button(("🔘 " if a.settlement == s.id else "") + s.name.get(self.lang), "pick", s.id)
            for s in self.places.settlements
        ]
        rows = grid(picks, 2)
        rows.append([button(("🔘 " if a.settlement == OTHER else "") + _("Other (not listed)"),
                            "pick", OTHER)])
        return rows + navigation(can_go_on=bool(a.settlement and a.address))

    def place_name(self) -> str:
        a = self.d.app
        if a.settlement == OTHER:
            return a.settlement_other or _("Other (not listed)")
        s = self.places.settlement(a.settlement or "")
        return s.name.get(self.lang) if s else "—"

    def _member(self, lines: list[str], arg: str) -> Rows:
        index, members = int(arg), self.d.members
        m = members[index]
        lines.append(_("Family member {i} of {n}: type the full name and the IIN (or the date of "
                       "birth), for example: Асанова Гүлнар 780202400025. Then choose the "
                       "relation and the occupation.").format(i=index + 1, n=len(members)))
        lines += ["", self.member_line(index)]
        relations, occupations = texts.relation_labels(), texts.occupation_labels()
        rows = [[button(_("— who is this person to you —"), "noop")]]
        rows += grid([button(("🔘 " if m.relation == k else "") + v, "rel", k)
                      for k, v in relations.items()], 3)
        rows.append([button(_("— occupation —"), "noop")])
        rows += grid([button(("🔘 " if m.occupation == k else "") + v, "occ", k)
                      for k, v in occupations.items()], 3)
        paper = ("✅ " if m.on_paper else "📄 ") + _("I'll bring this on paper")
        rows.append([button(paper, "paper")])
        return rows + navigation()

    def member_line(self, index: int) -> str:
        m = self.d.members[index]
        ident = m.iin or (day(date.fromisoformat(m.birth_date)) if m.birth_date else "—")
        parts = [
            html.escape(m.full_name or "—"),
            ident,
            texts.relation_labels().get(m.relation or "", "—"),
            texts.occupation_labels().get(m.occupation or "", "—"),
        ]
        line = f"{index + 1}. " + ", ".join(parts)
        if m.on_paper:
            line += " · 📄 " + _("on paper")
        return line

    def _situation(self, lines: list[str], _arg: str) -> Rows:
        a = self.d.answers
        kind = situation_labels().get(a.situation or "", a.situation or "")
        when = f", {day(date.fromisoformat(a.occurred_on))}" if a.occurred_on else ""
        lines.append(_("From your check: {what}{when}.").format(what=html.escape(kind),
                                                                 when=when))
        lines.append(_("Describe briefly what happened and what help you need (at most {limit} "
                       "characters).").format(limit=SITUATION_MAX))
        description = (self.d.app.situation or {}).get("description")
        if description:
            lines += ["", _("Now: {value}").format(value=html.escape(description))]
        return navigation(can_go_on=bool(description))

    def _documents(self, lines: list[str], _arg: str) -> Rows:
        items = self.d.checklist(self.ruleset)
        current = self.current_item()
        lines.append(_("Send photos or PDF scans of the documents, one document at a time: JPG, "
                       "PNG or PDF, up to {mb} MB each, at most {limit} files per document. The "
                       "originals are compared at the office (p. 14). What you do not send here, "
                       "bring on paper.").format(mb=MAX_FILE_BYTES // (1024 * 1024),
                                                 limit=MAX_FILES_PER_ITEM))
        if current:
            doc = self.ruleset.documents[current]
            lines += ["", "👉 " + _("Now send: <b>{document}</b>").format(
                document=html.escape(doc.plain.get(self.lang)))]
        rows: Rows = []
        for item in items:
            doc = self.ruleset.documents[item]
            count = self.files.get(item, 0)
            mark = "👉 " if item == current else ("✅ " if count else "☐ ")
            rows.append([button(f"{mark}{_short(doc.plain.get(self.lang))} ({count})",
                                "item", item)])
        if current and self.files.get(current):
            rows.append([button(_("🗑 Remove the files of this document"), "clear", current)])
        return rows + navigation()

    def current_item(self) -> str | None:
        items = self.d.checklist(self.ruleset)
        chosen = self.d.data.get("item")
        if chosen in items:
            return str(chosen)
        return items[0] if items else None

    def _review(self, lines: list[str], _arg: str) -> Rows:
        a, lang = self.d.app, self.lang
        lines.append(_("Please check everything. Press a button to change an answer."))
        titles = [f"• {html.escape(self.ruleset.benefits_by_id[b].title.get(lang))} "
                  f"({_('p. {cite}').format(cite=self.ruleset.benefits_by_id[b].cite)})"
                  for b in self.d.chosen]
        lines += ["", "<b>" + _("You apply for") + "</b>", *titles, ""]
        lines.append(_("Name: {value}").format(value=html.escape(a.full_name or "—")))
        born = f" ({day(a.birth_date)})" if a.birth_date else ""
        lines.append(_("IIN: {value}").format(value=(a.iin or "—") + born))
        lines.append(_("Phone: {value}").format(value=a.phone or "—"))
        lines.append(_("Address: {value}").format(
            value=html.escape(f"{self.place_name()}, {a.address or '—'}")))
        income = money(a.monthly_income) if a.monthly_income is not None else "—"
        lines.append(_("Family income a month: {value}").format(value=income))
        if self.d.members:
            lines += ["", "<b>" + _("Family members") + "</b>"]
            lines += [self.member_line(i) for i in range(len(self.d.members))]
        description = (a.situation or {}).get("description")
        if description:
            lines += ["", _("What happened: {value}").format(value=html.escape(description))]
        lines += ["", "<b>" + _("Files sent") + "</b>"]
        lines += [f"• {html.escape(self.ruleset.documents[i].plain.get(lang))}: "
                  f"{self.files.get(i, 0)}" for i in self.d.checklist(self.ruleset)]
        edits = [
            button("✏️ " + _("Assistance and income"), "edit", "benefits"),
            button("✏️ " + _("Name"), "edit", "name"),
            button("✏️ " + _("IIN"), "edit", "iin"),
            button("✏️ " + _("Phone"), "edit", "phone"),
            button("✏️ " + _("Address"), "edit", "place"),
            button("✏️ " + _("Documents"), "edit", "documents"),
        ]
        if self.d.needs_situation(self.ruleset):
            edits.append(button("✏️ " + _("What happened"), "edit", "situation"))
        rows = grid(edits, 2)
        if self.d.members:
            rows += grid([button(f"✏️ 👤 {i + 1}", "edit", f"member.{i}")
                          for i in range(len(self.d.members))], 4)
        rows.append([button(_("📨 Send the application"), "submit")])
        return rows + navigation(can_go_on=False)


def _short(text: str, limit: int = 48) -> str:
    """Button labels must fit a small phone's screen."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def amount_text(amount: Decimal, up_to: bool) -> str:
    value = mci(amount)
    return _("up to {amount}").format(amount=value) if up_to else value
