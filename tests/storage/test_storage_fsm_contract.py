"""One FSM storage contract, run against SQLStorage (SQLite and PostgreSQL) and aiogram's
RedisStorage: our storage must behave like the one it replaces."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.fsm.state import State, StatesGroup
from aiogram.fsm.storage.base import BaseStorage, StorageKey

pytestmark = pytest.mark.asyncio

BOT_ID = 42


class Screening(StatesGroup):
    age = State()
    income = State()


def key(
    chat_id: int = 100, user_id: int = 100, thread_id: int | None = None, destiny: str = "default"
) -> StorageKey:
    return StorageKey(
        bot_id=BOT_ID, chat_id=chat_id, user_id=user_id, thread_id=thread_id, destiny=destiny
    )


async def test_unknown_key_has_no_state_and_no_data(fsm_storage: BaseStorage) -> None:
    assert await fsm_storage.get_state(key()) is None
    assert await fsm_storage.get_data(key()) == {}
    assert await fsm_storage.get_value(key(), "missing") is None
    assert await fsm_storage.get_value(key(), "missing", "fallback") == "fallback"


async def test_set_and_get_state(fsm_storage: BaseStorage) -> None:
    await fsm_storage.set_state(key(), "Screening:age")
    assert await fsm_storage.get_state(key()) == "Screening:age"

    await fsm_storage.set_state(key(), "Screening:income")
    assert await fsm_storage.get_state(key()) == "Screening:income"


async def test_state_accepts_a_state_object(fsm_storage: BaseStorage) -> None:
    await fsm_storage.set_state(key(), Screening.income)
    assert await fsm_storage.get_state(key()) == "Screening:income"
    assert await fsm_storage.get_state(key()) == Screening.income.state


async def test_set_and_get_data(fsm_storage: BaseStorage) -> None:
    data = {"lang": "kk", "children": 3, "answers": {"income": 41000.5, "ok": True}}
    await fsm_storage.set_data(key(), data)
    assert await fsm_storage.get_data(key()) == data
    assert await fsm_storage.get_value(key(), "children") == 3

    await fsm_storage.set_data(key(), {"only": "this"})
    assert await fsm_storage.get_data(key()) == {"only": "this"}  # set_data replaces


async def test_cyrillic_survives(fsm_storage: BaseStorage) -> None:
    data = {"name": "Айгүл Сейітқызы", "город": "Шолаққорған"}
    await fsm_storage.set_data(key(), data)
    assert await fsm_storage.get_data(key()) == data


async def test_update_data_merges_and_returns_new_data(fsm_storage: BaseStorage) -> None:
    await fsm_storage.set_data(key(), {"a": 1, "b": 2})
    result = await fsm_storage.update_data(key(), {"b": 20, "c": 30})
    assert result == {"a": 1, "b": 20, "c": 30}
    assert await fsm_storage.get_data(key()) == {"a": 1, "b": 20, "c": 30}


async def test_update_data_on_empty_key_creates_data(fsm_storage: BaseStorage) -> None:
    assert await fsm_storage.update_data(key(), {"x": None}) == {"x": None}
    assert await fsm_storage.get_data(key()) == {"x": None}
    assert await fsm_storage.get_state(key()) is None


async def test_state_and_data_are_independent(fsm_storage: BaseStorage) -> None:
    await fsm_storage.set_state(key(), Screening.age)
    await fsm_storage.set_data(key(), {"a": 1})

    await fsm_storage.set_state(key(), None)  # leaving the state keeps the data
    assert await fsm_storage.get_data(key()) == {"a": 1}

    await fsm_storage.set_state(key(), Screening.age)
    await fsm_storage.set_data(key(), {})  # emptying the data keeps the state
    assert await fsm_storage.get_state(key()) == "Screening:age"


async def test_clear(fsm_storage: BaseStorage) -> None:
    """What FSMContext.clear() does: set_state(None) then set_data({})."""
    await fsm_storage.set_state(key(), Screening.age)
    await fsm_storage.set_data(key(), {"a": 1})

    await fsm_storage.set_state(key(), None)
    await fsm_storage.set_data(key(), {})

    assert await fsm_storage.get_state(key()) is None
    assert await fsm_storage.get_data(key()) == {}
    # and the key is usable again afterwards
    await fsm_storage.update_data(key(), {"again": True})
    assert await fsm_storage.get_data(key()) == {"again": True}


async def test_keys_are_isolated_per_user_and_per_chat(fsm_storage: BaseStorage) -> None:
    alice, bob = key(chat_id=1, user_id=1), key(chat_id=1, user_id=2)
    alice_in_group = key(chat_id=-1001, user_id=1)
    alice_in_topic = key(chat_id=-1001, user_id=1, thread_id=7)
    other_destiny = key(chat_id=1, user_id=1, destiny="dialog")
    other_bot = StorageKey(bot_id=BOT_ID + 1, chat_id=1, user_id=1)

    await fsm_storage.set_state(alice, Screening.age)
    await fsm_storage.set_data(alice, {"who": "alice"})

    for other in (bob, alice_in_group, alice_in_topic, other_destiny, other_bot):
        assert await fsm_storage.get_state(other) is None, other
        assert await fsm_storage.get_data(other) == {}, other

    await fsm_storage.set_state(bob, Screening.income)
    await fsm_storage.set_data(bob, {"who": "bob"})
    await fsm_storage.update_data(alice_in_group, {"who": "alice in the group"})

    assert await fsm_storage.get_state(alice) == "Screening:age"
    assert await fsm_storage.get_data(alice) == {"who": "alice"}
    assert await fsm_storage.get_state(bob) == "Screening:income"
    assert await fsm_storage.get_data(bob) == {"who": "bob"}
    assert await fsm_storage.get_data(alice_in_group) == {"who": "alice in the group"}

    await fsm_storage.set_state(bob, None)
    await fsm_storage.set_data(bob, {})
    assert await fsm_storage.get_state(alice) == "Screening:age"
    assert await fsm_storage.get_data(alice) == {"who": "alice"}


async def test_data_is_a_copy_not_a_shared_reference(fsm_storage: BaseStorage) -> None:
    original: dict[str, Any] = {"list": [1, 2], "nested": {"k": "v"}}
    await fsm_storage.set_data(key(), original)

    original["list"].append(3)  # mutating what was passed in ...
    original["added"] = True
    assert await fsm_storage.get_data(key()) == {"list": [1, 2], "nested": {"k": "v"}}

    first = await fsm_storage.get_data(key())
    first["list"].append(99)  # ... or what was read back changes nothing stored
    first["nested"]["k"] = "changed"
    first["new"] = 1
    second = await fsm_storage.get_data(key())
    assert second == {"list": [1, 2], "nested": {"k": "v"}}
    assert second is not first

    merged = await fsm_storage.update_data(key(), {"x": 1})
    merged["x"] = 2
    assert await fsm_storage.get_value(key(), "x") == 1
