"""Tables out of result objects: CSV and Excel exports (``--csv FILE``, ``--xlsx FILE``).

Every command that prints a table writes the same numbers its ``--json`` prints, as tables:
:func:`to_tables` turns the JSON form of a result (``result.to_dict()``, the dictionary
``--json`` prints) into named DataFrames, so the two can never disagree.

How a result becomes tables
---------------------------
* Top-level values that are single numbers or text go into one ``summary`` table (one row);
  a nested dictionary of single values (``total`` of ``simulate``) becomes columns named
  ``total.mean``, ``total.var_95``, ...; a list of single values becomes one text cell (JSON).
* A list of records (``rules``, ``rows``, ``series``) becomes a table of that name.
* A dictionary of records (``domains`` of ``assess``) becomes a table with one row per key,
  the key in the first column (``domain``, ``partner`` or ``key``).
* A dictionary of single values (``losses`` of ``shock``, ``shares`` of ``explain``) becomes
  a two-column table (key, value).
* A cell that still holds a list or dictionary is written as JSON text.
* ``assess`` adds a long ``shares`` table (domain, partner, share) out of each domain's
  shares.

Column names are made readable with their units (:data:`LABELS`: ``share`` is written
``share (0-1)``, ``value_usd`` ``value (USD)``); :func:`raw_name` maps a label back.

One CSV, several tables
-----------------------
A CSV holds one table. When a result has several, :func:`write_csv` stacks them into one
file with a leading ``table`` column naming the table of each row (columns are the union;
a cell that a table does not have is empty). :func:`read_csv` splits such a file back into
its tables (``pandas.read_csv`` reads it as it is). ``--xlsx`` writes one sheet per table
instead.

Spreadsheet safety: every text cell of a CSV goes through
:func:`equipoise.io.files.escape_formula` (via :func:`equipoise.io.files.write_csv`), so a
value from an input file that starts with ``=``, ``+``, ``-`` or ``@`` is not run as a formula.
The workbook is written with XlsxWriter's ``strings_to_formulas`` off: text is stored as text.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from .._results import fmt_number

__all__ = [
    "LABELS",
    "csv_bytes",
    "key_column",
    "label",
    "raw_name",
    "read_csv",
    "read_xlsx",
    "to_tables",
    "write_csv",
    "write_xlsx",
    "xlsx_bytes",
]

#: Readable column names with units. Shares, probabilities and losses are fractions (0-1).
LABELS: dict[str, str] = {
    "share": "share (0-1)",
    "top_share": "top share (0-1)",
    "screen_share": "screen share (0-1)",
    "hhi": "HHI (0-1)",
    "hhi_10000": "HHI (0-10,000)",
    "hhi_normalised": "HHI normalised (0-1)",
    "hhi_upper": "HHI upper bound (0-1)",
    "effective_partners": "effective partners (count)",
    "n_partners": "partners (count)",
    "substitutability": "substitutability (0-1)",
    "loss": "loss (share of domain, 0-1)",
    "total": "total loss (0-1)",
    "fraction_lost": "fraction lost (0-1)",
    "intensity": "intensity (0-1)",
    "value_usd": "value (USD)",
    "visits_share": "visits share (0-1)",
    "agreements_share": "agreements share (0-1)",
    "value_share": "value share (0-1)",
    "probability": "probability (0-1)",
    "frequency": "frequency (0-1)",
    "tail_frequency": "tail frequency (0-1)",
    "tail_loss_share": "tail loss share (0-1)",
    "current": "current share (0-1)",
    "target": "target share (0-1)",
    "shift": "shift (share, -1 to 1)",
    "capacity": "capacity (share, 0-1)",
    "cvar_before": "CVaR before (loss, 0-1)",
    "cvar_after": "CVaR after (loss, 0-1)",
    "var_before": "VaR before (loss, 0-1)",
    "var_after": "VaR after (loss, 0-1)",
    "cvar_reduction": "CVaR reduction (loss, 0-1)",
    "volatility": "volatility (0-1)",
    "elapsed_seconds": "elapsed (s)",
    "rows": "rows (count)",
    "n_rollcalls": "roll calls (count)",
    # a result's own field named "table" would clash with the stacked CSV's table column
    "table": "table (field)",
}

_INVERSE = {v: k for k, v in LABELS.items()}

#: The first column of a table made from a dictionary of records, by the table's name.
_KEYS = {
    "domains": "domain", "by_domain": "domain", "losses": "domain", "weights": "domain",
    "substitutability": "domain", "corridor_losses": "domain", "model_used": "domain",
    "predictability": "domain", "margins": "rule", "indicator_years": "indicator",
    "shares": "partner", "agreement": "pole", "domains_led": "pole", "leaders": "domain",
    "pole_shares": "domain", "thresholds": "threshold",
}

_SCALAR = (str, int, float, bool, type(None))


def key_column(table: str) -> str:
    """The first column of a table made from a dictionary (``domains`` -> ``domain``): its
    keys. In a stacked CSV read back the columns come in the file's order, so look it up."""
    return _KEYS.get(table.rsplit(".", 1)[-1], "key")


