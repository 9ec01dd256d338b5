"""What is kept about a citizen, and for how long.

* :func:`forget_user` erases everything about one user on their request (``/forget``).
* :func:`purge_expired` erases conversations left unfinished for longer than the retention
  period (``DATA_DAYS``); :func:`purge` is its periodic job.
* :func:`erase_traces` makes what was deleted unrecoverable from the SQLite files: deleted rows
  are overwritten with zeros (``secure_delete``, set on every connection in ``storage.db``),
  and the write-ahead log, which still holds the old pages, is copied back and emptied.

Submitted applications are the district department's records and are never erased here;
application drafts go with :func:`forget_user` here, and expire after ``DRAFT_DAYS`` by
``bot.services.drafts.purge_drafts`` (with their files). Consents follow their application:
:func:`forget_user` erases those of drafts (and of drafts erased before), and keeps a
submitted application's without the user's id (docs/operators.md, "Retention and erasure").
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.fsm import KEY_SEPARATOR
from storage.handled import HandledUpdateRepo
from storage.models import Application, Consent, FSMState, Screening, User, utcnow
from storage.unit import note_user

# How often the periodic purge runs: the retention period is counted in days.
PURGE_EVERY_SECONDS = 3600.0


async def forget_user(session: AsyncSession, user_id: int) -> None:
    """Erase everything kept about ``user_id``: the state and answers of each of their
    conversations (every FSM record keyed to them), their saved checks, their unfinished
    application and its consent, their user row (with their language). A submitted
    application's consent stays with it, without the user's id. The caller commits, then
    calls :func:`erase_traces`.

    A conversation state kept in Redis is cleared by the caller through its FSM context.
    """
    await session.execute(delete(FSMState).where(FSMState.key.in_(
        await _fsm_keys_of(session, user_id)
    )))
    await session.execute(delete(Screening).where(Screening.user_id == user_id))
    # Consents, before the drafts they were given with: a draft's goes (as do those of drafts
    # cancelled or expired before, left with no application); a submitted application keeps
    # the record that consent was given, and which text, no longer whose.
    drafts = select(Application.id).where(
        Application.user_id == user_id, Application.status == "draft")
    await session.execute(delete(Consent).where(
        Consent.user_id == user_id,
        or_(Consent.application_id.is_(None), Consent.application_id.in_(drafts)),
    ))
    await session.execute(
        update(Consent).where(Consent.user_id == user_id).values(user_id=None))
    # An unfinished application (its files: bot.services.drafts.erase_drafts_of, which /forget
    # calls first); submitted ones are the department's records and stay.
    await session.execute(delete(Application).where(
        Application.user_id == user_id, Application.status == "draft"))
    await session.execute(delete(User).where(User.id == user_id))
    note_user(session, user_id, None)  # and out of the per-process cache of languages


async def _fsm_keys_of(session: AsyncSession, user_id: int) -> list[str]:
    # storage.fsm.build_key: bot_id:chat_id:user_id:thread_id:business_connection_id:destiny.
    # LIKE narrows the search; the exact user part decides (user 7 is not user 70).
    sep, uid = KEY_SEPARATOR, str(user_id)
    like = FSMState.key.like(f"%{sep}{uid}{sep}%")
    keys = await session.scalars(select(FSMState.key).where(like))
    return [key for key in keys if key.split(sep)[2:3] == [uid]]


async def purge_expired(
    session: AsyncSession, *, older_than: timedelta, now: datetime | None = None
) -> int:
    """Erase the conversations (FSM records: a check in progress, its answers) untouched for
    longer than ``older_than``; returns how many. The caller commits, then erases traces.

    Saved checks ("my last result") and users' language are kept.
    """
    cutoff = (now or utcnow()) - older_than
    result = await session.execute(delete(FSMState).where(FSMState.updated_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


async def erase_traces(session: AsyncSession) -> None:
    """After a commit that erased personal data: on SQLite, checkpoint the write-ahead log
    into the (zeroed) database pages and truncate it. Nothing to do on PostgreSQL, whose
    autovacuum reclaims deleted rows."""
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        await connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")


async def purge(
    session_factory: async_sessionmaker[AsyncSession], *, older_than: timedelta
) -> int:
    """One run of the periodic purge, in its own transaction."""
    async with session_factory() as session:
        erased = await purge_expired(session, older_than=older_than)
        await session.commit()
        if erased:
            await erase_traces(session)
        return erased


# Telegram keeps an unconfirmed update for a day: an id older than this cannot come again.
KEEP_HANDLED_UPDATES = timedelta(days=2)


async def purge_handled_updates(
    session_factory: async_sessionmaker[AsyncSession],
    *,
    older_than: timedelta = KEEP_HANDLED_UPDATES,
) -> int:
    """Forget the ids of updates handled long ago (the table stays small)."""
    async with session_factory() as session:
        erased = await HandledUpdateRepo(session).purge(utcnow() - older_than)
        await session.commit()
    return erased
