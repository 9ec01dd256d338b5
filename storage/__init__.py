"""Storage layer: SQLAlchemy 2 models, repositories, the SQL FSM storage and migrations.

Nothing here imports aiogram handlers or bot settings; the application passes a database URL in.
"""

from storage.db import create_engine, create_session_factory
from storage.fsm import SQLStorage
from storage.migrate import upgrade, upgrade_async
from storage.models import Base, FSMState, Screening, User
from storage.repositories import ScreeningRepo, UserRepo
from storage.retention import erase_traces, forget_user, purge_expired

__all__ = [
    "Base",
    "FSMState",
    "SQLStorage",
    "Screening",
    "ScreeningRepo",
    "User",
    "UserRepo",
    "create_engine",
    "create_session_factory",
    "erase_traces",
    "forget_user",
    "purge_expired",
    "upgrade",
    "upgrade_async",
]
