"""The application conversation: consent, the applicant, the family, the situation, the
documents, the review and the submission (p. 13–15 of the decision, Appendix 1 of the Standard
Rules). The draft lives in the database (``applications`` with status "draft"); the FSM keeps
only the state, the id of the screen message and whether the share-contact keyboard is up.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command, StateFilter

from handlers.application.context import Applying
from handlers.application.entry import (
    agree,
    cancel,
    decline,
    open_application,
    restart,
    resume,
)
from handlers.application.keyboards import ACB
from handlers.application.steps import on_button, on_contact, on_file, on_other, on_text
from handlers.filters import TYPED, Magic
from handlers.keyboards import MenuCB


def build_router() -> Router:
    router = Router(name="application")
    router.callback_query.register(open_application, MenuCB.filter(F.item == "apply"))
    router.callback_query.register(resume, MenuCB.filter(F.item == "resume_app"))
    router.callback_query.register(resume, ACB.filter(F.act == "resume"))
    router.callback_query.register(restart, ACB.filter(F.act == "restart"))
    consent, active = StateFilter(Applying.consent), StateFilter(Applying.active)
    router.callback_query.register(agree, ACB.filter(F.act == "agree"), consent)
    router.callback_query.register(decline, ACB.filter(F.act == "decline"), consent)
    router.callback_query.register(on_button, ACB.filter(), active)
    router.message.register(cancel, Command("cancel"), active)
    router.message.register(cancel, Command("cancel"), consent)
    router.message.register(on_text, active, Magic(TYPED))
    router.message.register(on_contact, active, Magic(F.contact))
    router.message.register(on_file, active, Magic(F.photo | F.document))
    router.message.register(on_other, active, Magic(~F.text))
    return router
