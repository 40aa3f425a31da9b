"""What every result object shares, and the one number formatter.

:class:`Result` gives every result (assessment, doctrine check, evaluation, plan, shock,
corridors, Monte Carlo, product screen, alignment, blocs, engagement, domain explanation, panel
trend and index) the same four things:

* ``summary()``: plain text (and ``str()``);
* ``_repr_html_()``: HTML tables for notebooks, every value escaped;
* ``to_dict()``: plain JSON-ready data (each result defines it: it is what ``--json`` prints);
* ``compare(other, *others)``: a side-by-side :class:`pandas.DataFrame` of the summary numbers
  of two or more results of one kind (as ``linearmodels``' ``compare``), one column per result.

A result says which numbers sum it up in ``summary_numbers()`` (by default every number in
``to_dict()``, nested keys joined with dots; lists left out). The type is the distinction: a
count (products, partners, runs, years, rows), a year or a 0/1 flag is an ``int``, shown
without decimals (``2``, not ``2.000``) by ``summary()``, ``_repr_html_()`` and ``compare()``;
every other number (a share, an HHI, a value) a ``float``. It also says which tables its HTML shows in
``html_tables()`` (by default one table of the summary numbers). :class:`RichSummary` renders
``summary()`` from rich renderables instead.

It is also the one number formatter: :func:`fmt_number` (general), :func:`fmt_share`
(percentages), :func:`fmt_signed` (margins and changes), :func:`fmt_fixed` (fixed decimals) and
:func:`fmt_sig` (significant digits), each with a ``missing=`` text for None and NaN. No other
module defines a number formatter of its own (tests/core/test_formatting.py).
"""

from __future__ import annotations

import html
import io
import math
from typing import Any, ClassVar

__all__ = ["Result", "RichSummary", "fmt_fixed", "fmt_number", "fmt_share", "fmt_sig", "fmt_signed",
           "html_table"]


# --------------------------------------------------------------------------- formatting
#
# The one place numbers are formatted for people. Every formatter takes ``missing``: what None,
# NaN and ``pandas.NA`` are shown as (missing is unknown, never zero); ``True``/``False`` are
# shown as words and anything that is not a number as ``str(x)``. tests/core/test_formatting.py
# fixes every case by hand and fails if another module defines a number formatter of its own.

def _is_missing(x: Any) -> bool:
    if x is None or type(x).__name__ == "NAType":  # pandas.NA, without importing pandas
        return True
    try:
        return (isinstance(x, float) and math.isnan(x)) or (
            hasattr(x, "dtype") and x.dtype.kind == "f" and math.isnan(float(x)))
    except (TypeError, ValueError):  # pragma: no cover - odd array-likes
        return False


def _number(x: Any, missing: str) -> str | float | int:
    """``x`` as a float or an int ready to format, or the text to show instead (``missing``,
    a boolean's word, or ``str(x)`` for a non-number)."""
    if _is_missing(x):
        return missing
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return str(bool(x))
    if isinstance(x, int) or type(x).__name__.startswith(("int", "uint")):
        return int(x)
    if isinstance(x, float) or type(x).__name__.startswith("float"):
        return float(x)
    return str(x)


def fmt_number(x: Any, digits: int = 3, *, missing: str = "n/a") -> str:
    """A number as shown to people: whole numbers with thousands separators (``1,000,000``),
    other numbers with ``digits`` decimals (``0.123``), from 1,000 up without decimals
    (``12,346``), tiny non-zero numbers with ``digits`` significant digits (``0.000123``);
    ``missing`` (``n/a``) for None and NaN. Anything that is not a number is returned as
    ``str(x)``."""
    if _is_missing(x):
        return missing
    if isinstance(x, bool) or type(x).__name__ == "bool_":
        return str(bool(x))
    if isinstance(x, int) or type(x).__name__.startswith(("int", "uint")):
        return f"{int(x):,}"
    try:
        v = float(x)
    except (TypeError, ValueError):
        return str(x)
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if v != 0 and abs(v) < 10.0 ** -digits:
        return f"{v:.{digits}g}"
    return f"{v:.{digits}f}"


def fmt_share(x: Any, digits: int = 1, *, missing: str = "n/a", signed: bool = False,
              small_digits: int | None = None) -> str:
    """A share (0..1) as a percentage with ``digits`` decimals (``0.1234`` -> ``12.3%``);
    ``signed`` puts ``+`` before a positive one (a change: ``+12.3%``); ``small_digits``
    decimals for a share under 1 % (``0.0042`` -> ``0.42%`` with 2); ``missing`` (``n/a``)
    for None and NaN."""
    v = _number(x, missing)
    if isinstance(v, str):
        return v
    if small_digits is not None and abs(v) < 0.01:
        digits = small_digits
    return f"{v:{'+' if signed else ''}.{digits}%}"


