"""Every word of the screening: labels with the official terms, questions, "why we ask"."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

from bot.i18n import N_

# Marked here (N_), translated when one is shown: a screen shows a few of them, and translating
# every one of a dict to pick one was a good part of drawing a screen.
GROUP_LABELS: dict[str, str] = {
    "veterans": N_("Veterans and those equated to them"),
    "disability": N_("I have a disability (мүгедектік / инвалидность)"),
    "family": N_("Family and children"),
    "elderly": N_("Pensioners and the elderly"),
    "health": N_("Health: HIV, chronic renal failure"),
    "hardship": N_("Hardship: fire, natural disaster, illness"),
}
STATUS_LABELS: dict[str, str] = {
    "wwii_participant": N_("Participant of the Great Patriotic War"),
    "wwii_disabled": N_("Invalid of the Great Patriotic War"),
    "wwii_equated": N_("Equated to WWII participants or invalids"),
    "war_widow": N_("Not remarried widow(er) of a war invalid or participant"),
    "home_front_worker": N_("Home-front worker 1941–1945 (awarded)"),
    "afghan_veteran": N_("Served in Afghanistan"),
    "radiation_liquidator": N_("Chernobyl 1986–1987 or nuclear tests: took part"),
    "radiation_disabled": N_("Disabled because of radiation (Chernobyl, tests)"),
    "chernobyl_1988_1989": N_("Chernobyl 1988–1989, or evacuated from the zone"),
    "semipalatinsk_victim": N_("Suffered from the Semipalatinsk test site"),
    "disabled": N_("Person with a disability"),
    "large_family_mother": N_("Mother of many children with a motherhood award"),
    "tsa_family": N_("Family receives targeted social assistance (TSA)"),
    "low_income_family": N_("Family recognised as low-income"),
    "pensioner": N_("I receive a pension"),
    "lives_alone": N_("I live alone"),
    "needs_care": N_("I need outside care"),
    "hiv": N_("I live with HIV"),
    "hiv_medical_fault": N_("HIV infection through medical staff's fault"),
    "chronic_renal_failure": N_("Chronic renal failure"),
}


def group_labels() -> dict[str, str]:
    return {key: _(message) for key, message in GROUP_LABELS.items()}


def status_labels() -> dict[str, str]:
    return {key: _(message) for key, message in STATUS_LABELS.items()}


def status_label(key: str) -> str:
    return _(STATUS_LABELS[key])


def child_flag_labels() -> dict[str, str]:
    return {
        "disabled": _("child with a disability"),
        "home_schooled": _("taught at home"),
        "hiv": _("lives with HIV"),
        "without_parental_care": _("left without parental care"),
    }


def situation_labels() -> dict[str, str]:
    return {
        "fire": _("Fire"),
        "natural_disaster": _("Natural disaster (flood, mudflow, earthquake)"),
        "disease": _("Socially significant disease"),
        "legal_ground": _("Another ground provided by law"),
        "other": _("Other hardship (low income)"),
    }


def wheelchair_labels() -> dict[str, str]:
    return {
        "walking": _("Walking wheelchair"),
        "room": _("Room wheelchair"),
        "none": _("No wheelchair"),
    }


TITLES: dict[str, str] = {
    "groups": N_("What is about you?"),
    "check_date": N_("Day of the check"),
    "wheelchair": N_("Wheelchair"),
    "situation": N_("Difficult life situation"),
    "situation_date": N_("Date of the event"),
    "age": N_("Age"),
    "members": N_("Family size"),
    "income": N_("Family income"),
    "history": N_("Assistance already received"),
    "review": N_("Check your answers"),
}


def step_title(step: str) -> str:
    kind, _sep, arg = step.partition(".")
    if kind == "group":
        return _(GROUP_LABELS[arg])
    if kind == "child":
        return _("Child {number}").format(number=int(arg) + 1)
    return _(TITLES[kind])


QUESTIONS: dict[str, str] = {
    "groups": N_("Tick everything that is about you or your family, then press Next. "
                 "If nothing fits, press «None of these»."),
    "group": N_("Tick what is about you, then press Next. If nothing fits, press "
                "«None of these»."),
    "check_date": N_("Which day shall I check? Press Today, or type a day of that period "
                     "(for example, if your house burned in May 2015): 15.05.2015 or "
                     "«май 2015»."),
    "wheelchair": N_("Does your individual rehabilitation programme provide you with a "
                     "wheelchair?"),
    "child": N_("Type the child's age in years (0 to 17) and tick what applies."),
    "situation": N_("What happened?"),
    "situation_date": N_("When did it happen? Type the date, for example 05.03.2015 or "
                         "«a week ago»."),
    "age": N_("How old are you? Type the number of full years."),
    "members": N_("How many people are in your family, you included? "
                  "Press a number or type it."),
    "income": N_("What is your family's total income per month, in tenge? "
                 "Type a number, for example 120 000. Or press Skip."),
    "history": N_("Have you received any of these in the last 12 months? "
                  "Tick them, then press Next. If not, press «None of these»."),
    "review": N_("Here is what you told me. Press a line to change it, "
                 "or see the result."),
}


def question(step: str) -> str:
    kind = step.partition(".")[0]
    return _(QUESTIONS[kind])


WHY: dict[str, str] = {
    "groups": N_("Assistance is given to certain groups of citizens (p. 7 and p. 9 of the "
                 "decision). Your answer decides which questions follow."),
    "check_date": N_("The amounts (in MCI of that year), the income thresholds and the "
                     "deadlines depend on the day: I count them as on the day you give."),
    "group": N_("Each of these groups has its own payment in p. 7 or p. 9; "
                "the holiday payments come without an application (p. 12)."),
    "wheelchair": N_("p. 9.1: 50 MCI for a walking wheelchair and 21.5 MCI for a room "
                     "wheelchair, if your individual rehabilitation programme provides it."),
    "child": N_("p. 7.8 (children without parental care or with HIV), p. 7.12 (children "
                "with a disability aged 6 to 13), p. 9.2 (taught at home), p. 9.3 (HIV)."),
    "situation": N_("p. 9.11: up to 300 MCI in a difficult life situation; the grounds "
                    "are listed in p. 9."),
    "situation_date": N_("p. 9: after a fire or natural disaster you must apply within one "
                         "month. The date tells whether that month has passed."),
    "age": N_("p. 9.10: people over 80 who need care get up to 1 MCI a month for travel."),
    "members": N_("Income is counted per person (p. 3.5): the family's income divided by "
                  "the number of its members."),
    "income": N_("p. 9.6 and 9.7 are for families whose income per person is below the "
                 "poverty line; p. 9 also counts income up to 60 per cent of the subsistence "
                 "minimum as a ground. Nothing is checked here: the department checks."),
    "history": N_("p. 23: assistance on the same ground is not given again within one "
                  "calendar year."),
    "review": N_("Nothing is sent anywhere: this is only a check. To apply, bring the "
                 "documents to the district department or your akim."),
}


def why(step: str) -> str:
    kind = step.partition(".")[0]
    return _(WHY[kind])


# What a good answer looks like, in the hint after a bad one.
EXAMPLES = {"age": "75", "members": "4", "income": "120 000", "child": "8"}


def privacy() -> str:
    # Health and income are personal data (Law No. 94-V): say what is kept and how to erase it.
    return _("🔒 Your answers are seen by no one else and kept only so that you can come back "
             "to them. /cancel erases them.")


def input_error(reason: str, step: str = "") -> str:
    example = EXAMPLES.get(step.partition(".")[0], "4")
    return {
        "not_a_number": _("Please type a number with digits, for example {example}.").format(
            example=example
        ),
        "negative": _("The number cannot be negative."),
        "too_small": _("That number is too small here."),
        "too_large": _("That number is too large. Please check it."),
        "bad_date": _("I could not read that date. Please type it like 05.03.2015."),
        "future": _("That date is in the future. Please type the day it happened."),
        "too_early": _("That date is too long ago. Please check the year."),
        "need_age": _("Please first type the child's age in years, from 0 to 17."),
        "need_date": _("Please type the date of the event first."),
        "need_answer": _("Please choose one of the buttons."),
        "not_in_period": _("The decision was not in force on that day. Please type a day of "
                           "its period (it is above), for example 15.05.2015."),
        "need_tick": _("Please tick what is about you. If nothing fits, press «None of "
                       "these»."),
        "need_flag": _("Please tick what applies to this child."),
        "need_members": _("Please press the number of people or type it."),
        "need_income": _("Please type the income, or press Skip if you do not know it."),
        "need_years": _("Please type your age in years, or press Skip."),
        "need_this": _("This answer is needed for the check. If you are not sure, give the "
                       "closest one: you can change it before the result."),
        "which_one": _("Which one? Please press the button."),
        "use_buttons": _("Here please use the buttons below."),
    }[reason]
