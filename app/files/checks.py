"""Which files the portal takes: a short list of document and image types, each recognised by its
first bytes and not only by its name, and never one that runs code (macros, HTML, scripts)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from app.imports.reading import UnreadableFile, check_archive

MAX_BYTES = 20 * 1024 * 1024
ZIP = b"PK\x03\x04"


@dataclass(frozen=True)
class FileType:
    label: str
    media_type: str
    magic: bytes | None  # None: text, checked by decoding


TYPES = {
    ".pdf": FileType("PDF", "application/pdf", b"%PDF-"),
    ".docx": FileType("Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP),
    ".xlsx": FileType("Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP),
    ".pptx": FileType("PowerPoint", "application/vnd.openxmlformats-officedocument.presentationml.presentation", ZIP),
    ".png": FileType("PNG", "image/png", b"\x89PNG\r\n\x1a\n"),
    ".jpg": FileType("JPEG", "image/jpeg", b"\xff\xd8\xff"),
    ".jpeg": FileType("JPEG", "image/jpeg", b"\xff\xd8\xff"),
    ".txt": FileType("Text", "text/plain", None),
    ".csv": FileType("CSV", "text/csv", None),
}
ACCEPT = ",".join(TYPES)  # for the file inputs' accept attribute


def suffix(filename: str) -> str:
    dot = filename.rfind(".")
    return filename[dot:].lower() if dot > 0 else ""


def clean_name(filename: str) -> str:
    """The file's own name without a path, control or direction characters, at most 200 characters."""
    name = re.split(r"[\\/]", filename)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip(" .")
    if len(name) > 200:
        name = name[: 200 - len(suffix(name))] + suffix(name)
    return name


def checked_type(filename: str, content: bytes) -> FileType:
    """The file's type, or UnreadableFile saying in German why it is refused."""
    kind = TYPES.get(suffix(filename))
    if kind is None:
        allowed = ", ".join(sorted({t.label for t in TYPES.values()}))
        raise UnreadableFile(f"Dateien dieser Art nimmt das Portal nicht an. Erlaubt sind: {allowed}.")
    if not content:
        raise UnreadableFile("Die Datei ist leer.")
    if len(content) > MAX_BYTES:
        raise UnreadableFile(f"Die Datei ist größer als {MAX_BYTES // (1024 * 1024)} MB.")
    if kind.magic is None:
        _check_text(content)
    elif not content.startswith(kind.magic):
        raise UnreadableFile(f"Die Datei ist keine echte {kind.label}-Datei (ihr Inhalt passt nicht zur Endung).")
    if kind.magic == ZIP:
        _check_office(content, kind)
    return kind


def _check_text(content: bytes) -> None:
    if b"\x00" in content[:65536]:
        raise UnreadableFile("Die Datei ist keine Textdatei.")
    head = content[:1024].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html", b"<script", b"<svg", b"<?xml")):
        raise UnreadableFile("HTML-, SVG- und XML-Dateien nimmt das Portal nicht an.")


def _check_office(content: bytes, kind: FileType) -> None:
    check_archive(content)  # a zip bomb is refused by the sizes it declares
    names = zipfile.ZipFile(io.BytesIO(content)).namelist()
    if "[Content_Types].xml" not in names:
        raise UnreadableFile(f"Die Datei ist keine echte {kind.label}-Datei.")
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        raise UnreadableFile("Dateien mit Makros nimmt das Portal nicht an; bitte ohne Makros speichern.")