def fmt_signed(x: Any, digits: int = 3, missing: str = "-", *,
               whole_from: float | None = 100) -> str:
    """A signed number, as a rule's margin is shown: ``+0.064``, ``-0.043``, ``+0.000``;
    from ``whole_from`` up (in absolute value) without sign or decimals and with thousands
    separators (``1,234``; ``None``: never); ``missing`` (``-``) for None and NaN."""
    v = _number(x, missing)
    if isinstance(v, str):
        return v
    if whole_from is not None and abs(v) >= whole_from:
        return f"{v:,.0f}"
    return f"{v:+.{digits}f}"


def fmt_fixed(x: Any, digits: int = 3, missing: str = "-", *, thousands: bool = False) -> str:
    """A number with exactly ``digits`` decimals (``0.958``, ``12345.000``), as an index and
    its interval are shown in a column; ``thousands`` puts separators in (``12,345.000``);
    ``missing`` (``-``) for None and NaN."""
    v = _number(x, missing)
    return v if isinstance(v, str) else f"{v:{',' if thousands else ''}.{digits}f}"


def fmt_sig(x: Any, digits: int = 4, missing: str = "-", *, thousands: bool = True,
            signed: bool = False) -> str:
    """A number with ``digits`` significant digits and thousands separators (``600``,
    ``0.1235``, ``1.235e+06``), as raw values of many sizes are shown side by side;
    ``thousands=False`` leaves the separators out (``fmt_sig(x, 6, thousands=False)`` is
    Python's ``{x:g}``: a threshold or a parameter as written, ``0.5``, ``12345``); ``signed``
    puts ``+`` before a positive one (``+0.064``); ``missing`` (``-``) for None and NaN."""
    v = _number(x, missing)
    if isinstance(v, str):
        return v
    return f"{v:{'+' if signed else ''}{',' if thousands else ''}.{digits}g}"


#: columns (and summary numbers named so, or ending in ``.year``) holding a year, a period or a
#: line number: shown as a plain whole number (2019, not 2,019)
PLAIN_WHOLE = ("year", "period", "start_year", "end_year", "line")


def _plain(name: Any) -> bool:
    name = str(name)
    return name in PLAIN_WHOLE or name.endswith(".year")


def _shown(x: Any, plain: bool = False) -> str:
    """A table cell as text: numbers through :func:`fmt_number`, a whole number in a
    :data:`PLAIN_WHOLE` column (``plain``) as is, None empty."""
    if plain and not _is_missing(x) and not isinstance(x, bool):
        try:
            v = float(x)
        except (TypeError, ValueError):
            v = math.nan
        if v.is_integer():
            return str(int(v))
    return (fmt_number(x) if isinstance(x, (int, float)) or hasattr(x, "dtype")
            else "" if x is None else str(x))


def _cell(x: Any, plain: bool = False) -> str:
    return html.escape(_shown(x, plain))


def html_table(table, caption: str = "") -> str:
    """A :class:`pandas.DataFrame` (or a list of ``(name, value)`` rows) as an HTML table,
    every header and cell escaped, numbers through :func:`fmt_number` (a year, period or line
    number, :data:`PLAIN_WHOLE`, as a plain whole number: 2019, not 2,019)."""
    if isinstance(table, list):
        head = ["", "value"]
        body = [[name, value] for name, value in table]
        plain = [[False, _plain(name)] for name, _ in table]
    else:
        index = table.index.name is not None or not _is_range(table.index)
        head = ([table.index.name or ""] if index else []) + [str(c) for c in table.columns]
        body = [([i] if index else []) + list(row)
                for i, row in zip(table.index, table.itertuples(index=False), strict=True)]
        cols = ([table.index.name] if index else []) + list(table.columns)
        plain = [[_plain(c) for c in cols]] * len(body)
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    th = "".join(f"<th>{html.escape(str(h))}</th>" for h in head)
    rows = "".join("<tr>" + "".join(f"<td>{_cell(c, p)}</td>" for c, p in zip(r, ps, strict=True))
                   + "</tr>" for r, ps in zip(body, plain, strict=True))
    return f"<table>{cap}<thead><tr>{th}</tr></thead><tbody>{rows}</tbody></table>"


def _is_range(index) -> bool:
    return type(index).__name__ == "RangeIndex" and index.start == 0 and index.step == 1


