"""The result of a check as chat text: a one-screen answer first, each benefit one tap away,
the merged checklist. Plain words first, the paragraph after, in brackets.

Two tenses: on a day the decision is in force (``live``) the answer says what to do next; on
any other day it says what decision No. 241 provided, offers no application, and sends the
citizen to the district department for the assistance in force today.
"""

from __future__ import annotations

import html
from datetime import date, timedelta

from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from bot.places import Places
from bot.rules import Calendar, Exclusion, GrantedBenefit, Result, Ruleset
from bot.rules.engine import report_deadline
from bot.services.law import can_apply
from handlers.formatting import current_locale, day, mci, money
from handlers.law import out_of_force_line
from handlers.places import office_block
from handlers.screening import texts
from handlers.screening.answers import DATED_SITUATIONS, Answers


def cite(ruleset: Ruleset, paragraph: str) -> str:
    """"(decision No. 241, p. 9.6)": after the plain words, never before them."""
    return _("(decision No. {number}, p. {cite})").format(
        number=ruleset.metadata.number, cite=paragraph)


# -- the one-screen answer -----------------------------------------------------------------
def summary_text(
    result: Result, answers: Answers, ruleset: Ruleset, *, today: date, calendar: Calendar,
    places: Places, paper: bool = False,
) -> str:
    """How many kinds of help, the certain total, the ceilings, three next steps.

    ``today`` is the clock's day; the result may be for another day the citizen asked about."""
    live = can_apply(ruleset, today)
    warning = out_of_force_line(ruleset, today)
    if live:
        lines = ["<b>" + _("Your result on {date}").format(date=day(result.on_date)) + "</b>"]
    else:
        lines = ["<b>" + _("What decision No. {number} provided on {date}").format(
            number=ruleset.metadata.number, date=day(result.on_date)) + "</b>"]
    if warning:
        lines.append(warning)
    n = len(result.benefits)
    if n:
        count = ngettext(
            "By your answers, {n} kind of assistance is for you.",
            "By your answers, {n} kinds of assistance are for you.", n) if live else ngettext(
            "Under decision No. {number} you would have been entitled to {n} kind of "
            "assistance.",
            "Under decision No. {number} you would have been entitled to {n} kinds of "
            "assistance.", n)
        lines.append(count.format(n=n, number=ruleset.metadata.number))
        lines += _totals(result)
    elif live:
        lines.append(_("By your answers, nothing is due to you now."))
    else:
        lines.append(_("Under decision No. {number} nothing would have been due to you on "
                       "that day.").format(number=ruleset.metadata.number))
    if not n and result.excluded:
        lines += [exclusion_line(e, result, answers, ruleset, calendar) for e in result.excluded]
    steps = (_next_steps(result, answers, ruleset, calendar, paper=paper) if live
             else _steps_today(places))
    lines += ["", "<b>" + (_("What next") if live else _("Today")) + "</b>"]
    lines += [f"{i}. {step}" for i, step in enumerate(steps[:3], start=1)]
    if live and n:
        lines += ["", _("This is a check, not a decision: the district department decides.")]
    return "\n".join(lines)


def _totals(result: Result) -> list[str]:
    once = sum(g.total_kzt * (g.benefit.months or 1) for g in result.benefits
               if not g.benefit.up_to and (g.benefit.period == "once" or g.benefit.months))
    monthly = sum(g.total_kzt for g in result.benefits
                  if not g.benefit.up_to and g.benefit.period == "monthly"
                  and not g.benefit.months)
    ceiling = sum(g.total_kzt for g in result.benefits
                  if g.benefit.up_to and g.benefit.period == "once")
    ceiling_monthly = sum(g.total_kzt for g in result.benefits
                          if g.benefit.up_to and g.benefit.period == "monthly")
    lines = []
    if once or monthly:
        certain = [money(once)] if once else []
        if monthly:
            certain.append(_("{amount} every month").format(amount=money(monthly)))
        lines.append("💰 " + _("For certain: {amounts}").format(amounts=" + ".join(certain)))
    if ceiling or ceiling_monthly:
        ceilings = [money(ceiling)] if ceiling else []
        if ceiling_monthly:
            ceilings.append(_("{amount} every month").format(amount=money(ceiling_monthly)))
        # "And up to" only after a certain sum; alone, the ceiling is the whole answer.
        line = (_("And up to {amounts}: the special commission decides how much (p. 11).")
                if lines else
                _("Up to {amounts}: the special commission decides how much (p. 11)."))
        lines.append("⚖️ " + line.format(amounts=" + ".join(ceilings)))
    return lines


def apply_by(result: Result, answers: Answers, calendar: Calendar) -> date | None:
    """The last day to apply after a fire or natural disaster (p. 9), while it is open."""
    kind = answers.situation
    if kind not in DATED_SITUATIONS or not answers.occurred_on:
        return None
    if not any(f"situation:{kind}" in g.because for g in result.benefits):
        return None
    return report_deadline(calendar, date.fromisoformat(answers.occurred_on))


