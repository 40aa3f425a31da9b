"""The BSV ideal-point reader."""

import pytest

from equipoise.errors import InputError, SchemaError
from equipoise.sources.idealpoints import published_agreement, read_idealpoints

BSV = """ccode,session,NVotesAll,IdealPointAll,QO%All,Q5%All,Q10%All,Q50%All,Q90%All,Q95%All,Q100%All,iso3c,Countryname,USAgree,RUSSAgree,BrazilAgree,ChinaAgree,IndiaAgree,IsraelAgree
705,78,80,-0.5,-1,-0.74,-0.7,-0.5,-0.33,-0.28,-0.08,KAZ,Kazakhstan,0.25,0.56,0.9,0.74,0.72,0.22
2,78,90,3.0,2,2.8,2.9,3.0,3.1,3.2,3.5,USA,United States,1,0.1,0.3,0.1,0.2,0.9
999,78,10,0,0,0,0,0,0,0,0,XXX,Nowhere,,,,,,
"""


def test_reader(tmp_path):
    p = tmp_path / "bsv.csv"
    p.write_text(BSV)
    ip = read_idealpoints(p)
    assert ip.set_index("country").loc["KAZ", "year"] == 2023
    assert ip.attrs["unmapped"] == [("999", "Nowhere")]
    pub = published_agreement(ip, "KAZ").set_index("pole")["value"]
    assert pub.to_dict() == pytest.approx({"USA": 0.25, "RUS": 0.56, "BRA": 0.9, "CHN": 0.74,
                                           "IND": 0.72, "ISR": 0.22})


def test_reader_errors(tmp_path):
    with pytest.raises(InputError, match="does not exist"):
        read_idealpoints(tmp_path / "nope.csv")
    p = tmp_path / "bad.csv"
    p.write_text("a,b\n1,2\n")
    with pytest.raises(SchemaError, match="IdealPointAll"):
        read_idealpoints(p)


@pytest.mark.shared_data
def test_real_file(idealpoints):
    k = idealpoints[idealpoints["country"] == "KAZ"]
    assert k["session"].min() == 47 and k["session"].max() == 78
    # SOURCE.md: session 78, IdealPointAll -0.51, USAgree 0.25, RUSSAgree 0.56, ChinaAgree 0.74
    r = k.set_index("session").loc[78]
    assert r["ideal"] == pytest.approx(-0.51, abs=0.005)
    assert (r["agree_USA"], r["agree_RUS"], r["agree_CHN"]) == pytest.approx(
        (0.25, 0.56, 0.74), abs=0.005)
