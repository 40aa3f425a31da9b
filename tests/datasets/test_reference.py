"""organisations, memberships and hs_domains are complete and sourced."""

from __future__ import annotations

import re

from equipoise import reference

KINDS = {"military alliance", "collective security", "economic union", "security forum",
         "regional forum", "global organisation", "dialogue format", "partnership"}
POLES = {"CHN", "USA", "RUS", "EU27"}
URL = re.compile(r"https?://\S+")


def test_organisations():
    org = reference.load("organisations")
    assert org["org"].is_unique
    needed = {"CSTO", "SCO", "EAEU", "CIS", "OTS", "CICA", "WTO", "UN", "OSCE", "OIC", "BRICS",
              "NATO", "NATO-PfP", "C5P1", "CAEU"}
    assert needed <= set(org["org"])
    assert set(org["kind"]) <= KINDS
    assert set(org["led_by"]) - {""} <= POLES
    assert set(org["aimed_at"]) - {""} <= POLES
    assert org["founded"].str.fullmatch(r"\d{4}").all()
    assert org["source"].str.contains(URL).all()
    led = org.set_index("org")["led_by"]
    assert led["CSTO"] == "RUS" and led["C5P1"] == "USA"
    # led_by is only set where the row's source says so in words
    for _, r in org[org["led_by"] != ""].iterrows():
        assert r["source"].startswith("led_by:"), r["org"]


def test_memberships():
    mem = reference.load("memberships")
    orgs = set(reference.load("organisations")["org"])
    assert set(mem["org"]) <= orgs
    assert set(mem["country"]) <= reference.known_codes()
    assert set(mem["status"]) <= {"member", "partner", "observer"}
    assert mem["start_year"].notna().all()
    assert mem["source"].str.contains(URL).all()
    assert not mem.duplicated(["org", "country"]).any()
    kaz = mem[mem["country"] == "KAZ"].set_index("org")
    # every organisation of kz-facts §9 in which Kazakhstan takes part
    assert {"CSTO", "SCO", "EAEU", "WTO", "OTS", "CICA", "C5P1", "CAEU", "BRICS", "NATO-PfP",
            "OSCE", "UN", "OIC", "CIS"} <= set(kaz.index)
    assert (kaz.loc["BRICS", "status"], kaz.loc["BRICS", "start_year"]) == ("partner", 2024)
    assert kaz.loc["WTO", "start_year"] == 2015
    assert kaz.loc["CSTO", "start_year"] == 1992
    assert "NATO" not in kaz.index
    pairs = set(zip(mem["org"], mem["country"], strict=True))
    assert {("CSTO", "RUS"), ("SCO", "CHN"), ("SCO", "RUS"), ("NATO", "USA")} <= pairs


def test_hs_domains_cover_every_chapter():
    hs = reference.load("hs_domains")
    assert list(hs["hs_chapter"]) == [f"{i:02d}" for i in range(1, 98)]
    assert set(hs["domain"]) <= set(reference.domain_list())
    dom = hs.set_index("hs_chapter")["domain"]
    assert dom["27"] == "energy"
    assert {dom[c] for c in ("84", "85", "88", "90")} == {"technology"}
    assert dom["93"] == "security"
    assert (dom.drop(["27", "84", "85", "88", "90", "93"]) == "trade").all()
    assert (hs["source"].str.strip() != "").all()
    assert (hs["note"].str.strip() != "").all()
    assert hs.set_index("hs_chapter").loc["93", "note"].startswith("Arms and ammunition")
