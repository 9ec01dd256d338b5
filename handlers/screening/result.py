"""The result of a check, the merged checklist and the decision timeline, as chat text."""

from __future__ import annotations

import html
from datetime import date

from aiogram.utils.i18n import gettext as _

from bot.rules import GrantedBenefit, Result, Ruleset
from bot.rules.engine import one_month_after
from handlers.formatting import current_locale, day, day_month, mci, money
from handlers.screening import texts
from handlers.screening.answers import Answers

# Telegram allows 4096 characters; shorter messages read better on a small phone.
MESSAGE_LIMIT = 3000


def result_messages(result: Result, answers: Answers, ruleset: Ruleset) -> list[str]:
    blocks = [_header(result, ruleset)]
    auto = [g for g in result.benefits if not g.benefit.needs_application]
    fixed = [g for g in result.benefits if g.benefit.needs_application and not g.benefit.up_to]
    ceiling = [g for g in result.benefits if g.benefit.needs_application and g.benefit.up_to]
    sections = (
        (auto, _("🎁 Paid on the holiday, no application needed (p. 12)")),
        (fixed, _("📝 Apply to receive")),
        (ceiling, _("⚖️ The special commission decides the amount (p. 11), up to:")),
    )
    for items, title in sections:
        if items:
            blocks.append(f"<b>{title}</b>")
            blocks += [_benefit(g, result, answers) for g in items]
    if result.per_capita_income is not None and _income_mattered(result):
        blocks.append(_income_block(result, answers))
    if result.excluded:
        blocks.append("<b>" + _("Not granted, and why") + "</b>")
        blocks += [_exclusion(e.id, e.reason, result, answers, ruleset) for e in result.excluded]
    if not result.benefits:
        blocks.append(_(
            "By your answers, the decision gives you no assistance now. Circumstances "
            "change: you can always ask the district department or your akim, who may know "
            "of other support."
        ))
    else:
        blocks.append(_("This is a check, not a decision: the district department decides."))
    return split_messages(blocks)


def _header(result: Result, ruleset: Ruleset) -> str:
    lines = ["<b>" + _("Your result on {date}").format(date=day(result.on_date)) + "</b>"]
    if not result.in_force:
        repeal = ruleset.metadata.repeal
        lines.append("⚠️ " + _(
            "Decision No. 241 is not in force on this day (it was repealed on {date}): "
            "this shows what it provided."
        ).format(date=day(repeal.adopted_on) if repeal else "—"))
    lines.append(_("1 MCI on this day: {amount}").format(amount=money(result.mci_kzt)))
    return "\n".join(lines)


def _benefit(g: GrantedBenefit, result: Result, answers: Answers) -> str:
    b = g.benefit
    lang = current_locale()
    amount = f"{mci(b.amount_mci)} = {money(g.amount_kzt)}"
    if b.up_to:
        amount = _("up to {amount}").format(amount=amount)
    if b.period == "monthly":
        when = (_("every month, {n} months").format(n=b.months) if b.months
                else _("every month"))
    else:
        when = _("once")
    if g.date:
        month, dd = (int(x) for x in g.date.split("-"))
        when += ", " + day_month(date(result.on_date.year, month, dd))
    lines = [
        f"• <b>{html.escape(b.title.get(lang))}</b>",
        f"  {amount}, {when}. " + _("p. {cite}").format(cite=b.cite),
        "  " + html.escape(b.explanation.get(lang)),
    ]
    reasons = because_text(g.because, answers)
    if reasons:
        lines.append("  " + _("Why: {reasons}").format(reasons=reasons))
    return "\n".join(lines)


def because_text(ids: tuple[str, ...], answers: Answers) -> str:
    statuses, flags = texts.status_labels(), texts.child_flag_labels()
    situations, wheelchairs = texts.situation_labels(), texts.wheelchair_labels()
    out: list[str] = []
    for item in ids:
        kind, _sep, arg = item.partition(":")
        if item in statuses:
            out.append(statuses[item])
        elif kind == "child" and int(arg) < len(answers.children):
            child = answers.children[int(arg)]
            what = ", ".join(flags[f] for f in flags if child.get(f))
            out.append(_("your child of {age}").format(age=child.get("age")) +
                       (f" ({what})" if what else ""))
        elif kind == "situation":
            out.append(situations.get(arg, arg))
        elif kind == "wheelchair":
            out.append(wheelchairs.get(arg, arg))
        elif item.startswith("age_over_"):
            out.append(_("over {age} years").format(age=item.removeprefix("age_over_")))
        elif item == "per_capita_below_poverty_line":
            out.append(_("income per person below the poverty line"))
        elif item == "per_capita_not_above_60pct_subsistence":
            out.append(_("income per person not above 60 per cent of the subsistence minimum"))
    return html.escape("; ".join(out), quote=False)


