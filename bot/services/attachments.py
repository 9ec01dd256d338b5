"""Documents citizens send with an application: which files are accepted, and their copy in the
application's folder under the data directory (``DATA_DIR/applications/<id>/``)."""

from __future__ import annotations

import hashlib
import io
import mimetypes
import shutil
from dataclasses import dataclass
from pathlib import Path

from aiogram import Bot
from aiogram.types import Message

from bot.parsing import InputError

MAX_FILE_BYTES = 20 * 1024 * 1024  # a bot can download files up to 20 MB
ACCEPTED = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}


@dataclass(frozen=True)
class Incoming:
    """A photo or document of a message, before it is downloaded."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime: str
    size: int | None

    @property
    def extension(self) -> str:
        return ACCEPTED[self.mime]


def incoming_file(message: Message) -> Incoming | None:
    """The message's photo or document; None when it has neither; InputError file_type or
    file_too_large when it cannot be accepted."""
    if message.photo:
        photo = message.photo[-1]  # the largest size Telegram made
        found = Incoming(photo.file_id, photo.file_unique_id, None, "image/jpeg", photo.file_size)
    elif message.document is not None:
        doc = message.document
        mime = doc.mime_type or (mimetypes.guess_type(doc.file_name or "")[0] or "")
        if mime == "image/jpg":
            mime = "image/jpeg"
        if mime not in ACCEPTED:
            raise InputError("file_type")
        found = Incoming(doc.file_id, doc.file_unique_id, doc.file_name, mime, doc.file_size)
    else:
        return None
    if found.size is not None and found.size > MAX_FILE_BYTES:
        raise InputError("file_too_large")
    return found


def application_folder(data_dir: Path, application_id: int) -> Path:
    return data_dir / "applications" / str(application_id)


@dataclass(frozen=True)
class Saved:
    path: str  # relative to the data directory
    size: int
    sha256: str


async def download(
    bot: Bot, incoming: Incoming, data_dir: Path, application_id: int, name: str
) -> Saved:
    """Fetch the file from Telegram into the application's folder as ``name.<ext>``."""
    buffer = io.BytesIO()
    await bot.download(incoming.file_id, destination=buffer)
    content = buffer.getvalue()
    if len(content) > MAX_FILE_BYTES:
        raise InputError("file_too_large")
    folder = application_folder(data_dir, application_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.{incoming.extension}"
    target.write_bytes(content)
    return Saved(
        path=str(target.relative_to(data_dir)),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
    )


def remove_file(data_dir: Path, relative: str | None) -> None:
    if relative:
        (data_dir / relative).unlink(missing_ok=True)


def remove_folder(data_dir: Path, application_id: int) -> None:
    """Erase an application's files (a draft that expired or was cancelled)."""
    shutil.rmtree(application_folder(data_dir, application_id), ignore_errors=True)
