"""Every word of the screening: labels with the official terms, questions, "why we ask"."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _


def group_labels() -> dict[str, str]:
    return {
        "veterans": _("Veterans and those equated to them"),
        "disability": _("I have a disability (мүгедектік / инвалидность)"),
        "family": _("Family and children"),
        "elderly": _("Pensioners and the elderly"),
        "health": _("Health: HIV, chronic renal failure"),
        "hardship": _("Hardship: fire, natural disaster, illness"),
    }


def status_labels() -> dict[str, str]:
    return {
        "wwii_participant": _("Participant of the Great Patriotic War"),
        "wwii_disabled": _("Invalid of the Great Patriotic War"),
        "wwii_equated": _("Equated to WWII participants or invalids"),
        "war_widow": _("Not remarried widow(er) of a war invalid or participant"),
        "home_front_worker": _("Home-front worker 1941–1945 (awarded)"),
        "afghan_veteran": _("Served in Afghanistan"),
        "radiation_liquidator": _("Chernobyl 1986–1987 or nuclear tests: took part"),
        "radiation_disabled": _("Disabled because of radiation (Chernobyl, tests)"),
        "chernobyl_1988_1989": _("Chernobyl 1988–1989, or evacuated from the zone"),
        "semipalatinsk_victim": _("Suffered from the Semipalatinsk test site"),
        "disabled": _("Person with a disability"),
        "large_family_mother": _("Mother of many children with a motherhood award"),
        "tsa_family": _("Family receives targeted social assistance (TSA)"),
        "low_income_family": _("Family recognised as low-income"),
        "pensioner": _("I receive a pension"),
        "lives_alone": _("I live alone"),
        "needs_care": _("I need outside care"),
        "hiv": _("I live with HIV"),
        "hiv_medical_fault": _("HIV infection through medical staff's fault"),
        "chronic_renal_failure": _("Chronic renal failure"),
    }


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


def step_title(step: str) -> str:
    kind, _sep, arg = step.partition(".")
    if kind == "group":
        return group_labels()[arg]
    if kind == "child":
        return _("Child {number}").format(number=int(arg) + 1)
    return {
        "groups": _("What is about you?"),
        "check_date": _("Day of the check"),
        "wheelchair": _("Wheelchair"),
        "situation": _("Difficult life situation"),
        "situation_date": _("Date of the event"),
        "age": _("Age"),
        "members": _("Family size"),
        "income": _("Family income"),
        "history": _("Assistance already received"),
        "review": _("Check your answers"),
    }[kind]


def question(step: str) -> str:
    kind = step.partition(".")[0]
    return {
        "groups": _("Tick everything that is about you or your family, then press Next. "
                    "If nothing fits, press «None of these»."),
        "group": _("Tick what is about you, then press Next. If nothing fits, press "
                   "«None of these»."),
        "check_date": _("Which day shall I check? Press Today, or type a day of that period "
                        "(for example, if your house burned in May 2015): 15.05.2015 or "
                        "«май 2015»."),
        "wheelchair": _("Does your individual rehabilitation programme provide you with a "
                        "wheelchair?"),
        "child": _("Type the child's age in years (0 to 17) and tick what applies."),
        "situation": _("What happened?"),
        "situation_date": _("When did it happen? Type the date, for example 05.03.2015 or "
                            "«a week ago»."),
        "age": _("How old are you? Type the number of full years."),
        "members": _("How many people are in your family, you included? "
                     "Press a number or type it."),
        "income": _("What is your family's total income per month, in tenge? "
                    "Type a number, for example 120 000. Or press Skip."),
        "history": _("Have you received any of these in the last 12 months? "
                     "Tick them, then press Next. If not, press «None of these»."),
        "review": _("Here is what you told me. Press a line to change it, "
                    "or see the result."),
    }[kind]


def why(step: str) -> str:
    kind = step.partition(".")[0]
    return {
        "groups": _("Assistance is given to certain groups of citizens (p. 7 and p. 9 of the "
                    "decision). Your answer decides which questions follow."),
        "check_date": _("The amounts (in MCI of that year), the income thresholds and the "
                        "deadlines depend on the day: I count them as on the day you give."),
        "group": _("Each of these groups has its own payment in p. 7 or p. 9; "
                   "the holiday payments come without an application (p. 12)."),
        "wheelchair": _("p. 9.1: 50 MCI for a walking wheelchair and 21.5 MCI for a room "
                        "wheelchair, if your individual rehabilitation programme provides it."),
        "child": _("p. 7.8 (children without parental care or with HIV), p. 7.12 (children "
                   "with a disability aged 6 to 13), p. 9.2 (taught at home), p. 9.3 (HIV)."),
        "situation": _("p. 9.11: up to 300 MCI in a difficult life situation; the grounds "
                       "are listed in p. 9."),
        "situation_date": _("p. 9: after a fire or natural disaster you must apply within one "
                            "month. The date tells whether that month has passed."),
        "age": _("p. 9.10: people over 80 who need care get up to 1 MCI a month for travel."),
        "members": _("Income is counted per person (p. 3.5): the family's income divided by "
                     "the number of its members."),
        "income": _("p. 9.6 and 9.7 are for families whose income per person is below the "
                    "poverty line; p. 9 also counts income up to 60 per cent of the subsistence "
                    "minimum as a ground. Nothing is checked here: the department checks."),
        "history": _("p. 23: assistance on the same ground is not given again within one "
                     "calendar year."),
        "review": _("Nothing is sent anywhere: this is only a check. To apply, bring the "
                    "documents to the district department or your akim."),
    }[kind]


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
