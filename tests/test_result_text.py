"""The result as chat text: long results split into readable messages, no item cut in two."""

from __future__ import annotations

from datetime import date

import pytest

from bot.i18n import create_i18n
from bot.rules import load_ruleset
from handlers.screening.answers import GROUPS, Answers
from handlers.screening.result import result_messages, split_messages

TELEGRAM_LIMIT = 4096


def test_split_keeps_blocks_whole_and_under_the_limit() -> None:
    blocks = [f"block {i} " + "x" * 900 for i in range(7)]
    messages = split_messages(blocks, limit=2000)
    assert all(len(m) <= 2000 for m in messages)
    assert "\n\n".join(messages) == "\n\n".join(blocks)  # nothing lost, nothing cut
    assert len(messages) == 4


@pytest.mark.parametrize("lang", ["kk", "ru"])
def test_a_citizen_with_every_status_gets_several_readable_messages(lang: str) -> None:
    ruleset = load_ruleset()
    answers = Answers(
        groups=list(GROUPS), statuses=[s for g in GROUPS.values() for s in g],
        has_children=True,
        children=[{"age": 8, "disabled": True, "home_schooled": True, "hiv": True,
                   "without_parental_care": True}],
        wheelchair="walking", situation="fire", occurred_on="2015-11-01", age=85, members=4,
        income="20000",
    )
    result = answers.evaluate(ruleset, date(2015, 11, 10))
    i18n = create_i18n("kk")
    with i18n.context(), i18n.use_locale(lang):
        messages = result_messages(result, answers, ruleset)
    assert len(messages) > 1
    assert all(len(m) <= TELEGRAM_LIMIT for m in messages)
    text = "\n".join(messages)
    for granted in result.benefits:  # every benefit is shown, whole, in one of them
        assert any(granted.benefit.title.get(lang) in m for m in messages)
    # >= 15: since contract revision 2 the holidays after the repeal (Aug-Oct 2016) are excluded
    assert len(result.benefits) >= 15 and text.count("•") >= len(result.benefits)
