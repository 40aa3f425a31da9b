"""Reading an action file: the text (through :mod:`equipoise.io.files`), the TOML (through
:mod:`equipoise._toml`), the schema (:meth:`.schema.Action.from_mapping`) and the error message
that names, for every problem, the file, line, key, the value seen and what was expected."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

from pydantic import ValidationError

from ..._results import fmt_number
from ...errors import ActionError
from .._text import MAX_SHOWN, cut, load_toml, read_text, short
from .schema import (
    FILE_KEYS,
    TABLES,
    Action,
    BaselineRemoval,
    CorridorChange,
    EventChange,
    FlowChange,
    MembershipChange,
    max_changes,
)

#: The record each table's entries are validated as.
_RECORD = {"flow": FlowChange, "corridor": CorridorChange, "membership": MembershipChange,
           "event": EventChange, "baseline": BaselineRemoval}
#: The keys of a table's entry in the order their problems are listed (``line`` is no key).
_ENTRY_KEYS = {t: tuple(f.name for f in fields(r) if f.name != "line") for t, r in _RECORD.items()}

#: pydantic words two problems differently for dataclasses than for models; a file's reader
#: gets the one wording whatever the schema is made of.
_WORDING = {"unexpected_keyword_argument": "Extra inputs are not permitted",
            "dataclass_type": "Input should be a valid dictionary or instance of {class_name}"}


def _block_lines(text: str, table: str) -> list[int]:
    """1-based line numbers of each ``[[table]]`` header in ``text``."""
    pat = re.compile(rf"^\s*\[\[\s*{re.escape(table)}\s*\]\]\s*(#.*)?$")
    return [i + 1 for i, ln in enumerate(text.splitlines()) if pat.match(ln)]


def _key_line(text: str, start: int, key: str) -> int:
    """Line of ``key = ...`` at or after ``start`` (1-based) within the same table, else start."""
    lines = text.splitlines()
    for i in range(start, len(lines)):
        s = lines[i].strip()
        if i >= start and s.startswith("["):
            break
        if re.match(rf"^{re.escape(key)}\s*=", s):
            return i + 1
    return start


def _locate(text: str, loc: tuple) -> int:
    if not loc:
        return 1
    if loc[0] in TABLES and len(loc) > 1 and isinstance(loc[1], int):
        heads = _block_lines(text, loc[0])
        if loc[1] < len(heads):
            start = heads[loc[1]]
            return _key_line(text, start, str(loc[2])) if len(loc) > 2 else start
    for i, ln in enumerate(text.splitlines()):
        if re.match(rf"^\s*{re.escape(str(loc[0]))}\s*=", ln):
            return i + 1
    return 1


def _rank(order: tuple[str, ...], mapping, key) -> tuple[int, int]:
    """A key's place: by the schema's order, then keys it does not know in the file's order."""
    if key in order:
        return (0, order.index(key))
    keys = list(mapping) if isinstance(mapping, dict) else []
    return (1, keys.index(key) if key in keys else len(keys))


def _problem_order(data: dict, loc: tuple) -> tuple:
    """Sort key of a problem: its keys' places in the file's schema, then its entry's number."""
    out = [_rank(FILE_KEYS, data, loc[0])] if loc else []
    if len(loc) > 1 and loc[0] in TABLES and isinstance(loc[1], int):
        out.append((0, loc[1]))
        if len(loc) > 2:
            entries = data.get(loc[0])
            entry = entries[loc[1]] if isinstance(entries, list) and loc[1] < len(entries) else {}
            out.append(_rank(_ENTRY_KEYS[loc[0]], entry, loc[2]))
    return tuple(out)


def _invalid(exc: ValidationError, text: str, data: dict, where: str) -> ActionError:
    """Every problem of ``exc``: file, line, key, what was expected and the value seen (the
    first :data:`MAX_SHOWN`, located one by one; the rest counted)."""
    errors = sorted(exc.errors(), key=lambda e: _problem_order(data, tuple(e["loc"])))
    lines = []
    for e in errors[:MAX_SHOWN]:
        loc = tuple(e["loc"])
        key = ".".join(f"[{x}]" if isinstance(x, int) else str(x) for x in loc).replace(".[", "[")
        msg = _WORDING[e["type"]].format(**e.get("ctx", {})) if e["type"] in _WORDING \
            else e["msg"].removeprefix("Value error, ")
        lines.append(f"  {where} line {_locate(text, loc)}, key {key or '(top level)'}: "
                     f"{cut(msg)} (saw {short(e.get('input'))})")
    if len(errors) > MAX_SHOWN:
        lines.append(f"  ... and {fmt_number(len(errors) - MAX_SHOWN)} more")
    return ActionError(f"{where}: invalid action ({len(errors)} problem(s)):\n" + "\n".join(lines))


def parse_action(text: str, *, where: str = "<action>") -> Action:
    """Parse and validate the text of an action file.

    Raises
    ------
    ActionError
        Every problem, each naming the file, line, key, the value seen and what was expected.
    """
    data = load_toml(text, where=where, error=ActionError)
    n = sum(len(v) for k, v in data.items() if k in TABLES and isinstance(v, list))
    cap = max_changes()
    if n > cap:
        raise ActionError(f"{where}: {fmt_number(n)} changes in one action; expected at most "
                          f"{fmt_number(cap)} (equipoise.doctrine.actions.MAX_CHANGES); split the "
                          "initiative into several actions")
    try:
        return Action.from_mapping(data, path=where,
                                   lines={t: _block_lines(text, t) for t in TABLES})
    except ValidationError as exc:
        raise _invalid(exc, text, data, where) from exc


def load_action(path: str | Path) -> Action:
    """Read an action TOML file (see :mod:`equipoise.doctrine.actions` for the format).

    ``path`` may also name a shipped example (``"us-tungsten-2025"``; see
    :func:`example_actions`).
    """
    p = Path(path)
    if not p.exists():
        ex = _examples_dir().joinpath(f"{p.name.removesuffix('.toml')}.toml")
        if ex.is_file():
            return parse_action(ex.read_text(encoding="utf-8"), where=f"examples/{ex.name}")
        raise ActionError(f"{p}: no such action file (shipped examples: "
                          f"{', '.join(example_actions())})")
    return parse_action(read_text(p, what="action file", error=ActionError), where=str(p))


def _examples_dir():
    from importlib import resources

    return resources.files("equipoise.doctrine").joinpath("examples")


def example_actions() -> list[str]:
    """Names of the shipped example actions (``doctrine/examples/*.toml``)."""
    return sorted(f.name.removesuffix(".toml") for f in _examples_dir().iterdir()
                  if f.name.endswith(".toml"))
