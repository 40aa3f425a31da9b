"""Derive the small Kazakhstan tables of the embedded default dataset from the shared raw data.

Reads raw files under ``<shared>/data`` (never copied into the project) and writes
``src/equipoise/datasets/kazakhstan/derived.csv`` in the canonical flow layout
(year, reporter, partner, domain, indicator, product, value, unit, source). Every row names its
original producer through ``source`` (an id listed in ``sources.csv``). The output is
deterministic: the same inputs give a byte-identical file.

What is derived, and how
------------------------
(a) ``security.arms.import`` (TIV mn), source ``SIPRI:register-1995-2024``: SIPRI trade register,
    ``tiv_delivery_values`` delivered to Kazakhstan, summed by supplier and delivery year
    1995-2024. Suppliers are mapped to ISO3 through the names in ``reference/countries.csv``
    plus a small explicit map of SIPRI spellings (``SIPRI_NAMES``). Suppliers with no ISO3 code
    (e.g. "unknown supplier(s)") get no partner row: they are counted in the ``WLD`` row (the sum
    over every supplier, as SIPRI's shares use) and reported as a warning with their TIV.
(b) ``political.unga.agreement`` (share), source ``BSV:idealpoints-2024``: Bailey, Strezhnev &
    Voeten (2017), June 2024 release, columns ``USAgree``, ``RUSSAgree``, ``ChinaAgree`` of the
    Kazakhstan rows (ccode 705). A General Assembly session ``s`` opens in September of year
    ``1945 + s`` and the row is dated that year (session 47 -> 1992, ..., 78 -> 2023).
    These shares are exact agreement (both voted and voted alike; an abstention agrees only with
    an abstention): recomputing them from the Voeten roll calls gives the same value in sessions
    where both use the same roll calls (e.g. 48, 70, 74) and a median absolute difference of
    about 0.01-0.02 over sessions 47-74, BSV keeping a slightly smaller set of votes
    (tests/datasets/test_derived.py checks this).
(c) ``political.unga.agreement`` with ``EU27``, source ``VOETEN:unvotes``: from the Voeten roll
    calls (unvotes), for each session 47-74 (years 1992-2019) the share, pooled over all
    (roll call, EU member) pairs where Kazakhstan and the member both voted yes/no/abstain, of
    pairs where they voted alike. EU members are those of ``EU27`` in that year
    (``reference.expand_group("EU27", year)``), so the United Kingdom is never included. Same
    definition as (b), so the four poles are comparable.
(d) ``political.igo.shared`` (count), source ``COW:igo-v3``: COW IGO v3 ``dyadigos`` of
    Kazakhstan with USA, RUS, CHN, 1992-2014; for ``EU27`` the mean over the EU27 members of
    that year (a group row, so no member rows are given: the loader rejects a group and its
    member in one indicator-year).
(e) ``finance.fdi.position_partner_reported`` (USD mn), outward direct investment positions of
    CHN, DEU, JPN, SGP, USA in Kazakhstan from IMF DIP. One row per country-year: the reported
    official figure (``DV_TYPE`` ``O``, source ``IMF:DIP-reported``) where the reporter gives
    one, else the figure the IMF derives from counterpart information (``SCC``, source
    ``IMF:DIP-derived``). Empty and negative observations are skipped.
(f) ``trade.goods.turnover`` and ``trade.goods.import`` (USD thousand as published; the loader
    converts to the indicators' USD bn), source ``BNS:trade-by-partner``: Kazakhstan's own
    statistics (Bureau of National Statistics) by partner country, 2018-2023, from
    ``national-trade-by-partner/kaz_bns_trade_by_partner_2018_2023.csv.gz``. ``WLD`` is the sum
    over all country rows (equal to the published total). ``EU27`` is the sum over the EU27
    members of that year (``reference.expand_group``: the United Kingdom never, whatever the
    bureau's "EU" row held then), and no member row is given beside it. Other partners get a row
    when they hold at least ``BNS_MIN_SHARE`` (1 %) of that year's total of the indicator; the
    rest is the ``OTH`` remainder against ``WLD``.

(g) Pole-side rows of the asymmetry measure (``measures/asymmetry.py``), reporter = the pole,
    partner = Kazakhstan, in % of the pole's total with a ``WLD`` row of 100 (EUR and USD
    figures cannot share one indicator unit, and the measure needs only the share):
    ``asymmetry.goods.export`` = Kazakhstan's share of the pole's goods exports,
    ``asymmetry.goods.import`` = its share of the pole's goods imports.
    EU27 (``EUROSTAT:comext-eu27-exports``, 2010-2023): EU-27 (2020 composition) exports to
    Kazakhstan over the sum of its exports to every partner outside the EU (the extra-EU country
    rows; the 2019-2023 downloads have no "Extra-EU27" row, and in 2010-2018 that sum is
    98.3-98.9 % of the published Extra-EU27 total, the rest being stores and provisions and
    unspecified partners). Eurostat's file holds exports only, so the EU's imports from
    Kazakhstan are not derived (unknown, not 0).
    CHN, RUS, USA (``COW:trade-v4``, 2010-2014, the last year of COW trade): COW dyadic trade
    (``cow_trade_ndy``: ``flow1`` = imports of ``ccode1`` from ``ccode2``, million USD) over the
    pole's national imports or exports (``cow_trade_sy``); the pole's exports to Kazakhstan are
    Kazakhstan's imports from the pole as COW records them (one figure per direction). The
    Russian customs series (FTS, 2006-2021) gives 29 main partners and no total, so it yields
    no share of Russia's trade.
(h) Focal-side rows for the same flows, role ``supporting`` (never in a domain's shares):
    ``asymmetry.goods.focal_import`` / ``asymmetry.goods.focal_export`` (USD mn), Kazakhstan's
    imports from / exports to CHN, RUS, USA with its national total as ``WLD``, from COW
    (2010-2014, so that the ratio of the two sides is taken within one year and one source);
    and ``asymmetry.goods.focal_export`` 2018-2023 from BNS (``exports_kusd``) for the four
    poles (EU27 = the members of the year) and ``WLD``; BNS imports are already
    ``trade.goods.import``.
    These rows (g, h) are written after all others, so adding them moved no earlier line of the
    file (source rows carry their line numbers into the evidence).

Usage::

    python scripts/derive_kazakhstan.py [--shared ../shared] [--out PATH] [--hs-domains PATH]

``--hs-domains PATH`` also writes the HS chapter -> domain table (``reference/hs_domains.csv``)
from the HS 2022 chapter names in ``<shared>/data/hs-classification/harmonized-system.csv``.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from equipoise import reference  # noqa: E402

OUT = ROOT / "src" / "equipoise" / "datasets" / "kazakhstan" / "derived.csv"
HS_OUT = ROOT / "src" / "equipoise" / "reference" / "hs_domains.csv"
COLUMNS = ["year", "reporter", "partner", "domain", "indicator", "product", "value", "unit", "source"]
FOCAL = "KAZ"
FOCAL_COW = 705
POLES_COW = {"USA": 2, "RUS": 365, "CHN": 710}
BSV_COLUMNS = {"USA": "USAgree", "RUS": "RUSSAgree", "CHN": "ChinaAgree"}
DIP_REPORTERS = ("CHN", "DEU", "JPN", "SGP", "USA")
BNS_FILE = Path("national-trade-by-partner") / "kaz_bns_trade_by_partner_2018_2023.csv.gz"
BNS_MIN_SHARE = 0.01
BNS_COLUMNS = {"trade.goods.turnover": "turnover_kusd", "trade.goods.import": "imports_kusd"}
EUROSTAT_FILE = Path("eurostat-eu-exports") / "eu27_exports_by_partner_annual_2010_2023.csv.gz"
COW_TRADE_YEARS = (2010, 2014)

# SIPRI spellings that differ from the English names in reference/countries.csv.
SIPRI_NAMES = {
    "Turkiye": "TUR",
    "Bosnia-Herzegovina": "BIH",
    "DR Congo": "COD",
    "UAE": "ARE",
    "Viet Nam": "VNM",
}

# HS chapter -> domain (DESIGN.md: 27 energy; 84, 85, 88, 90 technology; 93 security; the rest
# trade). A user can override the shipped table.
HS_DOMAIN = {"27": "energy", "84": "technology", "85": "technology", "88": "technology",
             "90": "technology", "93": "security"}


def _fmt(value: float) -> str:
    """Shortest text that round-trips, rounded to 6 decimals (stable across platforms)."""
    text = f"{round(float(value), 6):.6f}".rstrip("0").rstrip(".")
    return text if text not in {"-0", ""} else "0"


def _row(year, partner, indicator, value, source, unit, domain, product="", reporter=FOCAL):
    return {"year": int(year), "reporter": reporter, "partner": partner, "domain": domain,
            "indicator": indicator, "product": product, "value": _fmt(value), "unit": unit,
            "source": source}


def _indicator(name: str) -> tuple[str, str]:
    ind = reference.indicator_table().loc[name]
    return ind["domain"], ind["unit"]


def sipri_arms(data: Path, warn) -> list[dict]:
    """(a) TIV delivered to Kazakhstan by supplier and delivery year, plus WLD totals."""
    reg = pd.read_csv(data / "sipri-arms-transfers" / "trade_register_1995_2024.csv.gz")
    kaz = reg[reg["recipient"] == "Kazakhstan"]
    names = dict(zip(reference.load("countries")["name"], reference.load("countries")["iso3"],
                     strict=True))
    names.update(SIPRI_NAMES)
    domain, unit = _indicator("security.arms.import")
    src = "SIPRI:register-1995-2024"
    rows = []
    by = kaz.groupby(["supplier", "delivery_year"], sort=True)["tiv_delivery_values"].sum()
    skipped: dict[str, float] = defaultdict(float)
    for (supplier, year), tiv in by.items():
        iso = names.get(supplier)
        if iso is None:
            skipped[supplier] += tiv
            continue
        rows.append(_row(year, iso, "security.arms.import", tiv, src, unit, domain))
    for year, tiv in kaz.groupby("delivery_year", sort=True)["tiv_delivery_values"].sum().items():
        rows.append(_row(year, "WLD", "security.arms.import", tiv, src, unit, domain))
    for supplier, tiv in sorted(skipped.items()):
        warn(f"SIPRI supplier {supplier!r} has no ISO3 code: {tiv:g} TIV mn counted in WLD only")
    return rows


def bsv_agreement(data: Path) -> list[dict]:
    """(b) Agreement of KAZ with USA, RUS, CHN per session (year = 1945 + session)."""
    bsv = pd.read_csv(data / "unga-ideal-points" / "IdealpointestimatesAll_Jun2024.csv.gz")
    kaz = bsv[bsv["ccode"] == FOCAL_COW].sort_values("session")
    domain, unit = _indicator("political.unga.agreement")
    rows = []
    for _, r in kaz.iterrows():
        for pole, col in BSV_COLUMNS.items():
            if pd.notna(r[col]):
                rows.append(_row(1945 + int(r["session"]), pole, "political.unga.agreement",
                                 r[col], "BSV:idealpoints-2024", unit, domain))
    return rows


def unvotes_eu_agreement(data: Path, first: int = 1992, last: int = 2019) -> list[dict]:
    """(c) Pooled exact agreement of KAZ with the EU27 members of each year (Voeten roll calls)."""
    votes = pd.read_csv(data / "unvotes" / "un_votes.csv.gz",
                        usecols=["rcid", "country_code", "vote"], keep_default_na=False)
    calls = pd.read_csv(data / "unvotes" / "un_roll_calls.csv.gz", usecols=["rcid", "session"])
    countries = reference.load("countries")
    iso2_to_iso3 = dict(zip(countries["iso2"], countries["iso3"], strict=True))
    votes = votes[votes["vote"].isin(["yes", "no", "abstain"])]
    votes = votes.merge(calls, on="rcid")
    votes["year"] = 1945 + votes["session"].astype(int)
    votes = votes[votes["year"].between(first, last)]
    votes["iso3"] = votes["country_code"].map(iso2_to_iso3)
    kaz = votes[votes["iso3"] == FOCAL][["rcid", "year", "vote"]]
    domain, unit = _indicator("political.unga.agreement")
    rows = []
    for year in sorted(kaz["year"].unique()):
        members = set(reference.expand_group("EU27", int(year)))
        eu = votes[(votes["year"] == year) & votes["iso3"].isin(members)][["rcid", "vote"]]
        pairs = kaz[kaz["year"] == year].merge(eu, on="rcid", suffixes=("_kaz", "_eu"))
        if pairs.empty:
            continue
        share = (pairs["vote_kaz"] == pairs["vote_eu"]).mean()
        rows.append(_row(year, "EU27", "political.unga.agreement", share, "VOETEN:unvotes",
                         unit, domain))
    return rows


def cow_igo(data: Path, first: int = 1992, last: int = 2014) -> list[dict]:
    """(d) Shared full IGO memberships of KAZ with USA, RUS, CHN and the EU27 mean."""
    igo = pd.read_csv(data / "cow-atop-peacesciencer" / "cow_igo_ndy.csv.gz")
    igo = igo[((igo["ccode1"] == FOCAL_COW) | (igo["ccode2"] == FOCAL_COW))
              & igo["year"].between(first, last)]
    igo = igo.assign(other=igo["ccode1"].where(igo["ccode2"] == FOCAL_COW, igo["ccode2"]))
    countries = reference.load("countries")
    cow_to_iso = {int(c): i for c, i in zip(countries["cow"], countries["iso3"], strict=True) if c}
    igo["iso3"] = igo["other"].map(cow_to_iso)
    domain, unit = _indicator("political.igo.shared")
    rows = []
    for year, g in igo.groupby("year", sort=True):
        by_iso = g.dropna(subset=["iso3"]).set_index("iso3")["dyadigos"]
        for pole in POLES_COW:
            if pole in by_iso.index:
                rows.append(_row(year, pole, "political.igo.shared", by_iso[pole], "COW:igo-v3",
                                 unit, domain))
        members = [m for m in reference.expand_group("EU27", int(year)) if m in by_iso.index]
        if members:
            rows.append(_row(year, "EU27", "political.igo.shared", by_iso[members].mean(),
                             "COW:igo-v3", unit, domain))
    return rows


def imf_dip(data: Path) -> list[dict]:
    """(e) Outward FDI positions of five reporters in KAZ: reported where given, else derived."""
    dip = pd.read_csv(data / "imf-dip-fdi" / "imf_dip_outward_positions_5reporters_2014_2024.csv.gz")
    dip = dip[(dip["COUNTERPART_COUNTRY.ID"] == FOCAL) & dip["COUNTRY.ID"].isin(DIP_REPORTERS)]
    dip = dip.dropna(subset=["OBS_VALUE"])
    dip = dip[dip["OBS_VALUE"] >= 0]
    domain, unit = _indicator("finance.fdi.position_partner_reported")
    rows = []
    for (reporter, year), g in dip.groupby(["COUNTRY.ID", "TIME_PERIOD"], sort=True):
        kinds = dict(zip(g["DV_TYPE.ID"], g["OBS_VALUE"], strict=True))
        if "O" in kinds:
            value, src = kinds["O"], "IMF:DIP-reported"
        elif "SCC" in kinds:
            value, src = kinds["SCC"], "IMF:DIP-derived"
        else:
            continue
        rows.append(_row(int(year), reporter, "finance.fdi.position_partner_reported", value, src,
                         unit, domain))
    return rows


def bns_trade(data: Path) -> list[dict]:
    """(f) Kazakhstan's trade turnover and imports by partner (BNS), EU27 as one partner."""
    bns = pd.read_csv(data / BNS_FILE)
    bns = bns[(bns["reporter_iso3"] == FOCAL) & ~bns["is_aggregate"].astype(bool)]
    rows = []
    for indicator, col in BNS_COLUMNS.items():
        domain, _ = _indicator(indicator)
        for year, g in bns.groupby("year", sort=True):
            by_iso = g.groupby("partner_iso3")[col].sum()
            total = float(by_iso.sum())
            eu = [m for m in reference.expand_group("EU27", int(year)) if m in by_iso.index]
            rows.append(_row(year, "WLD", indicator, total, "BNS:trade-by-partner",
                             "USD thousand", domain))
            rows.append(_row(year, "EU27", indicator, by_iso[eu].sum(), "BNS:trade-by-partner",
                             "USD thousand", domain))
            for iso, value in by_iso.drop(index=eu).items():
                if value >= BNS_MIN_SHARE * total:
                    rows.append(_row(year, iso, indicator, value, "BNS:trade-by-partner",
                                     "USD thousand", domain))
    return rows


