"""Where to apply: the district department, the akims' offices, and the settlements they serve.

Pure data (no aiogram, no SQL), read from ``places.toml`` beside this file:

    from bot.places import load_places
    places = load_places()
    places.department.name.get("kk")
    places.office_for("tasty").phone       # "" when unknown: show nothing
    [s.name.get(lang) for s in places.settlements]
"""

from bot.places.data import (
    OFFICE_KINDS,
    OTHER,
    SETTLEMENT_KINDS,
    Office,
    Places,
    PlacesError,
    Settlement,
    load_places,
    parse_places,
)

__all__ = [
    "OFFICE_KINDS", "OTHER", "SETTLEMENT_KINDS", "Office", "Places", "PlacesError",
    "Settlement", "load_places", "parse_places",
]
