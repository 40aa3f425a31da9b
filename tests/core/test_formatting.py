"""The one number formatter (``equipoise._results``): every case of every formatter against a
string written by hand (missing, negative, zero, sign, large, tiny, booleans, non-numbers,
numpy and pandas scalars), and a check that no other module defines a number formatter of its
own."""

from __future__ import annotations

import ast
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from equipoise._results import fmt_fixed, fmt_number, fmt_share, fmt_sig, fmt_signed

NAN = float("nan")
SRC = Path(__file__).resolve().parents[2] / "src" / "equipoise"


# --------------------------------------------------------------------------- fmt_signed

@pytest.mark.parametrize("x, want", [
    (0.0642, "+0.064"), (-0.0433, "-0.043"), (0.0, "+0.000"), (-0.0, "-0.000"),
    (2.0, "+2.000"), (99.9994, "+99.999"), (-99.9, "-99.900"),
    (100.0, "100"), (-100.0, "-100"), (12345.6, "12,346"), (-12345.6, "-12,346"),
    (None, "-"), (NAN, "-"), (np.nan, "-"), (pd.NA, "-"),
    (5, "+5.000"), (np.int64(-3), "-3.000"), (np.float64(0.5), "+0.500"),
    (np.float32(0.25), "+0.250"), (True, "True"), (False, "False"), ("abc", "abc"),
    (math.inf, "inf"), (-math.inf, "-inf"),
])
def test_fmt_signed(x, want):
    assert fmt_signed(x) == want


def test_fmt_signed_digits_missing_and_no_switch_to_whole_numbers():
    assert fmt_signed(0.12345, 2) == "+0.12"
    assert fmt_signed(None, missing="n/a") == fmt_signed(NAN, 3, "n/a") == "n/a"
    # whole_from=None: a doctrine check shows every margin with its sign and decimals
    assert fmt_signed(1234.5678, whole_from=None) == "+1234.568"
    assert fmt_signed(-150.0, whole_from=None) == "-150.000"
    assert fmt_signed(50.0, whole_from=10) == "50"


# --------------------------------------------------------------------------- fmt_share

@pytest.mark.parametrize("x, want", [
    (0.1234, "12.3%"), (1, "100.0%"), (0, "0.0%"), (0.0, "0.0%"), (-0.05, "-5.0%"),
    (0.00049, "0.0%"), (1.5, "150.0%"), (np.float64(0.736), "73.6%"), (np.int64(1), "100.0%"),
    (None, "n/a"), (NAN, "n/a"), (pd.NA, "n/a"), (True, "True"), ("abc", "abc"),
])
def test_fmt_share(x, want):
    assert fmt_share(x) == want


def test_fmt_share_digits_missing_sign_and_small_shares():
    assert fmt_share(0.1234, 2) == "12.34%"
    assert fmt_share(0.1234, 0) == "12%"
    assert fmt_share(0.125, 0) == "12%"  # round half to even, as Python's format
    assert fmt_share(None, missing="-") == fmt_share(NAN, 0, missing="-") == "-"
    assert fmt_share(NAN, 0, missing="") == ""
    assert fmt_share(None, missing="unknown") == "unknown"
    # signed: a change
    assert fmt_share(0.1234, signed=True) == "+12.3%"
    assert fmt_share(-0.1234, signed=True) == "-12.3%"
    assert fmt_share(0.0, signed=True) == "+0.0%"
    # small_digits: a share under 1 % with more decimals (a focal state's weight in a pole)
    assert fmt_share(0.0042, small_digits=2) == "0.42%"
    assert fmt_share(0.0, small_digits=2) == "0.00%"
    assert fmt_share(0.0099, small_digits=2) == "0.99%"
    assert fmt_share(0.01, small_digits=2) == "1.0%"
    assert fmt_share(0.3456, small_digits=2) == "34.6%"
    assert fmt_share(-0.0042, small_digits=2, signed=True) == "-0.42%"


# --------------------------------------------------------------------------- fmt_fixed