def _pct(year, pole, indicator, value, total, source) -> list[dict]:
    """A pole-side asymmetry row in % of the pole's total, and its WLD row of 100."""
    domain, unit = _indicator(indicator)
    return [_row(year, FOCAL, indicator, 100.0 * value / total, source, unit, domain,
                 reporter=pole),
            _row(year, "WLD", indicator, 100.0, source, unit, domain, reporter=pole)]


def eurostat_eu_share(data: Path) -> list[dict]:
    """(g) Kazakhstan's share of EU-27 exports to partners outside the EU, 2010-2023."""
    eu = pd.read_csv(data / EUROSTAT_FILE)
    eu = eu[~eu["is_aggregate"].astype(bool)]
    rows = []
    for year, g in eu.groupby("year", sort=True):
        members = set(reference.expand_group("EU27", 2020))
        extra = g[~g["partner_iso3"].isin(members)]
        kaz = extra.loc[extra["partner_iso3"] == FOCAL, "exports_eur"]
        if len(kaz) != 1:
            raise ValueError(f"{EUROSTAT_FILE}: {len(kaz)} Kazakhstan rows in {year}, expected 1")
        rows += _pct(year, "EU27", "asymmetry.goods.export", float(kaz.iat[0]),
                     float(extra["exports_eur"].sum()), "EUROSTAT:comext-eu27-exports")
    return rows