def label(name: str) -> str:
    """The readable column name of ``name`` (``share`` -> ``share (0-1)``); the last dotted
    part is labelled (``total.mean`` stays as it is)."""
    return LABELS.get(name, name)


def raw_name(name: str) -> str:
    """The result's own field name of a readable column name (inverse of :func:`label`)."""
    return _INVERSE.get(name, name)


def _cell(value: Any) -> Any:
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return None
    if isinstance(value, _SCALAR):
        return value
    return json.dumps(value, ensure_ascii=False, default=str)


def _is_records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _frame(rows: list[dict], key: str | None = None, keys: list[str] | None = None):
    import pandas as pd

    recs = []
    for i, r in enumerate(rows):
        rec = {key: keys[i]} if key is not None else {}
        for k, v in r.items():
            rec[str(k)] = _cell(v)
        recs.append(rec)
    return pd.DataFrame.from_records(recs)


def _walk(name: str, value: Any, tables: dict, summary: dict) -> None:
    import pandas as pd

    last = name.rsplit(".", 1)[-1]
    if isinstance(value, _SCALAR):
        summary[name] = _cell(value)
    elif _is_records(value):
        tables[name] = _frame(value)
    elif isinstance(value, list):
        summary[name] = _cell(value)
    elif isinstance(value, dict):
        if not value:
            return
        vals = list(value.values())
        key = key_column(last)
        if all(isinstance(v, _SCALAR) for v in vals):
            tables[name] = pd.DataFrame({key: [str(k) for k in value],
                                         "value": [_cell(v) for v in vals]})
        elif all(isinstance(v, dict) for v in vals):
            tables[name] = _frame(vals, key=key, keys=[str(k) for k in value])
        else:
            for k, v in value.items():
                _walk(f"{name}.{k}", v, tables, summary)
    else:
        summary[name] = _cell(value)