@pytest.mark.parametrize("x, want", [
    (0.95843, "0.958"), (-0.95843, "-0.958"), (0, "0.000"), (0.0, "0.000"),
    (0.0004, "0.000"), (12345.6789, "12345.679"), (7, "7.000"), (np.float64(0.5), "0.500"),
    (None, "-"), (NAN, "-"), (pd.NA, "-"), (True, "True"), ("abc", "abc"),
])
def test_fmt_fixed(x, want):
    assert fmt_fixed(x) == want


def test_fmt_fixed_digits_and_missing():
    assert fmt_fixed(0.123, 2) == "0.12"
    assert fmt_fixed(7.05, 0) == "7"
    assert fmt_fixed(None, 2, "n/a") == "n/a"
    # thousands: a large number with separators (a capacity, a flow)
    assert fmt_fixed(12345.678, 0, thousands=True) == "12,346"
    assert fmt_fixed(-1234.5, 1, thousands=True) == "-1,234.5"
    assert fmt_fixed(999.0, 0, thousands=True) == "999"
    assert fmt_fixed(None, 0, thousands=True) == "-"


# --------------------------------------------------------------------------- fmt_sig

@pytest.mark.parametrize("x, want", [
    (600.0, "600"), (600, "600"), (0.12345, "0.1235"), (-0.12345, "-0.1235"), (0, "0"),
    (0.0, "0"), (1234.5, "1,234"), (12345.0, "1.234e+04"), (1_500_000, "1.5e+06"),
    (0.0001234, "0.0001234"), (np.int64(42), "42"), (np.float64(0.6), "0.6"),
    (None, "-"), (NAN, "-"), (pd.NA, "-"), (True, "True"), ("abc", "abc"),
])
def test_fmt_sig(x, want):
    assert fmt_sig(x) == want


def test_fmt_sig_digits_and_missing():
    assert fmt_sig(0.12345, 2) == "0.12"
    assert fmt_sig(None, missing="") == fmt_sig(NAN, 4, "") == ""


@pytest.mark.parametrize("x, want", [
    (0.5, "0.5"), (12345.0, "12345"), (1234567.0, "1.23457e+06"), (0.00001, "1e-05"),
    (5, "5"), (-2.5, "-2.5"), (95.0, "95"), (None, "-"), (NAN, "-"),
])
def test_fmt_sig_without_thousands_is_a_number_as_written(x, want):
    # fmt_sig(x, 6, thousands=False): a threshold or a parameter as the user wrote it
    assert fmt_sig(x, 6, thousands=False) == want


def test_fmt_sig_signed():
    assert fmt_sig(0.0642, 3, thousands=False, signed=True) == "+0.0642"
    assert fmt_sig(-0.0433, 3, thousands=False, signed=True) == "-0.0433"
    assert fmt_sig(0.0, 3, thousands=False, signed=True) == "+0"
    assert fmt_sig(12345.0, 3, signed=True) == "+1.23e+04"
    assert fmt_sig(None, 3, signed=True) == "-"


# --------------------------------------------------------------------------- fmt_number

@pytest.mark.parametrize("x, want", [
    (0.0, "0.000"), (-0.12345, "-0.123"), (-2, "-2"), (-12345.6, "-12,346"),
    (-0.000123, "-0.000123"), (pd.NA, "n/a"), ("0.5", "0.500"),
])
def test_fmt_number_more_cases(x, want):
    assert fmt_number(x) == want


def test_fmt_number_missing():
    assert fmt_number(None, missing="-") == "-"
    assert fmt_number(NAN, 2, missing="") == ""


# --------------------------------------------------------------------------- one formatter

#: names of a number formatter; only equipoise._results defines functions with such names
FORMATTER_NAME = re.compile(r"^_?(fmt|num|number|pct|percent)(_\w+)?$|^_?\w+_(fmt|pct)$")

#: (module, function) pairs that match the pattern but are allowed, each with its reason
ALLOWED = {
    # G8 moves this page to a router (another branch); route it through _results after both
    ("present/views.py", "_num"): "parses a value to float or None; formats nothing",
    ("measures/screen.py", "_number"): "writes an SQL literal as Ibis does, not for people",
}