def _cow_imports(ndy: pd.DataFrame, importer: int, exporter: int, year: int) -> float | None:
    """COW dyadic imports of ``importer`` from ``exporter`` in ``year`` (None: no dyad row)."""
    a = ndy[(ndy["ccode1"] == importer) & (ndy["ccode2"] == exporter) & (ndy["year"] == year)]
    if len(a):
        return float(a["flow1"].iat[0])
    b = ndy[(ndy["ccode2"] == importer) & (ndy["ccode1"] == exporter) & (ndy["year"] == year)]
    return float(b["flow2"].iat[0]) if len(b) else None


def cow_trade_shares(data: Path) -> list[dict]:
    """(g, h) Both sides of KAZ's goods trade with CHN, RUS, USA from COW trade, 2010-2014."""
    first, last = COW_TRADE_YEARS
    ndy = pd.read_csv(data / "cow-atop-peacesciencer" / "cow_trade_ndy.csv.gz")
    ndy = ndy[ndy["year"].between(first, last)
              & ((ndy["ccode1"] == FOCAL_COW) | (ndy["ccode2"] == FOCAL_COW))]
    sy = pd.read_csv(data / "cow-atop-peacesciencer" / "cow_trade_sy.csv.gz")
    sy = sy[sy["year"].between(first, last)].set_index(["ccode", "year"])
    src = "COW:trade-v4"
    f_dom, f_unit = _indicator("asymmetry.goods.focal_import")
    rows = []
    for year in range(first, last + 1):
        if (FOCAL_COW, year) not in sy.index:
            continue
        kaz = sy.loc[(FOCAL_COW, year)]
        for ind, col in (("asymmetry.goods.focal_import", "imports"),
                         ("asymmetry.goods.focal_export", "exports")):
            rows.append(_row(year, "WLD", ind, kaz[col], src, "USD mn", f_dom))
        for pole, code in POLES_COW.items():
            if (code, year) not in sy.index:  # no national total: the pole side is unknown
                continue
            pole_in = _cow_imports(ndy, code, FOCAL_COW, year)    # pole's imports from KAZ
            kaz_in = _cow_imports(ndy, FOCAL_COW, code, year)     # KAZ's imports from the pole
            tot = sy.loc[(code, year)]
            if pole_in is not None:
                rows += _pct(year, pole, "asymmetry.goods.import", pole_in, tot["imports"], src)
                rows.append(_row(year, pole, "asymmetry.goods.focal_export", pole_in, src,
                                 "USD mn", f_dom))
            if kaz_in is not None:
                rows += _pct(year, pole, "asymmetry.goods.export", kaz_in, tot["exports"], src)
                rows.append(_row(year, pole, "asymmetry.goods.focal_import", kaz_in, src,
                                 "USD mn", f_dom))
    assert f_unit == "USD mn", f_unit
    return rows


