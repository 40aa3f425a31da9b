"""Build the shipped Kazakhstan corridor graph (kaz_nodes.csv, kaz_edges.csv).

Three networks share one graph; they never connect, and each has one unit:

``oil``   crude oil and condensate export routes, mt/yr. Figures from
          ../shared/reference/kz-facts.md (ids O1, O6, O9, O13, O16 quoted in every row).
``gas``   gas pipelines through Kazakhstan, bcm/yr, read from the Global Energy Monitor Global
          Gas Infrastructure Tracker (2022 release, CC BY 4.0) at
          ../shared/data/gem-gas-pipelines/gem_ggit_gas_pipelines_2022.csv.gz. Only the
          capacities of the rows listed in ``GAS_ROUTES`` are taken; the raw file is never copied.
``rail``  China-Europe rail transit through Kazakhstan, mt/yr (kz-facts M2, M3, M9, M10).

Every edge has a ``basis``:

``capacity``       a published capacity;
``agreement``      a contracted annual volume (an upper bound agreed by the operators);
``observed_flow``  no capacity was found in any source: the observed throughput of a recent
                   full year is used as a lower-bound capacity (the note says which year);
``derived``        computed from sourced figures by the arithmetic given in the note;
``connector``      a logical link (an aggregate source to a route's head, a terminal to the
                   world market): capacity ``inf``, not a physical constraint;
``unknown``        the route exists but no source gives a figure: capacity 0 (counts no flow)
                   until a user supplies one in their own CSV.

Usage: python scripts/derive_corridors.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "equipoise" / "reference" / "corridors"
GEM_FILE = Path("data") / "gem-gas-pipelines" / "gem_ggit_gas_pipelines_2022.csv.gz"
GEM_CITE = ("Global Energy Monitor, Global Gas Infrastructure Tracker (2022 release, CC BY 4.0), "
            "ProjectID {pid} {name}{segment}: Capacity {cap} {unit}; {wiki}")

KZF = "shared/reference/kz-facts.md {id}: {pub}; {url}"
NUS = ("NUS LKY School, Global-is-Asian, 'Diversifying Kazakhstan's oil exports from Russia' "
       "(2025-02-11)", "https://lkyspp.nus.edu.sg/gia/article/diversifying-kazakhstan-s-oil-exports-from-russia")
NOVA = ("Agenzia Nova 2024-03-05", "https://www.agenzianova.com/a/65e75a6718dc47.83281328/5073746/"
        "2024-03-05/energia-kazakhstan-produzione-petrolio-aumentata-del-7-per-cento-nel-2023")
MS = ("MarketScreener/Reuters", "https://at.marketscreener.com/boerse-nachrichten/nachrichten/"
      "Kasachstan-verdoppelt-Menge-an-Ol-das-Russland-umgeht-45891566/")
MENAFN_O9 = ("MENAFN/Trend 2024-01-15", "https://menafn.com/1107722129/"
             "Kaztransoil-Boost-Oil-Transit-From-Aktau-Port-To-Baku")
NEWSAZ = ("News.az 2024-05-30", "https://news.az/news/kaztransoil-to-export-1.5-million-tons-of-oil-"
          "through-azerbaijan-in-2024-")
TREND_M2 = ("Trend 2024-12-17", "https://en.trend.az/business/3982954.html")
VK_M3 = ("Vestnik Kavkaza 2025-06-27", "https://en.vestikavkaza.ru/material/176148")
ES_M9 = ("Eurasian Star (Ministry of Transport)", "https://eurasianstar.com/railway-cargo-"
         "transportation-between-kazakhstan-and-china-reaches-all-time-high")
AZ_M10 = ("Azerbaijan News Gazette (Trend)", "http://azerbaijannewsgazette.com/number-of-china-"
          "europe-trains-passing-through-kazakhstan-on-rise/")


def kzf(fid: str, pub: tuple[str, str]) -> str:
    return KZF.format(id=fid, pub=pub[0], url=pub[1])


# id, country, kind, capacity ('' = none), unit, citation, note
NODES = [
    # --- oil (mt/yr)
    ("KZ_OIL", "KAZ", "source", "", "mt/yr", "", "Kazakhstan crude oil and condensate offered for export (all fields)"),
    ("ATYRAU", "KAZ", "hub", "", "mt/yr", "", "Atyrau/Tengiz oil hub: head of the CPC and Atyrau-Samara pipelines"),
    ("AKTAU", "KAZ", "port", "3.376", "mt/yr", kzf("O9", MENAFN_O9),
     "observed_flow: oil exported from the port of Aktau in 2023 (3.376 mt), a lower bound on the "
     "port's oil capacity; no capacity figure was found"),
    ("ATASU", "KAZ", "hub", "", "mt/yr", "", "Atasu: head of the Kazakhstan-China oil pipeline (Atasu-Alashankou)"),
    ("KZ_OIL_RAIL", "KAZ", "rail", "", "mt/yr", "", "crude loaded on rail for export (destination not stated in the source)"),
    ("NOVOROSSIYSK", "RUS", "port", "", "mt/yr", "", "CPC marine terminal near Novorossiysk, Black Sea"),
    ("SAMARA", "RUS", "hub", "", "mt/yr", "", "Samara: entry into the Transneft system (Druzhba, Russian ports)"),
    ("MAKHACHKALA", "RUS", "port", "", "mt/yr", "", "Makhachkala port, Dagestan: onward through the Transneft system"),
    ("BAKU", "AZE", "port", "", "mt/yr", "", "Baku/Sangachal: head of the Baku-Tbilisi-Ceyhan pipeline"),
    ("BTC_GEO", "GEO", "pipeline", "", "mt/yr", "", "Georgian section of the Baku-Tbilisi-Ceyhan pipeline"),
    ("CEYHAN", "TUR", "port", "", "mt/yr", "", "Ceyhan terminal, Mediterranean"),
    ("ALASHANKOU", "CHN", "border", "", "mt/yr", "", "Alashankou, Xinjiang: Chinese end of the Kazakhstan-China oil pipeline"),
    ("OIL_MARKETS", "WLD", "market", "", "mt/yr", "", "world crude market (sink of the oil network)"),
    # --- gas (bcm/yr)
    ("KZ_GAS", "KAZ", "source", "", "bcm/yr", "", "Kazakhstan gas offered for export (western fields)"),
    ("TKM_GAS", "TKM", "source", "", "bcm/yr", "", "Turkmen gas fields (Bagtyyarlyk, Okarem, Shatlyk): transit source"),
    ("UZB_GAS", "UZB", "hub", "", "bcm/yr", "", "Uzbek gas network (Central Asia-China and Central Asia-Center sections, Gazli)"),
    ("BEINEU", "KAZ", "hub", "", "bcm/yr", "", "Beineu compressor hub, Mangystau"),
    ("BOZOY", "KAZ", "hub", "", "bcm/yr", "", "Bozoy, Aktobe region (Beineu-Bozoy-Shymkent)"),
    ("KARAOZEK", "KAZ", "hub", "", "bcm/yr", "", "Karaozek, Kyzylorda region: start of the Saryarka pipeline"),
    ("SHYMKENT", "KAZ", "hub", "", "bcm/yr", "", "Shymkent: junction of Beineu-Bozoy-Shymkent and the Central Asia-China pipeline"),
    ("BU_KZ", "KAZ", "pipeline", "", "bcm/yr", "", "Kazakh section of the Bukhara-Ural pipeline"),
    ("ASTANA_GAS", "KAZ", "market", "", "bcm/yr", "", "Astana and the north (Saryarka pipeline): domestic market"),
    ("ALMATY_GAS", "KAZ", "market", "", "bcm/yr", "", "Almaty and the south-east: domestic market"),
    ("KHORGOS_GAS", "CHN", "border", "", "bcm/yr", "", "Horgos, Xinjiang: Chinese end of the Central Asia-China pipeline"),
    ("ALEKSANDROV_GAY", "RUS", "border", "", "bcm/yr", "", "Alexandrov Gay: Russian end of Central Asia-Center"),
    ("URAL_RUS", "RUS", "hub", "", "bcm/yr", "", "Urals network (Yekaterinburg): Russian end of Bukhara-Ural"),
    ("BISHKEK_GAS", "KGZ", "hub", "", "bcm/yr", "", "Kyrgyz section of Bukhara-Tashkent-Bishkek-Almaty"),
    ("GAS_MARKETS", "WLD", "market", "", "bcm/yr", "", "gas buyers abroad (sink of the gas network)"),
    # --- rail (mt/yr)
    ("CHN_RAIL", "CHN", "source", "", "mt/yr", "", "Chinese rail network at the Kazakh border: westbound transit cargo"),
    ("DOSTYK", "KAZ", "border", "", "mt/yr", "", "Dostyk (Alashankou on the Chinese side)"),
    ("ALTYNKOL", "KAZ", "border", "", "mt/yr", "", "Altynkol (Khorgos on the Chinese side)"),
    ("KZ_RAIL", "KAZ", "hub", "", "mt/yr", "", "Kazakh rail network (transit)"),
    ("KURYK_AKTAU", "KAZ", "port", "", "mt/yr", "", "Aktau and Kuryk ports: Caspian ferries of the Middle Corridor"),
    ("ALAT", "AZE", "port", "", "mt/yr", "", "Baku/Alat port and Azerbaijani railway"),
    ("GEO_RAIL", "GEO", "rail", "", "mt/yr", "", "Georgian railway and Black Sea ports (Poti, Batumi)"),
    ("TUR_RAIL", "TUR", "rail", "", "mt/yr", "", "Turkish railway (Kars onward)"),
    ("RUS_RAIL", "RUS", "rail", "", "mt/yr", "", "Russian railway: the northern route"),
    ("BLR_RAIL", "BLR", "rail", "", "mt/yr", "", "Belarusian railway (Brest) to the EU border"),
    ("TKM_RAIL", "TKM", "rail", "", "mt/yr", "", "Turkmen railway: the southern route (Kazakhstan-Turkmenistan-Iran)"),
    ("IRN_RAIL", "IRN", "rail", "", "mt/yr", "", "Iranian railway to the Turkish border"),
    ("EUROPE", "WLD", "market", "", "mt/yr", "", "European destinations (sink of the rail network)"),
]

INF = "inf"
CONNECTOR = "connector: logical link, not a physical constraint"

# source, target, capacity, unit, mode, route, basis, citation, note
OIL_EDGES = [
    ("KZ_OIL", "ATYRAU", INF, "mt/yr", "connector", "", "connector", "", CONNECTOR),
    ("KZ_OIL", "AKTAU", INF, "mt/yr", "connector", "", "connector", "", CONNECTOR),
    ("KZ_OIL", "ATASU", INF, "mt/yr", "connector", "", "connector", "", CONNECTOR),
    ("KZ_OIL", "KZ_OIL_RAIL", INF, "mt/yr", "connector", "", "connector", "", CONNECTOR),
    ("ATYRAU", "NOVOROSSIYSK", "72.5", "mt/yr", "oil_pipeline", "CPC", "capacity",
     kzf("O13", NOVA), "CPC capacity of the Kazakh section after debottlenecking, 2023: "
     "'possono ora transitare 72,5 milioni di tonnellate di petrolio l'anno'"),
    ("ATYRAU", "SAMARA", "8", "mt/yr", "oil_pipeline", "Atyrau-Samara", "observed_flow",
     kzf("O1", NUS), "observed flow 2022 (8 mt via Atyrau-Samara-Druzhba) used as a lower-bound "
     "capacity; no capacity figure was found (2013 flow was 15.4 mt, O19)"),
    ("AKTAU", "BAKU", "2.2", "mt/yr", "tanker", "Aktau-Baku-Ceyhan", "agreement",
     kzf("O16", NEWSAZ), "KMG-SOCAR agreement (Mar 2024) to raise Kazakh oil via BTC to 2.2 mt/yr; "
     "tankers Aktau-Baku carry these volumes (1.392 mt shipped in 2023, O9)"),
    ("BAKU", "BTC_GEO", "2.2", "mt/yr", "oil_pipeline", "Aktau-Baku-Ceyhan", "agreement",
     kzf("O16", NEWSAZ), "Kazakh volumes agreed for the Baku-Tbilisi-Ceyhan pipeline (up to 2.2 mt/yr)"),
    ("BTC_GEO", "CEYHAN", "2.2", "mt/yr", "oil_pipeline", "Aktau-Baku-Ceyhan", "agreement",
     kzf("O16", NEWSAZ), "Kazakh volumes agreed for the Baku-Tbilisi-Ceyhan pipeline (up to 2.2 mt/yr)"),
    ("AKTAU", "MAKHACHKALA", "1.984", "mt/yr", "tanker", "Aktau-Makhachkala", "observed_flow",
     kzf("O9", MENAFN_O9), "observed flow 2023 (1.984 mt from Aktau towards Makhachkala) used as a "
     "lower-bound capacity; no capacity figure was found"),
    ("ATASU", "ALASHANKOU", "1.2", "mt/yr", "oil_pipeline", "Kazakhstan-China", "observed_flow",
     kzf("O6", MS), "observed Kazakh exports to China 2023 (1.2 mt) used as a lower-bound capacity "
     "for Kazakh oil; the same pipe also carried 10 mt of Russian transit in 2023 (O12) and 11.8 mt "
     "of Kazakh oil in 2013 (O19); no capacity figure was found"),
    ("KZ_OIL_RAIL", "OIL_MARKETS", "0.4", "mt/yr", "rail", "oil by rail", "observed_flow",
     kzf("O1", NUS), "observed 2022 oil exports by rail (0.4 mt) used as a lower-bound capacity; "
     "routes and destinations not stated"),
    ("NOVOROSSIYSK", "OIL_MARKETS", INF, "mt/yr", "connector", "CPC", "connector", "", CONNECTOR),
    ("SAMARA", "OIL_MARKETS", INF, "mt/yr", "connector", "Atyrau-Samara", "connector", "", CONNECTOR),
    ("MAKHACHKALA", "OIL_MARKETS", INF, "mt/yr", "connector", "Aktau-Makhachkala", "connector", "", CONNECTOR),
    ("CEYHAN", "OIL_MARKETS", INF, "mt/yr", "connector", "Aktau-Baku-Ceyhan", "connector", "", CONNECTOR),
    ("ALASHANKOU", "OIL_MARKETS", INF, "mt/yr", "connector", "Kazakhstan-China", "connector", "", CONNECTOR),
]

# Gas routes from GEM rows: ProjectID -> (route name, legs). The capacity of each leg is the
# GEM row's capacity; parallel rows on one leg (lines A, B, C) add up in the max-flow solver.
GAS_ROUTES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "P2299": ("Central Asia-China", [("TKM_GAS", "UZB_GAS"), ("UZB_GAS", "SHYMKENT"), ("SHYMKENT", "KHORGOS_GAS")]),
    "P2300": ("Central Asia-China", [("TKM_GAS", "UZB_GAS"), ("UZB_GAS", "SHYMKENT"), ("SHYMKENT", "KHORGOS_GAS")]),
    "P1124": ("Central Asia-China", [("TKM_GAS", "UZB_GAS"), ("UZB_GAS", "SHYMKENT"), ("SHYMKENT", "KHORGOS_GAS")]),
    "P0741": ("Central Asia-Center", [("TKM_GAS", "UZB_GAS"), ("UZB_GAS", "BEINEU"), ("BEINEU", "ALEKSANDROV_GAY")]),
    "P2492": ("Okarem-Beyneu", [("TKM_GAS", "BEINEU")]),
    "P3273": ("Beineu-Bozoy-Shymkent", [("BEINEU", "BOZOY"), ("BOZOY", "KARAOZEK"), ("KARAOZEK", "SHYMKENT")]),
    "P3300": ("Saryarka", [("KARAOZEK", "ASTANA_GAS")]),
    "P2289": ("Bukhara-Ural", [("UZB_GAS", "BU_KZ"), ("BU_KZ", "URAL_RUS")]),
    "P0739": ("Bukhara-Tashkent-Bishkek-Almaty", [("UZB_GAS", "BISHKEK_GAS"), ("BISHKEK_GAS", "ALMATY_GAS")]),
}
# Kazakhstan rows of the GEM file deliberately left out, with the reason (printed by the script).
GAS_SKIPPED = {
    "P0740": "status Cancelled",
    "P2291": "Central Asia-Center I, II: overlaps P0741 (the Central Asia-Center system row); "
             "adding it would count the same pipes twice",
    "P2292": "Central Asia-Center III, IV: overlaps P0741 (the Central Asia-Center system row)",
    "P0791": "Orenburg-Novopskov: Russian gas crossing Kazakh territory to Ukraine, not part of "
             "Kazakhstan's export or transit network",
    "P1476": "Makat-North Caucasus: no capacity in the GEM file",
    "P1723": "Kungrad-Chelyabinsk: no capacity in the GEM file",
    "P3307": "Saryarka phase II: status Proposed",
    "P3308": "Saryarka phase III: status Proposed",
    "P3309": "Saryarka phase IV: status Proposed",
}
GAS_CONNECTORS = [
    ("KZ_GAS", "BEINEU"),
    ("KHORGOS_GAS", "GAS_MARKETS"),
    ("ALEKSANDROV_GAY", "GAS_MARKETS"),
    ("URAL_RUS", "GAS_MARKETS"),
]

# Chinese westbound transit 2024 (M9) split between the two crossings by the Q1 2024 counts of
# China-Europe trains (M10): derived, rounded to 0.001 mt.
_TRANSIT_2024 = 15.3
_TRAINS = {"ALTYNKOL": 1848, "DOSTYK": 1809}
_TITR_2024 = 4.5


def _crossing(node: str) -> str:
    return f"{_TRANSIT_2024 * _TRAINS[node] / sum(_TRAINS.values()):.3f}"


_M9_M10 = f"{kzf('M9', ES_M9)} | {kzf('M10', AZ_M10)}"
_TITR_NOTE = ("TITR route capacity 6 mt/yr (incl. 100,000 TEU) as published, applied to each leg of "
              "the route: 'The capacity of the route ... increased to six million tons per year'")
RAIL_EDGES = [
    ("CHN_RAIL", "ALTYNKOL", _crossing("ALTYNKOL"), "mt/yr", "rail", "China crossings", "derived",
     _M9_M10, "derived lower bound: Chinese transit via Kazakhstan 2024 (15.3 mt, M9) times Khorgos's "
     "share of China-Europe trains in Q1 2024 (1,848 of 3,657, M10); no crossing capacity was found"),
    ("CHN_RAIL", "DOSTYK", _crossing("DOSTYK"), "mt/yr", "rail", "China crossings", "derived",
     _M9_M10, "derived lower bound: Chinese transit via Kazakhstan 2024 (15.3 mt, M9) times "
     "Alashankou's share of China-Europe trains in Q1 2024 (1,809 of 3,657, M10); no crossing capacity was found"),
    ("ALTYNKOL", "KZ_RAIL", INF, "mt/yr", "connector", "", "connector", "", CONNECTOR),
    ("DOSTYK", "KZ_RAIL", INF, "mt/yr", "connector", "", "connector", "", CONNECTOR),
    ("KZ_RAIL", "KURYK_AKTAU", "6", "mt/yr", "rail", "Middle Corridor (TITR)", "capacity", kzf("M2", TREND_M2), _TITR_NOTE),
    ("KURYK_AKTAU", "ALAT", "6", "mt/yr", "ferry", "Middle Corridor (TITR)", "capacity", kzf("M2", TREND_M2), _TITR_NOTE),
    ("ALAT", "GEO_RAIL", "6", "mt/yr", "rail", "Middle Corridor (TITR)", "capacity", kzf("M2", TREND_M2), _TITR_NOTE),
    ("GEO_RAIL", "TUR_RAIL", "6", "mt/yr", "rail", "Middle Corridor (TITR)", "capacity", kzf("M2", TREND_M2), _TITR_NOTE),
    ("GEO_RAIL", "EUROPE", "6", "mt/yr", "ferry", "Middle Corridor (TITR)", "capacity", kzf("M2", TREND_M2),
     _TITR_NOTE + "; Black Sea ferries from Poti/Batumi"),
    ("TUR_RAIL", "EUROPE", INF, "mt/yr", "connector", "", "connector", "", CONNECTOR),
    ("KZ_RAIL", "RUS_RAIL", f"{_TRANSIT_2024 - _TITR_2024:.1f}", "mt/yr", "rail", "Northern route", "derived",
     f"{kzf('M9', ES_M9)} | {kzf('M3', VK_M3)}",
     "derived lower bound: Chinese transit via Kazakhstan 2024 (15.3 mt, M9) minus all TITR cargo "
     "2024 (4.5 mt, M3) = 10.8 mt that left by other routes, taken as the northern route's "
     "(the southern route has no figure); no capacity figure was found"),
    ("RUS_RAIL", "BLR_RAIL", f"{_TRANSIT_2024 - _TITR_2024:.1f}", "mt/yr", "rail", "Northern route", "derived",
     f"{kzf('M9', ES_M9)} | {kzf('M3', VK_M3)}", "same derived lower bound as the Kazakh leg of the northern route"),
    ("BLR_RAIL", "EUROPE", f"{_TRANSIT_2024 - _TITR_2024:.1f}", "mt/yr", "rail", "Northern route", "derived",
     f"{kzf('M9', ES_M9)} | {kzf('M3', VK_M3)}", "same derived lower bound as the Kazakh leg of the northern route"),
    ("KZ_RAIL", "TKM_RAIL", "0", "mt/yr", "rail", "Southern route", "unknown", "",
     "no source gives a capacity or a flow for the Kazakhstan-Turkmenistan-Iran railway: counted as 0 "
     "until a user supplies a figure"),
    ("TKM_RAIL", "IRN_RAIL", "0", "mt/yr", "rail", "Southern route", "unknown", "",
     "no sourced figure: counted as 0"),
    ("IRN_RAIL", "TUR_RAIL", "0", "mt/yr", "rail", "Southern route", "unknown", "",
     "no sourced figure: counted as 0"),
]

# Named flow problems in the graph: which source and sinks answer a domain's question.
SYSTEMS = [
    ("oil_export", "KAZ", "energy", "KZ_OIL", "OIL_MARKETS", "mt/yr",
     "Kazakhstan's crude export route capacity"),
    ("gas_export", "KAZ", "energy", "KZ_GAS", "GAS_MARKETS", "bcm/yr",
     "Kazakhstan's gas export pipeline capacity"),
    ("gas_transit", "KAZ", "", "TKM_GAS", "GAS_MARKETS", "bcm/yr",
     "Central Asian gas transit through Kazakhstan (not used in domain losses)"),
    ("rail_transit", "KAZ", "corridors", "CHN_RAIL", "EUROPE", "mt/yr",
     "China-Europe rail transit through Kazakhstan"),
]
SYSTEM_FIELDS = ["system", "focal", "domain", "source", "sinks", "unit", "description"]

NODE_FIELDS = ["id", "country", "kind", "capacity", "unit", "citation", "note"]
EDGE_FIELDS = ["source", "target", "capacity", "unit", "mode", "route", "basis", "citation", "note"]


def _num(text: str) -> str:
    v = float(text)
    return f"{v:g}"


def gas_edges(gem_path: Path) -> list[tuple]:
    """Edges of the gas network from the GEM file (capacities as GEM gives them, bcm/yr)."""
    import pandas as pd

    df = pd.read_csv(gem_path, sep=";", dtype=str, keep_default_na=False)
    kaz = df[df["Countries"].str.contains("Kazakhstan")]
    seen = set(kaz["ProjectID"])
    missing = sorted(set(GAS_ROUTES) - seen)
    if missing:
        raise SystemExit(f"{gem_path}: expected GEM rows {missing} for Kazakhstan; not found")
    unknown = sorted(seen - set(GAS_ROUTES) - set(GAS_SKIPPED))
    if unknown:
        raise SystemExit(f"{gem_path}: Kazakhstan rows {unknown} are neither used nor skipped; "
                         "decide for each in scripts/derive_corridors.py")
    out = []
    for pid, (route, legs) in GAS_ROUTES.items():
        row = kaz[kaz["ProjectID"] == pid].iloc[0]
        unit = row["CapacityUnits"].strip()
        if unit not in ("bcm/year", "bcm/y"):
            raise SystemExit(f"{gem_path}: {pid} capacity unit {unit!r}; expected bcm/year")
        if row["Status"] != "Operating":
            raise SystemExit(f"{gem_path}: {pid} status {row['Status']!r}; expected Operating")
        cap = _num(row["Capacity"])
        seg = f" ({row['SegmentName']})" if row["SegmentName"] else ""
        cite = GEM_CITE.format(pid=pid, name=row["PipelineName"], segment=seg, cap=row["Capacity"],
                               unit=unit, wiki=row["Wiki"])
        owners = row["Parent"] if row["Parent"] not in ("", "--") else "not given"
        for s, t in legs:
            out.append((s, t, cap, "bcm/yr", "gas_pipeline", route, "capacity", cite,
                        f"GEM capacity of {row['PipelineName']}{seg} applied to each leg; "
                        f"start {row['StartCountry']}, end {row['EndCountry']}; owners: {owners}"))
    for s, t in GAS_CONNECTORS:
        out.append((s, t, INF, "bcm/yr", "connector", "", "connector", "", CONNECTOR))
    for pid, why in GAS_SKIPPED.items():
        print(f"  GEM {pid} skipped: {why}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--out", default=str(OUT))
    args = parser.parse_args(argv)
    gem = Path(args.shared) / GEM_FILE
    if not gem.exists():
        print(f"error: {gem} not found (needs ../shared/data beside the checkout)", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    edges = OIL_EDGES + gas_edges(gem) + RAIL_EDGES
    with (out / "kaz_nodes.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(NODE_FIELDS)
        w.writerows(NODES)
    with (out / "kaz_edges.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(EDGE_FIELDS)
        w.writerows(edges)
    with (out / "kaz_systems.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(SYSTEM_FIELDS)
        w.writerows(SYSTEMS)
    print(f"wrote {len(NODES)} nodes and {len(edges)} edges to {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
