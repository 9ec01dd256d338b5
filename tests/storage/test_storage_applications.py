"""ApplicationRepo and AuditRepo on SQLite and PostgreSQL (spec: APP_MODEL.md)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from storage.applications import ApplicationChanged, ApplicationRepo, parse_reference
from storage.audit import AuditRepo
from storage.db import create_engine, create_session_factory
from storage.models import Application, AuditEntry, Consent, Member

USER = 7_000_000_001
OTHER = 7_000_000_002
NOW = datetime(2015, 6, 1, 4, 0, tzinfo=UTC)
DAY = date(2015, 6, 1)
IIN = "750101300019"


async def _draft(repo: ApplicationRepo, user_id: int = USER, **values: Any) -> Application:
    app = await repo.create_draft(
        user_id=user_id,
        chat_id=user_id,
        language="kk",
        on_date=DAY,
        screening={"answers": {"members": 3}, "benefits": ["fire"]},
        members_count=3,
        now=NOW,
    )
    for key, value in values.items():
        setattr(app, key, value)
    await repo.save_draft(app, NOW)
    return app


async def _submitted(repo: ApplicationRepo, user_id: int = USER, **values: Any) -> Application:
    app = await _draft(repo, user_id, **values)
    await repo.submit(app, NOW, 2015)
    return app


async def test_a_draft_survives_a_new_session(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        repo = ApplicationRepo(session)
        app = await _draft(repo, full_name="Асанов Берік", monthly_income=Decimal("45000.50"))
        app.draft = {"step": "phone", "answers": {"x": "ә"}}
        await repo.save_draft(app)
        await session.commit()

    async with session_factory() as session:
        draft = await ApplicationRepo(session).draft_for(USER)
        assert draft is not None
        assert draft.status == "draft" and draft.reference is None
        assert draft.full_name == "Асанов Берік"
        assert draft.monthly_income == Decimal("45000.50")
        assert draft.draft == {"step": "phone", "answers": {"x": "ә"}}
        assert draft.created_at.tzinfo is not None
        assert await ApplicationRepo(session).draft_for(OTHER) is None


async def test_one_draft_per_user(session: AsyncSession) -> None:
    repo = ApplicationRepo(session)
    first = await _draft(repo)
    first_id = first.id
    second = await _draft(repo)
    assert second.id != first_id
    assert await repo.get(first_id) is None
    assert (await repo.draft_for(USER)) is second


async def test_submit_gives_a_reference_once(session: AsyncSession) -> None:
    repo = ApplicationRepo(session)
    app = await _draft(repo)
    version = app.version
    reference = await repo.submit(app, NOW, 2015)
    assert reference == "SZ-2015-000001"
    assert (app.status, app.reference, app.submitted_at) == ("submitted", reference, NOW)
    assert app.version == version + 1
    with pytest.raises(ApplicationChanged):  # a second tap on "Submit"
        await repo.submit(app, NOW, 2015)
    assert await repo.draft_for(USER) is None
    assert [a.reference for a in await repo.for_user(USER)] == [reference]


async def test_references_count_per_year(session: AsyncSession) -> None:
    repo = ApplicationRepo(session)
    refs = []
    for year in (2015, 2015, 2016, 2015):
        app = await _draft(repo, user_id=USER + len(refs))
        refs.append(await repo.submit(app, NOW, year))
    assert refs == ["SZ-2015-000001", "SZ-2015-000002", "SZ-2016-000001", "SZ-2015-000003"]


async def test_two_instances_submitting_at_once_get_distinct_references(
    engine: AsyncEngine,
) -> None:
    other_engine = create_engine(engine.url.render_as_string(hide_password=False))
    factories = [create_session_factory(engine), create_session_factory(other_engine)]
    try:
        ids = []
        async with factories[0]() as session:
            repo = ApplicationRepo(session)
            for i in range(8):
                ids.append((await _draft(repo, user_id=USER + i)).id)
            await session.commit()

        async def submit(i: int) -> str:
            async with factories[i % 2]() as session:
                repo = ApplicationRepo(session)
                app = await repo.get(ids[i])
                assert app is not None
                reference = await repo.submit(app, NOW, 2015)
                await session.commit()
                return reference

        references = await asyncio.gather(*(submit(i) for i in range(len(ids))))
    finally:
        await other_engine.dispose()
    assert sorted(references) == [f"SZ-2015-{n:06d}" for n in range(1, len(ids) + 1)]


async def test_change_status_is_an_optimistic_lock(
    session_factory: async_sessionmaker[AsyncSession],
) -> None:
    async with session_factory() as session:
        app = await _submitted(ApplicationRepo(session))
        await session.commit()
        app_id, seen = app.id, app.version

    async with session_factory() as first, session_factory() as second:
        mine = await ApplicationRepo(first).get(app_id)
        theirs = await ApplicationRepo(second).get(app_id)
        assert mine is not None and theirs is not None
        assert await ApplicationRepo(first).change_status(
            mine, seen, status="registered", registered_on=DAY
        )
        await first.commit()
        assert (mine.status, mine.registered_on, mine.version) == ("registered", DAY, seen + 1)
        assert not await ApplicationRepo(second).change_status(theirs, seen, status="withdrawn")
        await second.commit()

    async with session_factory() as session:
        stored = await ApplicationRepo(session).get(app_id)
        assert stored is not None and stored.status == "registered"


async def test_parts_of_an_application(session: AsyncSession) -> None:
    repo = ApplicationRepo(session)
    app = await _draft(repo)
    await repo.set_benefits(
        app.id,
        [
            {
                "benefit_id": "fire",
                "cite": "9.11",
                "amount_mci": Decimal("40"),
                "up_to": True,
                "period": "once",
            },
            {
                "benefit_id": "tsa_child",
                "cite": "7.12",
                "amount_mci": Decimal("2"),
                "period": "monthly",
                "months": 12,
                "persons": 2,
            },
        ],
    )
    await repo.set_members(
        app.id,
        [
            {
                "full_name": "Асанова Гүлнар",
                "relation": "spouse",
                "iin": "780202400027",
                "occupation": "works",
            },
            {"relation": "child", "birth_date": date(2010, 5, 5), "on_paper": True},
        ],
    )
    await repo.add_attachment(
        app.id,
        item="id_document",
        telegram_file_id="AgAD",
        file_unique_id="u1",
        mime="image/jpeg",
        size=1234,
        sha256="ab" * 32,
        path="applications/1/id_document-1.jpg",
    )
    benefits = await repo.benefits(app.id)
    assert [(b.benefit_id, b.status, b.persons) for b in benefits] == [
        ("fire", "requested", 1),
        ("tsa_child", "requested", 2),
    ]
    members = await repo.members(app.id)
    assert [(m.position, m.relation, m.on_paper) for m in members] == [
        (1, "spouse", False),
        (2, "child", True),
    ]
    await repo.set_members(app.id, [{"relation": "child"}])  # replaced, not appended
    assert len(await repo.members(app.id)) == 1
    (attachment,) = await repo.attachments(app.id)
    assert (attachment.item, attachment.size) == ("id_document", 1234)
    removed = await repo.remove_attachments(app.id, "id_document")
    assert [r.path for r in removed] == ["applications/1/id_document-1.jpg"]
    assert await repo.attachments(app.id) == []


async def test_lookups_for_staff(session: AsyncSession) -> None:
    repo = ApplicationRepo(session)
    first = await _submitted(repo, iin=IIN, phone="+77012345678")
    second = await _submitted(repo, user_id=OTHER, phone="+77770000000")
    await _draft(repo, user_id=OTHER + 1, iin=IIN)  # drafts are nobody's business yet
    assert first.reference is not None

    assert await repo.by_reference(first.reference.lower()) is first
    assert await repo.by_reference("SZ 2015 1") is first
    assert await repo.by_reference("nonsense") is None
    assert await repo.find(IIN) == [first]
    assert await repo.find("8 701 234 56 78") == [first]
    assert await repo.find(first.reference) == [first]
    assert await repo.find("Асанов") == []
    assert await repo.open_queue() == [first, second]
    assert await repo.change_status(second, second.version, status="decided")
    assert await repo.open_queue() == [first]
    assert await repo.for_user(USER) == [first]
    assert await repo.for_user(OTHER + 1) == []


def test_parse_reference() -> None:
    assert parse_reference(" sz-2015-123 ") == "SZ-2015-000123"
    assert parse_reference("SZ-2015-000123") == "SZ-2015-000123"
    assert parse_reference("2015-123") is None


async def test_granted_within_a_calendar_year(session: AsyncSession) -> None:
    repo = ApplicationRepo(session)
    app = await _submitted(repo, iin=IIN)
    (benefit,) = await repo.set_benefits(
        app.id, [{"benefit_id": "fire", "cite": "9.11", "amount_mci": 40, "period": "once"}]
    )
    assert not await repo.granted_within_year(IIN, "fire", DAY)  # only requested
    benefit.status = "granted"
    benefit.decided_at = datetime(2015, 6, 10, 5, tzinfo=UTC)
    await session.flush()
    assert await repo.granted_within_year(IIN, "fire", date(2016, 6, 9))
    assert not await repo.granted_within_year(IIN, "fire", date(2016, 6, 11))
    assert not await repo.granted_within_year(IIN, "tsa_child", date(2015, 7, 1))
    assert not await repo.granted_within_year("000000000000", "fire", date(2015, 7, 1))


async def test_expired_drafts_go_with_their_parts(session: AsyncSession) -> None:
    repo = ApplicationRepo(session)
    old = await _draft(repo)
    await repo.set_members(old.id, [{"relation": "child"}])
    await AuditRepo(session).record(old.id, USER, "citizen", "draft_started")
    await repo.record_consent(USER, "1", NOW, old)
    await repo.save_draft(old, NOW - timedelta(days=20))
    fresh = await _draft(repo, user_id=OTHER)
    submitted_old = await _submitted(repo, user_id=OTHER + 1)
    submitted_old.updated_at = NOW - timedelta(days=30)
    await session.flush()

    expired = await repo.expire_drafts(NOW - timedelta(days=14))
    session.expunge_all()
    assert expired == [old.id]
    assert await repo.get(fresh.id) is not None
    assert await repo.get(submitted_old.id) is not None
    assert await session.scalar(select(func.count()).select_from(Member)) == 0
    assert await session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    (consent,) = (await session.scalars(select(Consent))).all()
    assert consent.application_id is None  # the consent record itself is kept


async def test_audit_history_is_in_order(session: AsyncSession) -> None:
    app = await _submitted(ApplicationRepo(session))
    audit = AuditRepo(session)
    await audit.record(app.id, USER, "citizen", "submitted", "draft", "submitted", at=NOW)
    await audit.record(
        app.id,
        42,
        "staff",
        "registered",
        "submitted",
        "registered",
        {"registered_on": "2015-06-02"},
        at=NOW + timedelta(hours=1),
    )
    history = await audit.history(app.id)
    assert [(e.action, e.actor_kind, e.before, e.after) for e in history] == [
        ("submitted", "citizen", "draft", "submitted"),
        ("registered", "staff", "submitted", "registered"),
    ]
    assert history[1].details == {"registered_on": "2015-06-02"}
    assert history[0].at == NOW