def bns_exports(data: Path) -> list[dict]:
    """(h) Kazakhstan's exports to the four poles and in total (BNS), 2018-2023."""
    bns = pd.read_csv(data / BNS_FILE)
    bns = bns[(bns["reporter_iso3"] == FOCAL) & ~bns["is_aggregate"].astype(bool)]
    domain, _ = _indicator("asymmetry.goods.focal_export")
    ind, src = "asymmetry.goods.focal_export", "BNS:trade-by-partner"
    rows = []
    for year, g in bns.groupby("year", sort=True):
        by_iso = g.groupby("partner_iso3")["exports_kusd"].sum()
        eu = [m for m in reference.expand_group("EU27", int(year)) if m in by_iso.index]
        rows.append(_row(year, "WLD", ind, by_iso.sum(), src, "USD thousand", domain))
        rows.append(_row(year, "EU27", ind, by_iso[eu].sum(), src, "USD thousand", domain))
        for pole in POLES_COW:
            if pole in by_iso.index:
                rows.append(_row(year, pole, ind, by_iso[pole], src, "USD thousand", domain))
    return rows


def _sorted(rows: list[dict]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=COLUMNS)
    return df.sort_values(["domain", "indicator", "partner", "year", "reporter"],
                          kind="mergesort")


def derive(shared: Path, warn=None) -> pd.DataFrame:
    """All derived rows as a DataFrame of strings in canonical column order, sorted."""
    warn = warn or (lambda msg: print(f"warning: {msg}", file=sys.stderr))
    data = Path(shared) / "data"
    rows = (sipri_arms(data, warn) + bsv_agreement(data) + unvotes_eu_agreement(data)
            + cow_igo(data) + imf_dip(data) + bns_trade(data))
    asym = eurostat_eu_share(data) + cow_trade_shares(data) + bns_exports(data)
    return pd.concat([_sorted(rows), _sorted(asym)]).reset_index(drop=True)