def _formatter_defs() -> list[tuple[str, str, int]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel == "_results.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                    and FORMATTER_NAME.match(node.name) and (rel, node.name) not in ALLOWED):
                found.append((rel, node.name, node.lineno))
    return found


def test_no_module_but_results_defines_a_number_formatter():
    assert _formatter_defs() == [], (
        "number formatters outside equipoise._results (use fmt_number, fmt_share, fmt_signed, "
        "fmt_fixed or fmt_sig there, with missing=)")


@pytest.mark.parametrize("name", ["_fmt", "fmt", "_num", "num", "_pct", "pct", "fmt_pct",
                                  "fmt_num", "_fmt_margin", "_number", "percent", "money_fmt",
                                  "share_pct"])
def test_the_pattern_catches_formatter_names(name):
    assert FORMATTER_NAME.match(name)


@pytest.mark.parametrize("name", ["_numbers", "numeric", "_to_number", "summary_numbers",
                                  "percentile", "percentile_rank", "format_sensitivity",
                                  "_is_num", "_share_numbers", "_f", "cell"])
def test_the_pattern_leaves_other_names(name):
    assert not FORMATTER_NAME.match(name)


# --------------------------------------------------------------------------- no inline specs
#
# A number shown to people goes through one of the formatters above: no f-string field, no
# ``str.format`` template, no ``format(x, spec)`` and no ``%`` conversion outside _results.py
# carries a numeric format spec of its own (``{x:.3f}``, ``{x:.0%}``, ``{n:,}``, ``{x:g}``,
# ``"%.2f" % x``). Alignment and width alone (``{name:<12}``, ``{cell:>7}``) are not numbers.

#: a format spec that formats a number: a numeric type, a sign or a thousands separator
NUMERIC_SPEC = re.compile(r"^(?:.?[<>=^])?(?P<sign>[+\- ])?z?#?0?\d*(?P<group>[,_])?(?:\.\d+)?"
                          r"(?P<type>[bcdeEfFgGnoxX%])?$")
#: a ``str.format`` field with a spec, in a plain string (a template filled later)
TEMPLATE_FIELD = re.compile(r"\{[A-Za-z_][\w.\[\]']*:([^{}]*)\}")
#: a ``%`` conversion of a number
PERCENT_CONVERSION = re.compile(r"%(?:\([^)]*\))?[#0\- +]*\d*(?:\.\d+)?[diouxXeEfFgG]")

#: (module, spec) pairs allowed, each with its reason
ALLOWED_SPECS = {
    ("io/files.py", "02X"): "a byte shown as the two hex digits of its code, not a quantity",
    ("risk/corridors.py", "02x"): "a byte shown as the two hex digits of its code, not a quantity",
}


def _numeric(spec: str) -> bool:
    m = NUMERIC_SPEC.match(spec)
    return bool(m and (m["sign"] or m["group"] or m["type"]))


def _spec_text(node: ast.JoinedStr) -> str:
    return "".join(str(v.value) if isinstance(v, ast.Constant) else "0" for v in node.values)


def _inline_specs(tree: ast.AST) -> list[tuple[int, str]]:
    in_fstring = {id(c) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr)
                  for c in ast.walk(n) if isinstance(c, ast.Constant)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            spec = _spec_text(node.format_spec)
            if _numeric(spec):
                found.append((node.lineno, spec))
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
              and node.func.id == "format" and len(node.args) == 2):
            found.append((node.lineno, ast.unparse(node.args[1])))
        elif (isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod)
              and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)):
            found += [(node.lineno, m.group(0)) for m in
                      PERCENT_CONVERSION.finditer(node.left.value)]
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and id(node) not in in_fstring):
            found += [(node.lineno, m.group(1)) for m in TEMPLATE_FIELD.finditer(node.value)
                      if _numeric(m.group(1))]
    return found


