"""Units: any unit of an indicator's dimension is converted; another dimension is refused.

The same MNG trade file written in USD bn (the indicators table's unit) and in USD million
(values x 1000) must give identical shares and values in ``assess --json``; a tonne row for a
USD indicator is refused with its file, line, column, value and the expected dimension.
"""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from equipoise import reference
from equipoise._cli.main import app
from equipoise.errors import InputError
from equipoise.io.flows import read_flows

runner = CliRunner()
HEADER = "year,reporter,partner,domain,indicator,product,value,unit,source\n"
# (year, partner, value in USD bn); 1234.5 mn = 1.2345 bn tests a decimal converting exactly
BN = [(2021, "CHN", 6.0), (2021, "RUS", 4.0), (2021, "WLD", 12.0),
      (2022, "CHN", 8.0), (2022, "RUS", 1.2345), (2022, "USA", 0.5), (2022, "WLD", 14.0)]


def _file(tmp_path, name, unit, scale):
    p = tmp_path / name
    rows = [f"{y},MNG,{p_},trade,trade.goods.turnover,,{v * scale:g},{unit},test"
            for y, p_, v in BN]
    p.write_text(HEADER + "\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_units_table_is_definitional():
    ut = reference.unit_table()
    assert ut.at["USD mn", "factor"] / ut.at["USD bn", "factor"] == pytest.approx(1e-3)
    assert ut.at["kt", "factor"] * 1000 == ut.at["mt", "factor"]
    assert ut.at["bcm", "factor"] == 1000 * ut.at["mcm", "factor"]
    assert ut["source"].str.startswith("definitional").all()
    # every unit of a dimension the indicators use is in the table
    assert {"USD bn", "USD mn", "mt", "bcm", "TIV mn", "%"} <= set(ut.index)


@pytest.mark.parametrize(("unit", "scale"), [("USD million", 1000), ("USD mn", 1000),
                                              ("USD thousand", 1e6), ("USD", 1e9)])
def test_values_are_converted_to_the_indicator_unit(tmp_path, unit, scale):
    bn = read_flows(_file(tmp_path, "bn.csv", "USD bn", 1)).data
    other = read_flows(_file(tmp_path, "x.csv", unit, scale)).data
    assert other["unit"].eq("USD bn").all()
    assert other["value"].tolist() == pytest.approx(bn["value"].tolist(), rel=1e-15)


def test_usd_million_file_equals_usd_bn_file_in_assess_json(tmp_path):
    out = {}
    for name, unit, scale in (("bn.csv", "USD bn", 1), ("mn.csv", "USD million", 1000)):
        res = runner.invoke(app, ["assess", "--focal", "MNG", "--data",
                                  str(_file(tmp_path, name, unit, scale)), "--json"])
        assert res.exit_code == 0, res.output
        out[name] = json.loads(res.stdout)
    bn, mn = out["bn.csv"], out["mn.csv"]
    assert bn["domains"]["trade"]["shares"] == mn["domains"]["trade"]["shares"]
    assert bn["domains"]["trade"]["shares"]["CHN"] == pytest.approx(8 / 14)
    # everything but the file name agrees, the evidence values included
    assert json.dumps(bn).replace("bn.csv", "F") == json.dumps(mn).replace("mn.csv", "F")


def _cli(args, capsys, monkeypatch) -> tuple[int, str]:
    """The console entry point in-process: (exit code, stdout + stderr)."""
    import sys

    from equipoise._cli.main import run

    monkeypatch.setattr(sys, "argv", ["equipoise", *map(str, args)])
    code = 0
    try:
        run()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    out, err = capsys.readouterr()
    return code, out + err


def test_mass_unit_for_a_usd_indicator_is_refused_with_its_location(tmp_path, capsys,
                                                                     monkeypatch):
    p = _file(tmp_path, "bn.csv", "USD bn", 1)
    p.write_text(p.read_text() + "2022,MNG,TUR,trade,trade.goods.turnover,,3,t,test\n")
    with pytest.raises(InputError) as info:
        read_flows(p)
    (issue,) = info.value.issues
    assert (issue.line, issue.column, issue.value, issue.reason) == (9, "unit", "t",
                                                                     "unit_mismatch")
    assert "dimension money (US dollars)" in issue.message
    code, out = _cli(["assess", "--focal", "MNG", "--data", p], capsys, monkeypatch)
    assert code == 2, out
    assert "line 9, column 'unit': unit_mismatch: saw 't'" in out
    assert "bn.csv" in out and "money (US dollars)" in out
    assert "Traceback (most recent call last)" not in out


def test_lenient_quarantines_the_other_dimension_and_converts_the_rest(tmp_path):
    p = _file(tmp_path, "mn.csv", "USD mn", 1000)
    p.write_text(p.read_text() + "2022,MNG,TUR,trade,trade.goods.turnover,,3,bcm,test\n")
    fs = read_flows(p, lenient=True)
    assert fs.counts == {"read": 8, "loaded": 7, "quarantined": 1}
    assert fs.quarantine[["line", "column", "value", "reason"]].values.tolist() == [
        [9, "unit", "bcm", "unit_mismatch"]]
    assert fs.data["unit"].eq("USD bn").all()


def test_a_unit_outside_the_table_still_needs_an_exact_match(tmp_path):
    p = tmp_path / "f.csv"
    p.write_text(HEADER + "2022,MNG,CHN,society,society.migration.immigrants,,5,persons,t\n"
                 "2022,MNG,RUS,society,society.migration.immigrants,,5,people,t\n")
    fs = read_flows(p, lenient=True)
    assert fs.counts == {"read": 2, "loaded": 1, "quarantined": 1}
    assert "converts from no other unit" in fs.quarantine["message"].iat[0]