def write_csv(df: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(list(df.columns))
        for rec in df.itertuples(index=False):
            w.writerow(list(rec))


def hs_domains(shared: Path) -> pd.DataFrame:
    """HS chapters 01-97 with their domain; names from the HS 2022 chapter list."""
    hs = pd.read_csv(Path(shared) / "data" / "hs-classification" / "harmonized-system.csv",
                     dtype=str, keep_default_na=False)
    names = dict(zip(hs.loc[hs["level"] == "2", "hscode"], hs.loc[hs["level"] == "2", "description"],
                     strict=True))
    src = ("equipoise DESIGN.md (HS 27 energy; 84, 85, 88, 90 technology; 93 security; "
           "others trade); chapter names: HS 2022, WCO via UN Comtrade, datasets/harmonized-system "
           "(ODC-PDDL)")
    rows = []
    for i in range(1, 98):
        ch = f"{i:02d}"
        name = names.get(ch, "Reserved for possible future use in the HS (no chapter 77 in HS 2022)")
        rows.append({"hs_chapter": ch, "domain": HS_DOMAIN.get(ch, "trade"), "note": name,
                     "source": src})
    return pd.DataFrame(rows, columns=["hs_chapter", "domain", "note", "source"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"),
                        help="folder holding data/ (default: ../shared beside the checkout)")
    parser.add_argument("--out", default=str(OUT), help="output CSV (default: %(default)s)")
    parser.add_argument("--hs-domains", default=None, metavar="PATH",
                        help="also write the HS chapter -> domain table to PATH")
    args = parser.parse_args(argv)
    shared = Path(args.shared)
    if not (shared / "data").is_dir():
        parser.error(f"{shared / 'data'} is not a folder; pass --shared pointing at the folder "
                     "that holds data/")
    warnings: list[str] = []

    def warn(msg: str) -> None:
        warnings.append(msg)
        print(f"warning: {msg}", file=sys.stderr)

    df = derive(shared, warn)
    write_csv(df, Path(args.out))
    counts = df.groupby("indicator").size().to_dict()
    print(f"wrote {len(df)} rows to {args.out}: {counts}; {len(warnings)} warning(s)")
    if args.hs_domains:
        hs = hs_domains(shared)
        write_csv(hs, Path(args.hs_domains))
        print(f"wrote {len(hs)} HS chapters to {args.hs_domains}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