def _flatten(d: dict, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        elif isinstance(v, int) and not isinstance(v, bool):
            out[key] = v  # a count stays an int (shown without decimals)
        elif isinstance(v, float):
            out[key] = v
    return out


# --------------------------------------------------------------------------- base classes

class Result:
    """Base of every result object: ``summary()``, ``_repr_html_()``, ``to_dict()`` and
    ``compare()`` (see the module docstring)."""

    def to_dict(self) -> dict:  # pragma: no cover - every result defines it
        raise NotImplementedError(f"{type(self).__name__} defines no to_dict()")

    def heading(self) -> str:
        """One line naming the result (the heading of its HTML and default summary)."""
        return type(self).__name__

    def compare_label(self) -> str:
        """A short name for the result's column in :meth:`compare`."""
        return type(self).__name__

    def summary_numbers(self) -> dict[str, float]:
        """The numbers that sum the result up, by name (what :meth:`compare` sets side by
        side): counts, years and 0/1 flags as ``int``, the rest as ``float``. Default: every
        number of ``to_dict()``, nested keys joined with dots."""
        return _flatten(self.to_dict())

    def html_tables(self) -> list[tuple[str, Any]]:
        """``(caption, table)`` pairs shown by ``_repr_html_`` (a DataFrame or ``(name,
        value)`` rows). Default: one table of :meth:`summary_numbers`."""
        return [("", list(self.summary_numbers().items()))]

    def summary(self) -> str:
        """Plain-text summary. Default: the heading and the summary numbers, one a line."""
        nums = self.summary_numbers()
        width = max((len(k) for k in nums), default=0)
        return "\n".join([self.heading(), *(f"  {k:<{width}}  {_shown(v, True) if _plain(k) else fmt_number(v)}"
                                          for k, v in nums.items())])

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        parts = [f"<div><b>{html.escape(self.heading())}</b>"]
        parts += [html_table(t, caption) for caption, t in self.html_tables()]
        return "".join(parts) + "</div>"

    def compare(self, other: Result, *others: Result, names=None):
        """Side by side: a :class:`pandas.DataFrame` with one row per summary number and one
        column per result (this one first), for two or more results of the same kind.

        ``names`` labels the columns (default: each result's :meth:`compare_label`, made
        unique). A number one result lacks is NaN. A quantity every result gives as an ``int``
        (a count, a year, a flag) stays an ``int``, shown without decimals (``2``); the others
        are floats, shown as pandas shows floats (the columns are of dtype ``object`` when there
        are counts, else ``float``; ``.astype(float)`` for arithmetic). Results of another kind raise
        :class:`OptionError`.
        """
        import pandas as pd

        from .errors import OptionError

        results = [self, other, *others]
        for r in results[1:]:
            if type(r) is not type(self):
                raise OptionError(f"compare: expecting results of the same kind "
                                  f"({type(self).__name__}). Got {type(r).__name__}.")
        labels = list(names) if names is not None else [r.compare_label() for r in results]
        if len(labels) != len(results):
            raise OptionError(f"compare: expecting {len(results)} names. Got {len(labels)}.")
        labels = _unique([str(x) for x in labels])
        nums = [r.summary_numbers() for r in results]
        keys = list(dict.fromkeys(k for n in nums for k in n))
        whole = {k for k in keys if all(_is_int(n[k]) for n in nums if k in n)}
        df = pd.DataFrame({lab: [(int(n[k]) if k in whole else float(n[k])) if k in n
                                 else math.nan for k in keys]
                           for lab, n in zip(labels, nums, strict=True)},
                          index=pd.Index(keys, name="quantity"),
                          dtype=object if whole else float)
        return df


class WrappedResult(Result):
    """A result that carries another beside what was asked for (a run's plan, a sensitivity
    table): its heading, summary, summary numbers and so ``compare()`` are those of the result
    in the attribute named by ``wrapped``."""

    wrapped: ClassVar[str]

    def _inner(self) -> Result:
        return getattr(self, self.wrapped)

    def heading(self) -> str:
        return self._inner().heading()

    def summary_numbers(self) -> dict[str, float]:
        return self._inner().summary_numbers()

    def summary(self) -> str:
        return self._inner().summary()


def _is_int(x: Any) -> bool:
    """A summary number that is a count (an ``int``, numpy's too; not a bool or a float)."""
    return (isinstance(x, int) or type(x).__name__.startswith(("int", "uint"))) and not (
        isinstance(x, bool))


def _unique(labels: list[str]) -> list[str]:
    out: list[str] = []
    for i, lab in enumerate(labels):
        out.append(lab if labels.count(lab) == 1 else f"{lab} ({i + 1})")
    return out


class RichSummary(Result):
    """A :class:`Result` whose ``summary()`` and ``str()`` come from ``self.renderables()``
    (rich tables and text)."""

    summary_width = 140

    def renderables(self) -> list:  # pragma: no cover - each result defines it
        raise NotImplementedError

    def summary(self) -> str:
        """Plain-text summary (the CLI's human output, without colour)."""
        from rich.console import Console

        # force_jupyter=False: in a notebook rich would otherwise also display the tables
        console = Console(record=True, width=self.summary_width, color_system=None,
                          file=io.StringIO(), force_jupyter=False)
        for renderable in self.renderables():
            console.print(renderable)
        return console.export_text()
