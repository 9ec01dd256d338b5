"""The rules engine: maslikhat decision No. 241 as data, evaluated for a profile.

Pure Python: imports neither aiogram nor the storage layer.

    from bot.rules import load_ruleset, evaluate, parse_profile
    result = evaluate(parse_profile(data))
    result.to_dict()
"""

from bot.rules.calendar import Calendar, default_calendar, is_working_day, nth_working_day_after
from bot.rules.engine import (
    NOT_IN_FORCE_ON_PAYMENT_DAY,
    Exclusion,
    GrantedBenefit,
    Result,
    Thresholds,
    Timeline,
    evaluate,
    report_deadline,
    today_almaty,
)
from bot.rules.profile import (
    STATUSES,
    Child,
    HistoryEntry,
    Profile,
    ProfileError,
    Situation,
    parse_profile,
)
from bot.rules.ruleset import (
    EXPIRED,
    IN_FORCE,
    NOT_YET_IN_FORCE,
    REPEALED,
    Benefit,
    DatedSeries,
    DatedValue,
    Document,
    Equation,
    Metadata,
    Repeal,
    Ruleset,
    RulesetError,
    Text,
    load_ruleset,
    parse_ruleset,
)

__all__ = [
    "EXPIRED", "IN_FORCE", "NOT_IN_FORCE_ON_PAYMENT_DAY", "NOT_YET_IN_FORCE", "REPEALED",
    "STATUSES", "Benefit", "Calendar", "Child", "DatedSeries", "DatedValue", "Document",
    "Equation", "Exclusion", "GrantedBenefit", "HistoryEntry", "Metadata", "Profile",
    "ProfileError", "Repeal", "Result", "Ruleset", "RulesetError", "Situation", "Text",
    "Thresholds", "Timeline", "default_calendar", "evaluate", "is_working_day", "load_ruleset",
    "nth_working_day_after", "parse_profile", "parse_ruleset", "report_deadline", "today_almaty",
]
