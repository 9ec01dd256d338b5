"""The application's words: labels, questions, the consent text and input errors."""

from __future__ import annotations

from aiogram.utils.i18n import gettext as _

# The consent text's version, recorded with every consent: change it when the text changes.
CONSENT_VERSION = "2015.1"


def relation_labels() -> dict[str, str]:
    return {
        "spouse": _("Spouse"),
        "child": _("Child"),
        "parent": _("Parent"),
        "sibling": _("Brother or sister"),
        "grandchild": _("Grandchild"),
        "other": _("Other relative"),
    }


def occupation_labels() -> dict[str, str]:
    return {
        "works": _("Works"),
        "pensioner": _("Pensioner"),
        "pupil": _("Pupil or student"),
        "unemployed": _("Not working"),
        "other": _("Other"),
    }


def step_title(step: str) -> str:
    kind = step.partition(".")[0]
    return {
        "consent": _("Consent to the use of your personal data"),
        "benefits": _("What you apply for"),
        "name": _("Your full name"),
        "iin": _("Your IIN"),
        "phone": _("Your phone number"),
        "place": _("Where you live"),
        "member": _("Your family (Appendix 1)"),
        "situation": _("What happened"),
        "documents": _("Documents"),
        "review": _("Check and send"),
    }[kind]


def consent_text(draft_days: int) -> str:
    return _(
        "Before you apply, the Law «On personal data and their protection» (No. 94-V) asks for "
        "your consent.\n\n"
        "<b>What I collect:</b> your full name, IIN, phone number and address; the names, IINs "
        "or dates of birth and occupations of your family members; your family's income; what "
        "happened to you; the photos and scans of documents you send.\n"
        "<b>Why:</b> to prepare your application for social assistance under decision No. 241 "
        "and hand it to the district department.\n"
        "<b>Who sees it:</b> only the staff of the district department of employment and social "
        "programmes. "
        "Nobody else.\n"
        "<b>How long:</b> an unfinished application is erased after {days} days; a submitted "
        "one is kept by the department as the record of your application.\n"
        "<b>How to withdraw:</b> /cancel erases an unfinished application at once; a submitted "
        "one you can withdraw in «My applications», or by telling the department.\n\n"
        "Do you agree?"
    ).format(days=draft_days)


def paper_text() -> str:
    return _(
        "Without your consent I keep nothing. You can apply on paper: come to the district "
        "department of employment and social programmes in Sholakkorgan or to the akim of your "
        "settlement or "
        "rural okrug, fill in the application there and bring the documents below (originals "
        "and copies, p. 13–14)."
    )


def input_error(reason: str) -> str:
    return {
        "name_digits": _("A name has no digits. Please type your full name in letters, for "
                         "example: Асанов Берік Серікұлы."),
        "name_letters": _("Please use the letters of the Kazakh or Russian alphabet, as in the "
                          "identity document, for example: Асанов Берік Серікұлы."),
        "name_words": _("Please type 2 to 4 words: surname, name and, if you have one, "
                        "patronymic."),
        "name_too_long": _("A full name can have at most {limit} characters. Please type it "
                           "as in the identity document."),
        "iin_not_12_digits": _("An IIN has exactly 12 digits. Please type it as it is written "
                               "in the identity document."),
        "iin_bad_checksum": _("This IIN has a mistake: its last digit does not match. Please "
                              "check every digit against the identity document."),
        "iin_bad_birth_date": _("The first digits of this IIN are not a date of birth. Please "
                                "check it against the identity document."),
        "iin_of_a_member": _("This IIN is already given for a member of your family. Please "
                             "type your own IIN, from your identity document."),
        "iin_is_yours": _("This is your own IIN. Please type the IIN or the date of birth of "
                          "this family member."),
        "iin_repeated": _("This IIN is already given for another family member. Please check "
                          "it against this person's document."),
        "bad_phone": _("I could not read that number. Please type a mobile number like "
                       "+7 701 234 56 78 or 8 701 234 56 78, or press «📱 Share my number»."),
        "not_own_contact": _("Please share your own number with the button below, or type it."),
        "member_line": _("Please type the name and, at the end, the IIN or the date of birth, "
                         "for example: Асанова Гүлнар 780202400025 or Асанов Ерлан 05.05.2010."),
        "bad_date": _("I could not read that date. Please type it like 05.05.2010."),
        "future": _("That date is in the future. Please check it."),
        "too_early": _("That date is too long ago. Please check the year."),
        "too_long": _("That is longer than {limit} characters. Please say it more briefly."),
        "not_a_number": _("Please type the income with digits, for example 120000."),
        "negative": _("The number cannot be negative."),
        "too_small": _("That number is too small here."),
        "too_large": _("That number is too large. Please check it."),
        "file_type": _("I accept photos, JPG and PNG pictures and PDF scans only. Please send "
                       "the document in one of these forms."),
        "file_content": _("This file is not a photo, a JPG or PNG picture or a PDF scan inside, "
                          "whatever its name says, so I did not keep it. Please send a photo or "
                          "a PDF scan of the document."),
        "file_too_large": _("This file is larger than 20 MB: Telegram does not let me receive "
                            "it. Please send a photo of the document instead."),
        "too_many_files": _("This document already has {limit} files, the most I take. Choose "
                            "the next document, or remove these files and send them again."),
        "no_item": _("Please choose below which document you are sending."),
        "file_failed": _("I could not receive this file. Please send it again."),
        "want_file": _("Here please send a photo or a PDF scan of the document, or use the "
                       "buttons below."),
        "use_buttons": _("Here please use the buttons below."),
        "need_benefit": _("Please tick at least one kind of assistance."),
        "need_name": _("Please type your full name first."),
        "need_iin": _("Please type your IIN first."),
        "need_phone": _("Please share or type your phone number first."),
        "need_place": _("Please choose your settlement and type your street and house."),
        "need_member": _("Please give this person's name with IIN or date of birth, the "
                         "relation and the occupation, or press «I'll bring this on paper»."),
        "need_description": _("Please describe briefly what happened."),
    }[reason]
