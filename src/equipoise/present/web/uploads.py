"""Uploads: an action TOML or a flows CSV, read size-capped as UTF-8 text and parsed (never
executed, never stored, no path taken from the client); an uploaded flows CSV assessed in a
worker (:func:`assess_upload`)."""

from __future__ import annotations

import re

from ..._results import fmt_number
from ...errors import InputError, NoDataError
from ..views import Context, clean
from .status import PayloadTooLarge, UnsupportedUpload

__all__ = ["assess_upload", "read_action_form", "read_upload"]

_NAME_OK = re.compile(r"[^A-Za-z0-9._-]")


async def read_upload(file, limit: int, kind: str = ".toml") -> tuple[str, str]:
    """The text of an uploaded TOML or CSV file: size-capped, UTF-8, no NUL bytes; its name is
    only shown (sanitised), never used as a path."""
    name = _NAME_OK.sub("_", (file.filename or "upload").rsplit("/", 1)[-1].rsplit("\\", 1)[-1])[:64]
    if not name.lower().endswith(kind):
        what = "an action file" if kind == ".toml" else "a flows file"
        raise UnsupportedUpload(f"{name}: expecting {what} ending in {kind}")
    data = await file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"{name}: over the upload limit of {fmt_number(limit)} bytes")
    if b"\x00" in data:
        raise UnsupportedUpload(f"{name}: binary content; expecting a TOML text file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnsupportedUpload(f"{name}: not UTF-8 text (byte {exc.start}); expecting a TOML "
                                "text file") from exc
    return text, name


async def read_action_form(form, limit: int) -> tuple[str | None, str, str | None]:
    file = form.get("file")
    example = form.get("example") or None
    if isinstance(example, str):
        example = example.strip() or None
    if file is not None and not isinstance(file, str) and getattr(file, "filename", None):
        text, name = await read_upload(file, limit)
        return text, name, None
    if example is None:
        raise InputError("choose an action file (.toml) to upload or pick a shipped example")
    return None, "example", example


def assess_upload(doctrine, text: str, name: str, *, focal: str | None, year: int | None,
                   lenient: bool, max_rows: int | None, full: bool) -> dict:
    """Assess an uploaded flows CSV (in a worker): the assessment JSON, or with ``full`` what the
    data page shows (assessment, sources, counts, quarantine, focal state)."""
    fs = _flows_from_csv(text, name, lenient=lenient, max_rows=max_rows)
    f = focal or _guess_focal(fs)
    if not f:
        raise NoDataError(f"{name}: no valid rows to assess")
    sub = Context(fs, focal=f, doctrine=doctrine if f == doctrine.focal else None)
    a = sub.assess_json(year)
    if not full:
        return a
    return {"a": a, "sources": sub.sources_json(), "focal": f, "counts": dict(fs.counts),
            "quarantine": clean(fs.quarantine)}


def _flows_from_csv(text: str, name: str, *, lenient: bool, max_rows: int | None = None):
    """Canonical flows from uploaded CSV text (validated like ``equipoise validate``); more than
    ``max_rows`` rows is refused (413) before validation."""
    from ...io.flows import read_flows_bytes

    # The same parser as `equipoise validate`: physical line numbers, ragged rows and quote
    # errors quarantined (lenient) or reported (strict), every problem of a row named.
    # Read leniently first so that the row cap (413) is decided before any row problem (422);
    # a strict upload with problems is then read again strictly for the full report.
    data = text.encode("utf-8")
    fs = read_flows_bytes(data, source=name, lenient=True)
    n = int(fs.counts["read"])
    if max_rows is not None and n > max_rows:
        raise PayloadTooLarge(f"{name}: {fmt_number(n)} rows; at most {fmt_number(max_rows)} rows are assessed "
                              "per upload (assess a larger file with `equipoise assess --data`)")
    if not lenient and len(fs.quarantine):
        fs = read_flows_bytes(data, source=name, lenient=False)
    return fs


def _guess_focal(fs) -> str | None:
    reporters = fs.data["reporter"].value_counts()
    return str(reporters.index[0]) if len(reporters) else None

