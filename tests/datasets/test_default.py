"""The embedded Kazakhstan dataset loads strictly, is large and broad enough, and is sourced."""

from __future__ import annotations

import re

import pandas as pd
import pytest

import equipoise as eq
from equipoise import datasets, reference
from equipoise.errors import NoDataError, UnknownCountryError

from ._facts import DATASET, facts_text


@pytest.fixture(scope="module")
def flows():
    return datasets.load_default("KAZ")


@pytest.fixture(scope="module")
def sources():
    return datasets.load_sources("KAZ")


def test_loads_strictly_without_quarantine(flows):
    assert flows.counts["quarantined"] == 0
    assert len(flows.quarantine) == 0
    assert flows.counts["read"] == flows.counts["loaded"] == len(flows)


def test_size_and_breadth(flows):
    assert len(flows) >= 150
    assert flows.data["domain"].nunique() >= 7
    d = flows.data
    pole_side = d["indicator"].str.startswith("asymmetry.") & (d["reporter"] != "KAZ")
    assert set(d.loc[~pole_side, "reporter"]) == {"KAZ"}
    # the asymmetry measure's pole-side rows: reported by a pole, with Kazakhstan or WLD
    assert set(d.loc[pole_side, "reporter"]) <= {"CHN", "RUS", "USA", "EU27"}
    assert set(d.loc[pole_side, "partner"]) <= {"KAZ", "WLD"}


def test_front_door_is_the_same_loader():
    assert eq.load_default().counts == datasets.load_default("KAZ").counts
    assert eq.default_sources().equals(datasets.load_sources("KAZ"))


def test_other_focal_states_raise():
    with pytest.raises(NoDataError, match="no embedded dataset for focal 'USA'"):
        datasets.load_default("USA")
    with pytest.raises(UnknownCountryError, match="'XXK' is not an ISO3"):
        datasets.load_default("XXK")
    assert datasets.available() == ("KAZ",)


def test_every_source_id_is_listed(flows, sources):
    ids = set(sources["id"])
    used = set(flows.data["source"]) | set(datasets.load_events("KAZ")["source"])
    assert used - ids == set()
    assert sources["id"].is_unique


def test_hand_and_derived_files_keep_their_kinds_of_source(flows):
    hand = flows.data[flows.data["file"].str.endswith("flows.csv")]
    derived = flows.data[flows.data["file"].str.endswith("derived.csv")]
    assert hand["source"].str.startswith("KZF:").all()
    assert not derived["source"].str.startswith("KZF:").any()
    # SIPRI-based arms figures come only from the script, never typed in by hand
    assert "security.arms.import" not in set(hand["indicator"])


def test_sources_have_producer_and_url(sources):
    for col in ("producer", "title", "url"):
        blank = sources[sources[col].str.strip() == ""]
        assert blank.empty, f"sources.csv rows without {col}: {list(blank['id'])}"
    assert sources["url"].str.match(r"^https?://").all()
    kzf = sources[sources["id"].str.startswith("KZF:")]
    assert (kzf["quote"].str.strip() != "").all()


def test_kzf_ids_and_quotes_are_in_kz_facts(sources):
    text = facts_text()
    kzf = sources[sources["id"].str.startswith("KZF:")]
    for rid, quote, note in zip(kzf["id"], kzf["quote"], kzf["note"], strict=True):
        entry = rid.removeprefix("KZF:")
        if re.fullmatch(r"[A-Z]+\d+", entry):
            row = re.search(rf"^\| {entry} \|.*$", text, flags=re.M)
            assert row, f"{rid}: no table entry '| {entry} |' in kz-facts.md"
            if "⚠" in row.group(0):
                assert "care" in note, f"{rid} is marked ⚠ in kz-facts.md; its note must say so"
        for piece in quote.split(" … "):
            assert piece.strip() in text, f"{rid}: quote piece not in kz-facts.md: {piece[:80]!r}"


def test_one_row_per_key_and_no_group_member_overlap(flows):
    d = flows.data.assign(product=flows.data["product"].fillna(""))
    assert not d.duplicated(["year", "reporter", "partner", "indicator", "product"]).any()
    eu = d[d["partner"] == "EU27"]
    for (ind, year), _ in eu.groupby(["indicator", "year"]):
        members = set(reference.expand_group("EU27", int(year)))
        same = d[(d["indicator"] == ind) & (d["year"] == year) & d["partner"].isin(members)]
        assert same.empty, (ind, year, list(same["partner"]))


def test_shares_have_a_world_denominator(flows):
    d = flows.data
    shares = d[d["unit"] == "%"]
    for (_rep, ind, year), g in shares.groupby(["reporter", "indicator", "year"]):
        assert (g["partner"] == "WLD").sum() == 1, (ind, year)
        assert g.loc[g["partner"] == "WLD", "value"].iat[0] == 100
        assert g.loc[g["partner"] != "WLD", "value"].sum() <= 100 + 1e-9, (ind, year)


def test_partner_rows_never_exceed_the_world_total(flows):
    d = flows.data
    for (_rep, ind, year), g in d.groupby(["reporter", "indicator", "year"]):
        wld = g.loc[g["partner"] == "WLD", "value"]
        if len(wld):
            assert g.loc[g["partner"] != "WLD", "value"].sum() <= wld.iat[0] * (1 + 1e-9), (ind, year)