def _inline_numeric_specs() -> list[tuple[str, int, str]]:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel == "_results.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        found += [(rel, line, spec) for line, spec in _inline_specs(tree)
                  if (rel, spec) not in ALLOWED_SPECS]
    return found


def test_no_inline_numeric_format_spec_outside_results():
    assert _inline_numeric_specs() == [], (
        "inline numeric format specs outside equipoise._results: route the number through "
        "fmt_number, fmt_share, fmt_signed, fmt_fixed or fmt_sig (add a parameter there if "
        "none expresses it), or allow-list it in ALLOWED_SPECS with its reason")


def test_every_allowed_spec_is_still_there():
    # an allow-list entry whose spec is gone would hide a new one of the same kind
    present = set()
    for rel, spec in ALLOWED_SPECS:
        tree = ast.parse((SRC / rel).read_text(encoding="utf-8"))
        if any(s == spec for _, s in _inline_specs(tree)):
            present.add((rel, spec))
    assert present == set(ALLOWED_SPECS)


@pytest.mark.parametrize("code", [
    'f"{x:.3f}"', 'f"{x:.0%}"', 'f"{n:,}"', 'f"{x:g}"', 'f"{x:+.3f}"', 'f"{x:7.3f}"',
    'f"{x:<7.3f}"', 'f"{x:.{d}f}"', 'f"{n:d}"', 'f"{n:_}"', 'f"{x:5.1%}"', 'f"{x:,.6g}"',
    '"%.2f" % x', '"%d rows" % n', 'format(x, ".2f")', '"{n:,} rows".format(n=n)',
    'T = "{x:.1%} of {y}"',
])
def test_the_scan_catches_inline_numeric_specs(code):
    assert _inline_specs(ast.parse(code)) != []


@pytest.mark.parametrize("code", [
    'f"{name:<12}"', 'f"{cell:>7}"', 'f"{x}"', 'f"{x!r}"', 'f"{fmt_fixed(x):>7}"',
    '"{what} and {option}".format(what=a, option=b)', 'd = {"a": 1}', '"90 % interval"',
    'x % 2', 's.strftime("%Y-%m-%d")',
])
def test_the_scan_leaves_other_formats(code):
    assert _inline_specs(ast.parse(code)) == []


#: a number formatted inside a Jinja template: ``"%.1f%%" | format(x)``, ``"{:,}".format(n)``
TEMPLATE_FORMAT = re.compile(r"\|\s*format\b|\"[^\"]*\{[^\"{}]*:[^\"{}]*\}[^\"]*\"\s*\.\s*format\(")


def test_templates_format_numbers_through_the_filters():
    # the report and the dashboard register fmt_share, fmt_fixed, fmt_signed, fmt_sig and
    # fmt_number as the filters share, fixed, signed, sig and number (present/report.py _env)
    found = [(p.name, i) for p in sorted((SRC / "present" / "templates").glob("*.html"))
             for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
             if TEMPLATE_FORMAT.search(line)]
    assert found == []


@pytest.mark.parametrize("line, caught", [
    ('{{ "%.1f%%" | format(100 * x) }}', True), ('{{ "{:,}".format(n) }}', True),
    ('{{ "{:,.4g}".format(x.value) }}', True), ("{{ x | share }}", False),
    ("{{ x | fixed(2) }}", False), ('{{ d | join(", ") }}', False),
])
def test_the_template_scan(line, caught):
    assert bool(TEMPLATE_FORMAT.search(line)) is caught


def test_the_template_filters_are_the_formatters():
    from equipoise.present.report import _env

    env = _env()
    render = env.from_string(
        "{{ a | share }} {{ a | share(0) }} {{ b | fixed }} {{ b | fixed(2) }} "
        "{{ m | signed(whole_from=None) }} {{ v | sig }} {{ v | sig(6, thousands=False) }} "
        "{{ n | number }} {{ none | share }}").render
    assert render(a=0.1234, b=0.95843, m=0.0642, v=12345.0, n=1048576, none=None) == (
        "12.3% 12% 0.958 0.96 +0.064 1.234e+04 12345 1,048,576 n/a")
