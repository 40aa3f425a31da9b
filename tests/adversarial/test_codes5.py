"""Adversarial regression cases for the one code-mapping helper (issue 11 point 4), national,
Eurostat and GDELT readers: a code that is no country (Kosovo's ``XKX``, the dissolved
Netherlands Antilles ``ANT``, CAMEO's region ``EUR``) loaded as a partner before; ``equipoise
ingest`` now quarantines it (``unmapped_code``, with file, line, column, the code and the
crosswalk's note), exits 0 and says how many rows it quarantined.

Each case makes its input in tmp_path, runs the CLI in a subprocess and checks the exit code,
the output, the warehouse and that no Python traceback reaches the user.
"""

from __future__ import annotations

import duckdb
import pytest

from adversarial._cli import cli as _cli

CASES = {  # source -> (file name, content, line, column, code, note, partners loaded)
    "eurostat": ("eu27_exports_by_partner_annual.csv",
                 "reporter,year,partner_label,partner_iso3,is_aggregate,exports_eur,source_file\n"
                 "EU27_2020,2021,Kazakhstan,KAZ,False,2500000000,r.csv\n"
                 "EU27_2020,2021,Kosovo,XKX,False,700000000,r.csv\n"
                 "EU27_2020,2021,Extra-EU27,,True,900000000000,r.csv\n",
                 3, "partner_iso3", "XKX", "Kosovo: Kosovo (unmapped", {("KAZ", "EU27")}),
    "national": ("kgz_natstat_trade_by_partner.csv",
                 "reporter_iso3,year,partner_en,partner_ru,partner_iso3,is_aggregate,"
                 "exports_kusd,imports_kusd,preliminary\n"
                 "KGZ,2012,Total,Всего,,True,1000,500,False\n"
                 "KGZ,2012,Netherlands antilles,Антилы,ANT,False,1,10,False\n"
                 "KGZ,2012,China,Китай,CHN,False,400,300,False\n",
                 3, "partner_iso3", "ANT", "Netherlands antilles: Netherlands Antilles (unmapped",
                 {("KGZ", "WLD"), ("KGZ", "CHN")}),
    "gdelt": ("gdelt_composite_dyad_year.csv",
              "year,iso3_a,iso3_b,days_in_year_covered,active_days,net_score_sum,"
              "positive_score_sum,negative_score_sum\n"
              "2021,EUR,KAZ,365,5,2.0,2.0,0.0\n"
              "2021,CHN,KAZ,365,100,12.5,20.0,-7.5\n",
              2, "iso3_a", "EUR", "not in the iso3 crosswalk", {("CHN", "KAZ"), ("KAZ", "CHN")}),
}




@pytest.mark.parametrize("source", sorted(CASES))
def test_ingest_quarantines_a_code_that_is_no_country(tmp_path, source):
    fname, text, line, column, code, note, pairs = CASES[source]
    f = tmp_path / fname
    f.write_text(text, encoding="utf-8")
    db = tmp_path / "w.duckdb"
    r = _cli("ingest", source, str(f), "--db", str(db))
    assert r.returncode == 0, r.stderr
    assert "quarantined 1" in r.stdout, r.stdout
    con = duckdb.connect(str(db), read_only=True)
    try:
        (q,) = con.execute("SELECT file, line, \"column\", value, reason, message "
                           "FROM quarantine").fetchall()
        got = set(con.execute("SELECT reporter, partner FROM flows").fetchall())
    finally:
        con.close()
    assert q[:5] == (fname, line, column, code, "unmapped_code")
    assert q[5].startswith(f"unmapped_code: saw '{code}', expected a code the crosswalk or the "
                           "countries table maps to ISO3 (")
    assert note in q[5]
    assert got == pairs  # the code that is no country is no reporter or partner