def test_poles_present_in_the_doctrine_domains(flows):
    d = flows.data
    for pole in ("CHN", "RUS", "USA", "EU27"):
        assert pole in set(d["partner"]), pole
    assert {"CHN", "RUS", "USA", "EU27"} <= set(
        d.loc[d["indicator"] == "political.unga.agreement", "partner"])


def test_events_ledger():
    ev = datasets.load_events("KAZ")
    assert len(ev) >= 20
    assert ev["year"].between(2023, 2025).all()
    assert set(ev["kind"]) <= set(datasets.EVENT_KINDS)
    assert (ev["value_usd"].dropna() > 0).all()
    xian = ev[ev["source"] == "KZF:V2023-05-17"].iloc[0]
    assert (xian["actor"], xian["counterpart"], xian["value_usd"]) == ("KAZ", "CHN", 22e9)


def test_events_reject_bad_rows(tmp_path, monkeypatch):
    src = (DATASET / "events.csv").read_text(encoding="utf-8").splitlines()
    src[1] = "2023-13,KAZ,XXK,parade,trade;weather,-5,KZF:nope"
    folder = tmp_path / "kazakhstan"
    folder.mkdir()
    (folder / "events.csv").write_text("\n".join(src) + "\n", encoding="utf-8")
    (folder / "sources.csv").write_text((DATASET / "sources.csv").read_text(encoding="utf-8"),
                                        encoding="utf-8")
    monkeypatch.setattr(datasets, "default_path", lambda focal="KAZ": folder)
    with pytest.raises(eq.errors.InputError) as exc:
        datasets.load_events("KAZ")
    msg = str(exc.value)
    assert "line 2, column 'counterpart': saw 'XXK'" in msg
    for col in ("kind", "domains", "value_usd", "source"):
        assert f"line 2, column '{col}'" in msg
    # month 13 passed the pattern-only date check; the one date rule wants a real calendar date
    assert ("line 2, column 'date': saw '2023-13', expected a real calendar date: month 13 is "
            "not in 1..12") in msg
    assert len(exc.value.issues) == 6


def test_flows_file_is_sorted_and_plain():
    df = pd.read_csv(DATASET / "flows.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == ["year", "reporter", "partner", "domain", "indicator", "product",
                                "value", "unit", "source"]
    assert not df.apply(lambda c: c.str.strip().ne(c)).any().any()


def _spellings(value: float) -> set[str]:
    """Ways a source may print ``value`` (decimal point or comma, thousands separators)."""
    out = set()
    for text in {f"{value:g}", f"{value:.1f}", f"{value:.2f}", f"{value:.3f}"}:
        if float(text) == value:
            out |= {text, text.replace(".", ",")}
    if value == int(value) and value >= 1000:
        n = int(value)
        out |= {f"{n:,}", f"{n:,}".replace(",", " "), f"{n:,}".replace(",", "."), str(n)}
        if n % 1000 == 0:
            out.add(f"{n // 1000},000")
    if value == int(value):
        out.add(str(int(value)))
    return out


def test_every_hand_value_is_printed_in_its_kz_facts_entry():
    """Each figure of flows.csv appears in its kz-facts table row or quote (WLD = 100
    denominators of share indicators are the only constructed values)."""
    text = facts_text()
    hand = pd.read_csv(DATASET / "flows.csv", dtype={"product": str}, keep_default_na=False)
    missing = []
    for r in hand.itertuples(index=False):
        if r.partner == "WLD" and r.unit == "%" and r.value == 100:
            continue
        entry = r.source.removeprefix("KZF:")
        if "-" in entry:  # a difference of two entries' figures (KZF:M9-M3)
            if not _is_difference(text, entry, float(r.value)):
                missing.append((r.source, r.partner, r.indicator, r.value))
            continue
        hay = _entry_text(text, entry)
        spellings = _spellings(float(r.value))
        if r.unit == "USD bn":  # a deal given in millions
            spellings |= _spellings(round(float(r.value) * 1000, 6))
        if not any(re.search(rf"(?<![\d.,]){re.escape(s)}(?![\d])", hay) for s in spellings):
            missing.append((r.source, r.partner, r.indicator, r.value))
    assert missing == []


def _entry_text(text: str, entry: str) -> str:
    """An entry's kz-facts table row and quote line."""
    row = re.search(rf"^\| {entry} \|.*$", text, flags=re.M)
    quote = re.search(rf"^\* (?:[A-Z]+\d+[/–])*{entry}(?:[/–][A-Z]+\d+)*: .*$", text,
                      flags=re.M)
    return (row.group(0) if row else "") + (quote.group(0) if quote else "")


def _numbers(hay: str) -> set[float]:
    return {float(m.replace(",", "")) for m in re.findall(r"(?<![\w.])\d[\d,]*(?:\.\d+)?", hay)}


def _is_difference(text: str, entry: str, value: float) -> bool:
    """``value`` is a figure printed in entry A minus one printed in entry B (``A-B``)."""
    a, b = entry.split("-")
    return any(abs(x - y - value) < 1e-9 for x in _numbers(_entry_text(text, a))
               for y in _numbers(_entry_text(text, b)))


def test_derived_difference_is_checked():
    """The difference check accepts M9 15.3 minus M3 4.5 and refuses a figure that is not one."""
    text = facts_text()
    assert _is_difference(text, "M9-M3", 10.8)
    assert not _is_difference(text, "M9-M3", 10.9)