def to_tables(result: Any, kind: str | None = None) -> dict:
    """Named DataFrames holding the numbers of ``result`` (a result object with ``to_dict()``,
    a dictionary as ``--json`` prints it, or a list of records). ``kind`` is the command name;
    ``assess`` gets a long ``shares`` table (domain, partner, share) and its doctrine check is
    left out (the same rules are the ``rules`` table). The first table is ``summary`` when the
    result has top-level single values."""
    import pandas as pd

    data = result.to_dict() if hasattr(result, "to_dict") and not isinstance(
        result, (dict, list, pd.DataFrame)) else result
    if isinstance(data, pd.DataFrame):
        return {kind or "table": data.copy()}
    if isinstance(data, list):
        from .._json import clean as _clean
        from .._json import shown_paths as _shipped_paths

        data = _shipped_paths(_clean(data))
        return {kind or "table": _frame(data) if _is_records(data) else
                pd.DataFrame({"value": [_cell(v) for v in data]})}
    from .._json import clean as _clean
    from .._json import shown_paths as _shipped_paths

    data = _shipped_paths(_clean(dict(data)))  # the numbers and names --json prints
    extra: dict = {}
    if kind == "assess":
        doctrine = dict(data.get("doctrine") or {})
        doctrine.pop("check", None)
        data["doctrine"] = doctrine
        rows = []
        domains = data.get("domains") or {}
        for dom, d in domains.items():
            for partner, share in (d.get("shares") or {}).items():
                rows.append({"domain": dom, "partner": partner, "share": _cell(share)})
        data["domains"] = {dom: {k: v for k, v in d.items() if k != "shares"}
                           for dom, d in domains.items()}
        extra["shares"] = pd.DataFrame.from_records(
            rows, columns=["domain", "partner", "share"])
    tables: dict = {}
    summary: dict = {}
    for k, v in data.items():
        _walk(str(k), v, tables, summary)
    out: dict = {}
    if summary:
        out["summary"] = pd.DataFrame([summary])
    if kind == "assess":
        for first in ("domains", "shares", "rules"):
            if first in tables or first in extra:
                out[first] = tables.pop(first) if first in tables else extra.pop(first)
    out.update(tables)
    out.update(extra)
    return out


def _labelled(df):
    return df.rename(columns={c: label(c) for c in df.columns})


def _stacked(tables: dict):
    import pandas as pd

    if len(tables) == 1:
        return _labelled(next(iter(tables.values())))
    parts = []
    for name, df in tables.items():
        part = _labelled(df).copy()
        part.insert(0, "table", name)
        parts.append(part)
    return pd.concat(parts, ignore_index=True, sort=False)


def write_csv(tables: dict, path: str | Path) -> Path:
    """Write ``tables`` to one CSV: a single table as it is, several stacked with a leading
    ``table`` column (see the module notes). Text cells are escaped against formula
    injection. Raises :class:`equipoise.errors.OutputFileError` if the file cannot be written."""
    from ..io.files import write_csv as _write

    return _write(_stacked(tables), path, what="CSV export")


def _escaped(df):
    from ..io.files import escape_formula

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype).startswith(("str", "string")):
            out[col] = out[col].astype(object).map(escape_formula)
    return out


def csv_bytes(tables: dict) -> bytes:
    """The CSV :func:`write_csv` writes, as UTF-8 bytes (the dashboard's downloads)."""
    return _escaped(_stacked(tables)).to_csv(index=False).encode("utf-8")


def xlsx_bytes(tables: dict, *, sources=None) -> bytes:
    """The workbook :func:`write_xlsx` writes, as bytes (the dashboard's downloads)."""
    import io

    buf = io.BytesIO()
    write_xlsx(tables, buf, sources=sources)
    return buf.getvalue()


def read_csv(path: str | Path) -> dict:
    """The tables of a CSV written by :func:`write_csv`, with the result's own column names
    (units taken off); a file without a ``table`` column is one table named ``table``."""
    import pandas as pd

    df = pd.read_csv(path, low_memory=False)  # stacked tables: mixed types per column
    if "table" not in df.columns:
        return {"table": df.rename(columns=raw_name)}
    out = {}
    for name in dict.fromkeys(df["table"]):
        part = df[df["table"] == name].drop(columns="table").dropna(axis=1, how="all")
        out[str(name)] = part.reset_index(drop=True).rename(columns=raw_name)
    return out


_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def _sheet_names(names) -> list[str]:
    seen: set[str] = set()
    out = []
    for n in names:
        base = _BAD_SHEET.sub("_", str(n))[:31] or "table"
        s, i = base, 2
        while s.lower() in seen:
            suffix = f"~{i}"
            s, i = base[:31 - len(suffix)] + suffix, i + 1
        seen.add(s.lower())
        out.append(s)
    return out


