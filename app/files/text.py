"""The text in a document, for the library's search. Runs in the upload worker process
(app.imports.parsing): a hostile PDF costs that capped process, not the server."""

from __future__ import annotations

import html
import io
import re
import zipfile

MAX_CHARS = 200_000
MAX_PAGES = 300
_TAG = re.compile(r"<[^>]+>")
_BREAK = re.compile(r"</(w:p|a:p|si|row)>")


def text_of(filename: str, content: bytes) -> str:
    """Plain text of a PDF, Office or text file; empty for images and what cannot be read."""
    name = filename.lower()
    try:
        if name.endswith(".pdf"):
            found = _pdf(content)
        elif name.endswith((".docx", ".pptx", ".xlsx")):
            found = _office(content)
        elif name.endswith((".txt", ".csv")):
            found = _decoded(content)
        else:
            found = ""
    except Exception:  # a broken file still goes into the library, only without its text
        found = ""
    return " ".join(found.split())[:MAX_CHARS]


def _pdf(content: bytes) -> str:
    from pypdf import PdfReader  # only in the worker

    reader = PdfReader(io.BytesIO(content))
    parts = []
    for page in reader.pages[:MAX_PAGES]:
        parts.append(page.extract_text() or "")
        if sum(map(len, parts)) > MAX_CHARS:
            break
    return "\n".join(parts)


def _office(content: bytes) -> str:
    archive = zipfile.ZipFile(io.BytesIO(content))
    wanted = [
        n
        for n in archive.namelist()
        if n == "word/document.xml" or re.fullmatch(r"ppt/slides/slide\d+\.xml", n) or n == "xl/sharedStrings.xml"
    ]
    parts = []
    for member in wanted:
        xml = archive.read(member)[: 10 * MAX_CHARS].decode("utf-8", "replace")
        parts.append(html.unescape(_TAG.sub(" ", _BREAK.sub("\n", xml))))
    return "\n".join(parts)


def _decoded(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("cp1252", "replace")
