"""Documents citizens send with an application: which files are accepted, and their copy in the
application's folder under the data directory (``DATA_DIR/applications/<id>/``).

A file is taken for what its first bytes say it is, not for its name or the type the client
declared: a page or a program named ``scan.pdf`` is refused, and nothing of it is kept. Its
download stops at the size limit, whatever size Telegram announced.
"""

from __future__ import annotations

import hashlib
import io
import logging
import mimetypes
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram import Bot
from aiogram.types import Message

from bot.parsing import InputError
from storage.limits import text_limit
from storage.models import Attachment

log = logging.getLogger(__name__)

MAX_FILE_BYTES = 20 * 1024 * 1024  # a bot can download files up to 20 MB
ACCEPTED = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
# How each accepted kind begins: the content decides what a file is.
SIGNATURES = {
    "application/pdf": b"%PDF-",
    "image/jpeg": b"\xff\xd8\xff",
    "image/png": b"\x89PNG\r\n\x1a\n",
}
HEAD = max(len(signature) for signature in SIGNATURES.values())
# Telegram's ids are URL-safe base64. A file_unique_id becomes part of a file's name on disk:
# anything else in it (a slash, a dot) is refused before any download or path is made.
PATH_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")
FILE_NAME_MAX = text_limit(Attachment.file_name)
FILE_ID_MAX = text_limit(Attachment.telegram_file_id)
UNIQUE_ID_MAX = text_limit(Attachment.file_unique_id)
EXTENSION_KEPT = 16  # a longer "extension" is no extension: the name is cut as it is


@dataclass(frozen=True)
class Incoming:
    """A photo or document of a message, before it is downloaded (the type as declared)."""

    file_id: str
    file_unique_id: str
    file_name: str | None
    mime: str
    size: int | None


def kind_of(head: bytes) -> str | None:
    """The accepted type (MIME) a file's first bytes show; None when they show none."""
    for mime, signature in SIGNATURES.items():
        if head.startswith(signature):
            return mime
    return None


def short_file_name(name: str | None, limit: int = FILE_NAME_MAX) -> str | None:
    """A name that fits its column: a longer one keeps its extension and loses the end of its
    stem (``'ааа…ааа.pdf'`` → ``'ааа….pdf'``)."""
    if name is None or len(name) <= limit:
        return name
    stem, dot, extension = name.rpartition(".")
    if not dot or not stem or len(extension) > EXTENSION_KEPT:
        return name[: limit - 1] + "…"
    return stem[: limit - len(extension) - 2] + "…." + extension


def incoming_file(message: Message) -> Incoming | None:
    """The message's photo or document; None when it has neither; InputError file_type or
    file_too_large when it cannot be accepted, file_failed when Telegram's ids are not ids."""
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
        found = Incoming(doc.file_id, doc.file_unique_id, short_file_name(doc.file_name), mime,
                         doc.file_size)
    else:
        return None
    if not (PATH_SEGMENT.fullmatch(found.file_unique_id)
            and len(found.file_unique_id) <= UNIQUE_ID_MAX and len(found.file_id) <= FILE_ID_MAX):
        log.warning("file refused: its Telegram ids are not of Telegram's form")  # not the ids
        raise InputError("file_failed")
    if found.size is not None and found.size > MAX_FILE_BYTES:
        raise InputError("file_too_large")
    return found


class CappedBuffer(io.BytesIO):
    """Where a download goes: it stops the download (InputError) once more than ``limit``
    bytes came, or once the first bytes show the file is none of the accepted kinds."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit
        self.head = b""

    def write(self, chunk: Any, /) -> int:
        data = memoryview(chunk).cast("B")
        if self.tell() + len(data) > self.limit:
            raise InputError("file_too_large")
        if len(self.head) < HEAD:
            self.head += bytes(data[: HEAD - len(self.head)])
            if len(self.head) == HEAD and kind_of(self.head) is None:
                raise InputError("file_content")
        return super().write(data)


def application_folder(data_dir: Path, application_id: int) -> Path:
    return data_dir / "applications" / str(application_id)


@dataclass(frozen=True)
class Saved:
    path: str  # relative to the data directory
    size: int
    sha256: str
    mime: str  # as its content shows


async def download(
    bot: Bot, incoming: Incoming, data_dir: Path, application_id: int, name: str
) -> Saved:
    """Fetch the file from Telegram into the application's folder as ``name.<ext>``, the
    extension of what its content is. InputError file_too_large (the download stopped at the
    limit) or file_content (not an accepted kind): nothing is written."""
    if not PATH_SEGMENT.fullmatch(name):
        raise InputError("file_failed")  # a file's name on disk is of these letters only
    buffer = CappedBuffer(MAX_FILE_BYTES)
    await bot.download(incoming.file_id, destination=buffer)
    content = buffer.getvalue()
    mime = kind_of(content[:HEAD])
    if mime is None:
        raise InputError("file_content")
    folder = application_folder(data_dir, application_id)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{name}.{ACCEPTED[mime]}"
    target.write_bytes(content)
    return Saved(
        path=str(target.relative_to(data_dir)),
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        mime=mime,
    )


def remove_file(data_dir: Path, relative: str | None) -> None:
    if relative:
        (data_dir / relative).unlink(missing_ok=True)


def remove_folder(data_dir: Path, application_id: int) -> None:
    """Erase an application's files (a draft that expired or was cancelled)."""
    shutil.rmtree(application_folder(data_dir, application_id), ignore_errors=True)