#: Excel's limit on the characters of one cell (Microsoft, "Excel specifications and limits").
XLSX_CELL_MAX = 32_767
CUT_MARK = " [cut: {n} characters in all; the CSV and --json hold the whole text]"


def _fit_cells(df):
    """``df`` with every text cell longer than Excel allows cut, saying so in the cell (a
    workbook would otherwise refuse or silently truncate it)."""
    def fit(v):
        if isinstance(v, str) and len(v) > XLSX_CELL_MAX:
            mark = CUT_MARK.format(n=fmt_number(len(v)))
            return v[:XLSX_CELL_MAX - len(mark)] + mark
        return v

    obj = [c for c in df.columns if df[c].dtype.kind in "OSU"
           or str(df[c].dtype).startswith("str")]
    if not obj or not any(df[c].map(lambda v: isinstance(v, str) and len(v) > XLSX_CELL_MAX)
                          .any() for c in obj):
        return df
    out = df.copy()
    for c in obj:
        out[c] = out[c].map(fit)
    return out


def write_xlsx(tables: dict, path: str | Path, *, sources=None) -> Path:
    """Write ``tables`` to one workbook, a sheet per table (sheet names cut to Excel's 31
    characters; an ``index`` sheet lists each sheet's table), plus a ``sources`` sheet when
    ``sources`` (a DataFrame, e.g. :func:`equipoise.explain.source_table`) is given. Text is
    stored as text, never as a formula or a link."""
    import pandas as pd

    from ..errors import OutputFileError
    from ..io.files import display_path

    p = Path(path) if isinstance(path, (str, Path)) else path
    all_tables = dict(tables)
    if sources is not None:
        all_tables["sources"] = sources
    names = _sheet_names(["index", *all_tables])
    index = pd.DataFrame({"sheet": names[1:], "table": list(all_tables),
                          "rows": [len(t) for t in all_tables.values()]})
    try:
        with pd.ExcelWriter(p, engine="xlsxwriter", engine_kwargs={"options": {
                "strings_to_formulas": False, "strings_to_urls": False,
                "nan_inf_to_errors": False}}) as xw:
            index.to_excel(xw, sheet_name=names[0], index=False)
            for sheet, df in zip(names[1:], all_tables.values(), strict=True):
                _fit_cells(_labelled(df)).to_excel(xw, sheet_name=sheet, index=False)
                ws = xw.sheets[sheet]
                for i, col in enumerate(_labelled(df).columns):
                    ws.set_column(i, i, min(60, max(10, len(str(col)) + 2)))
    except ModuleNotFoundError as exc:
        raise OutputFileError("writing a workbook needs XlsxWriter "
                              f"(pip install 'equipoise[report]'): {exc}") from None
    except OSError as exc:
        raise OutputFileError(f"{display_path(p)}: cannot write the workbook "
                              f"({exc.strerror or exc})") from None
    return p


def read_xlsx(path: str | Path) -> dict:
    """The tables of a workbook written by :func:`write_xlsx` (by table name, with the
    result's own column names); needs openpyxl."""
    import pandas as pd

    sheets = pd.read_excel(path, sheet_name=None)
    index = sheets.pop("index")
    return {t: sheets[s].rename(columns=raw_name) for s, t in zip(index["sheet"], index["table"],
                                                                 strict=True)}


def export(result: Any, *, kind: str, csv: Path | None = None, xlsx: Path | None = None,
           sources=None) -> None:
    """Write ``result``'s tables to ``csv`` and/or ``xlsx`` (the CLI's ``--csv``/``--xlsx``)."""
    if csv is None and xlsx is None:
        return
    tables = to_tables(result, kind)
    if csv is not None:
        write_csv(tables, csv)
    if xlsx is not None:
        write_xlsx(tables, xlsx, sources=sources)