def _income_mattered(result: Result) -> bool:
    income_ids = {"per_capita_below_poverty_line", "per_capita_not_above_60pct_subsistence"}
    return any(income_ids & set(g.because) for g in result.benefits) or any(
        e.reason == "income_above_threshold" for e in result.excluded
    )


def _income_block(result: Result, answers: Answers) -> str:
    t = result.thresholds
    members = 1 if answers.lives_alone() else (answers.members or 1)
    income = answers.income or "0"
    per_capita = result.per_capita_income or 0
    lines = [
        "<b>" + _("Income per person (p. 3.5)") + "</b>",
        _("{income} ÷ {members} = {per_capita} per person a month").format(
            income=money(float(income)), members=members, per_capita=money(per_capita)),
        _("Poverty line: {line} (p. 9.6, 9.7): {verdict}").format(
            line=money(t.poverty_line_kzt),
            verdict=_("below it") if per_capita < t.poverty_line_kzt else _("not below it")),
        _("60 per cent of the subsistence minimum {minimum}: {limit} (p. 9): {verdict}").format(
            minimum=money(t.subsistence_minimum_kzt), limit=money(t.situation_income_limit_kzt),
            verdict=_("not above it") if per_capita <= t.situation_income_limit_kzt
            else _("above it")),
    ]
    return "\n".join(lines)


def _exclusion(bid: str, reason: str, result: Result, a: Answers, ruleset: Ruleset) -> str:
    if bid == "*":
        return "• " + _("Assistance is only for permanent residents of Sozak district (p. 2).")
    title = html.escape(ruleset.benefits_by_id[bid].title.get(current_locale()))
    if reason == "deadline_passed" and a.occurred_on:
        happened = date.fromisoformat(a.occurred_on)
        why = _("the application had to be made within one month of {event}, by {deadline} "
                "(p. 9)").format(event=day(happened), deadline=day(one_month_after(happened)))
    elif reason == "granted_within_year":
        why = _("it was already received in the last 12 months; the same assistance is given "
                "again only after a year (p. 23)")
    elif reason == "income_above_threshold":
        why = _("income per person is above {limit} (p. 24.3)").format(
            limit=money(result.thresholds.situation_income_limit_kzt))
    else:
        why = reason
    return f"• {title}: {why}."


def split_messages(blocks: list[str], limit: int = MESSAGE_LIMIT) -> list[str]:
    """Whole blocks per message, so no item is cut in two."""
    messages: list[str] = []
    current = ""
    for block in blocks:
        candidate = f"{current}\n\n{block}" if current else block
        if current and len(candidate) > limit:
            messages.append(current)
            current = block
        else:
            current = candidate
    if current:
        messages.append(current)
    return messages


def checklist_text(result: Result, ruleset: Ruleset) -> str:
    """One merged list of documents for everything that needs an application, and when."""
    lang = current_locale()
    needing = [g.id for g in result.benefits if g.benefit.needs_application]
    if not needing:
        return _("Nothing to bring: what you may get is paid on the holiday by list, without "
                 "an application (p. 12).")
    lines = ["<b>" + _("What to bring (originals and copies, p. 13–14)") + "</b>"]
    for doc in ruleset.checklist(needing):
        lines.append(f"☐ <b>{html.escape(doc.plain.get(lang))}</b> "
                     f"({html.escape(doc.name.get(lang))})")
        lines.append("   " + html.escape(doc.where.get(lang)))
    lines += ["", "<b>" + _("Where to apply") + "</b>", _(
        "The district department of social protection (уәкілетті орган) in Sholakkorgan, "
        "or the akim of your settlement, village or rural okrug (p. 13).")]
    if result.timeline is not None:
        tl = result.timeline
        lines += ["", "<b>" + _("How long it takes (working days)") + "</b>", _(
            "If your documents are registered on {registered}, the decision is due by "
            "{decision} (p. 21), or by {extended} if the department must request documents "
            "from other bodies; you are told of it in writing by {notice} (p. 22)."
        ).format(registered=day(tl.registered_on), decision=day(tl.decision_by),
                 extended=day(tl.decision_by_extended), notice=day(tl.notice_by))]
    return "\n".join(lines)