def _next_steps(
    result: Result, answers: Answers, ruleset: Ruleset, calendar: Calendar, *,
    paper: bool = False,
) -> list[str]:
    """``paper``: for the PDF, where the documents are listed further down the page and there
    are no buttons."""
    steps: list[str] = []
    to_apply = [g for g in result.benefits if g.benefit.needs_application]
    by_list = sorted(g.pay_on for g in result.benefits
                     if not g.benefit.needs_application and g.pay_on is not None)
    if to_apply:
        deadline = apply_by(result, answers, calendar)
        if deadline is not None:
            apply = (_("Apply by {date}: bring the documents listed on this page to the "
                       "district department or your akim {cite}.") if paper else
                     _("Apply by {date}: bring the documents (the list is below) to the "
                       "district department or your akim {cite}."))
            apply = apply.format(date=day(deadline), cite=cite(ruleset, "9"))
        else:
            apply = (_("Apply: bring the documents listed on this page to the district "
                       "department or your akim {cite}.") if paper else
                     _("Apply: bring the documents (the list is below) to the district "
                       "department or your akim {cite}."))
            apply = apply.format(cite=cite(ruleset, "13"))
        steps.append("📝 " + apply)
    if by_list:
        steps.append("🎁 " + _("Holiday payments come without an application, by list: the "
                              "next on {date} {cite}.").format(
            date=day(by_list[0]), cite=cite(ruleset, "12")))
    if result.timeline is not None:
        tl = result.timeline
        steps.append("⏳ " + _("If you apply on {registered}, the decision is due by {decision} "
                              "{cite}.").format(registered=day(tl.registered_on),
                                                decision=day(tl.decision_by),
                                                cite=cite(ruleset, "21")))
    if not result.benefits:
        steps.append(_("Circumstances change: you may check again at any time, or ask the "
                       "district department or your akim."))
    return steps


def _steps_today(places: Places) -> list[str]:
    lang = current_locale()
    department = places.department
    contacts = ", ".join(html.escape(c) for c in department.contacts(lang))
    return [
        _("Nothing can be applied for under this decision any more."),
        _("Ask about the assistance in force today at the district department: {name}"
          ).format(name=html.escape(department.name.get(lang))) + (f" ({contacts})."
                                                                   if contacts else "."),
        _("Or ask the akim of your settlement or rural okrug (📍 below)."),
    ]


# -- one benefit, one tap away -------------------------------------------------------------
def amount_text(g: GrantedBenefit) -> str:
    """"3 MCI × 2 children = 11 892 ₸"; "up to 300 MCI = 594 600 ₸"."""
    b = g.benefit
    if g.persons > 1:
        children = sum(1 for item in g.because if item.startswith("child:"))
        who = (ngettext("{n} child", "{n} children", g.persons) if children == g.persons
               else ngettext("{n} person", "{n} persons", g.persons)).format(n=g.persons)
        text = f"{mci(b.amount_mci)} × {who} = {money(g.total_kzt)}"
    else:
        text = f"{mci(b.amount_mci)} = {money(g.total_kzt)}"
    return _("up to {amount}").format(amount=text) if b.up_to else text


def when_text(g: GrantedBenefit) -> str:
    b = g.benefit
    if b.period == "monthly":
        return (_("every month, {n} months").format(n=b.months) if b.months
                else _("every month"))
    if g.pay_on is not None:
        return _("once, paid on {date} without an application").format(date=day(g.pay_on))
    return _("once, after you apply")


def benefit_text(g: GrantedBenefit, answers: Answers, ruleset: Ruleset,
                 calendar: Calendar, result: Result, *, live: bool = True) -> str:
    b = g.benefit
    lang = current_locale()
    lines = [
        f"<b>{html.escape(b.title.get(lang))}</b>",
        f"💰 {amount_text(g)}",
        f"🗓 {when_text(g)}",
    ]
    deadline = apply_by(result, answers, calendar) if b.cite == "9.11" else None
    if deadline is not None and live:
        lines.append("📝 " + _("Apply by {date}: one month after the event, moved to the next "
                              "working day if it falls on a day off.").format(date=day(deadline)))
    elif deadline is not None:
        lines.append("📝 " + _("The application was due by {date} (one month after the "
                              "event).").format(date=day(deadline)))
    if b.up_to:
        lines.append("⚖️ " + _("The special commission decides the amount, up to this ceiling "
                              "(p. 11)."))
    lines.append(html.escape(b.explanation.get(lang)))
    reasons = because_text(tuple(r for r in g.because if r not in g.equated), answers)
    if reasons:
        lines.append(_("Why: {reasons}").format(reasons=reasons))
    if g.equated:
        lines.append(_("{who}: equated to war participants by the decision, so this "
                       "assistance is for you too.").format(
            who=because_text(g.equated, answers)))
    lines.append(cite(ruleset, b.cite))
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


def income_text(result: Result, answers: Answers) -> str | None:
    """How the income per person compares with the thresholds, where it mattered."""
    income_ids = {"per_capita_below_poverty_line", "per_capita_not_above_60pct_subsistence"}
    mattered = any(income_ids & set(g.because) for g in result.benefits) or any(
        e.reason == "income_above_threshold" for e in result.excluded)
    if result.per_capita_income is None or not mattered:
        return None
    t = result.thresholds
    members = 1 if answers.lives_alone() else (answers.members or 1)
    per_capita = result.per_capita_income
    return "\n".join([
        "<b>" + _("Income per person (p. 3.5)") + "</b>",
        _("{income} ÷ {members} = {per_capita} per person a month").format(
            income=money(float(answers.income or "0")), members=members,
            per_capita=money(per_capita)),
        _("Poverty line: {line} (p. 9.6, 9.7): {verdict}").format(
            line=money(t.poverty_line_kzt),
            verdict=_("below it") if per_capita < t.poverty_line_kzt else _("not below it")),
        _("60 per cent of the subsistence minimum {minimum}: {limit} (p. 9): {verdict}").format(
            minimum=money(t.subsistence_minimum_kzt), limit=money(t.situation_income_limit_kzt),
            verdict=_("not above it") if per_capita <= t.situation_income_limit_kzt
            else _("above it")),
    ])


# -- what is not granted, and when it could be -----------------------------------------------
def exclusion_line(
    e: Exclusion, result: Result, a: Answers, ruleset: Ruleset, calendar: Calendar
) -> str:
    if e.id == "*":
        return "• " + _("Assistance is only for permanent residents of Sozak district (p. 2).")
    title = html.escape(ruleset.benefits_by_id[e.id].title.get(current_locale()))
    if e.reason == "deadline_passed" and a.occurred_on:
        happened = date.fromisoformat(a.occurred_on)
        why = _("the application had to be made within one month of {event}, by {deadline} "
                "(p. 9)").format(event=day(happened),
                                 deadline=day(report_deadline(calendar, happened)))
    elif e.reason == "granted_within_year":
        why = _("you received it within the last 12 months; you may ask for it again one year "
                "after you received it, at the latest from {date} (p. 23)").format(
            date=day(_year_after(result.on_date)))
    elif e.reason == "income_above_threshold":
        why = _("income per person is above {limit} (p. 24.3)").format(
            limit=money(result.thresholds.situation_income_limit_kzt))
    elif e.reason == "not_in_force_on_payment_day":
        why = _("it is paid on its holiday, and the next one comes after the decision was "
                "repealed on {date}, so nothing is paid under it").format(
            date=day(ruleset.last_day + timedelta(days=1)))
    else:
        why = e.reason
    return f"• {title}: {why}."


def _year_after(on: date) -> date:
    try:
        return on.replace(year=on.year + 1)
    except ValueError:  # 29 February
        return date(on.year + 1, 3, 1)


# -- the checklist -------------------------------------------------------------------------
def checklist_text(
    result: Result, ruleset: Ruleset, places: Places, *, live: bool = True, paper: bool = False
) -> str:
    """One merged list of documents for everything that needs an application, where to bring
    it, and when; on a day out of force, what the decision asked for, without a timeline.
    ``paper``: for the PDF, which has no buttons with the akims' offices."""
    lang = current_locale()
    needing = [g.id for g in result.benefits if g.benefit.needs_application]
    if not result.benefits:
        return _("Nothing to bring: by your answers nothing is due to you now.")
    if not needing:
        return _("Nothing to bring: what you may get is paid on the holiday by list, without "
                 "an application (p. 12).")
    lines = ["<b>" + _("What to bring (originals and copies, p. 13–14)") + "</b>"]
    if not live:
        lines[0] = "<b>" + _("What decision No. {number} asked for (p. 13–14)").format(
            number=ruleset.metadata.number) + "</b>"
    for doc in ruleset.checklist(needing):
        lines.append(f"☐ <b>{html.escape(doc.plain.get(lang))}</b> "
                     f"({html.escape(doc.name.get(lang))})")
        lines.append("   " + html.escape(doc.where.get(lang)))
    if live:
        lines += ["", "<b>" + _("Where to apply") + "</b> " + cite(ruleset, "13"),
                  office_block(places.department),
                  _("or the akim of your settlement or rural okrug.") if paper else
                  _("or the akim of your settlement or rural okrug: find yours below.")]
    if result.timeline is not None and live:
        tl = result.timeline
        lines += ["", "<b>" + _("How long it takes (working days)") + "</b>", _(
            "If your documents are registered on {registered}, the decision is due by "
            "{decision} (p. 21), or by {extended} if the department must request documents "
            "from other bodies; you are told of it in writing by {notice} (p. 22)."
        ).format(registered=day(tl.registered_on), decision=day(tl.decision_by),
                 extended=day(tl.decision_by_extended), notice=day(tl.notice_by))]
    return "\n".join(lines)
