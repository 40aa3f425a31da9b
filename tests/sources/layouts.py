"""Writers of small files in the exact published layouts (no real copies exist here).

BACI: CEPII's distribution (``BACI_HS17_Y2021_V202401b.csv`` with ``t,i,j,k,v,q``; ``k``
without its leading zero; ``q`` ``NA`` padded with spaces; ``country_codes_V202401b.csv``
with ``country_code,country_name,country_iso2,country_iso3``; ``product_codes_HS17_V202401b.csv``
with quoted ``code,description``). Comtrade: the Comtrade+ bulk/API header and the legacy
bulk CSV header, as published by UN Statistics Division.
"""

from __future__ import annotations

import csv
from pathlib import Path

BACI_COUNTRIES = [
    (4, "Afghanistan", "AF", "AFG"), (156, "China", "CN", "CHN"), (251, "France", "FR", "FRA"),
    (276, "Germany", "DE", "DEU"), (398, "Kazakhstan", "KZ", "KAZ"),
    (490, "Other Asia, nes", "N/A", "S19"), (643, "Russian Federation", "RU", "RUS"),
    (699, "India", "IN", "IND"), (757, "Switzerland", "CH", "CHE"),
    (842, "USA", "US", "USA"),
]

# (t, i, j, k, v, q) -- q None writes BACI's padded NA
BACI_ROWS = {
    2020: [(2020, 156, 398, 850110, 70.0, 1.5), (2020, 643, 398, 850110, 30.0, None),
           (2020, 398, 643, 10121, 12.5, 0.2), (2020, 842, 398, 880240, 100.0, 3.0)],
    2021: [(2021, 156, 398, 850110, 80.0, 1.5), (2021, 643, 398, 850110, 10.0, None),
           (2021, 276, 398, 850110, 10.0, 0.3), (2021, 398, 643, 10121, 12.5, 0.2),
           (2021, 842, 398, 880240, 120.0, 3.0), (2021, 251, 398, 880240, 5.0, 0.1),
           (2021, 490, 398, 847130, 44.0, 1.0), (2021, 398, 490, 720211, 3.0, 1.0),
           (2021, 699, 757, 300490, 9.25, 0.5)],
}


def write_baci(folder: Path, rows: dict | None = None, version: str = "V202401b") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for year, recs in (rows or BACI_ROWS).items():
        with (folder / f"BACI_HS17_Y{year}_{version}.csv").open("w", newline="") as fh:
            fh.write("t,i,j,k,v,q\n")
            for t, i, j, k, v, q in recs:
                qtxt = "           NA" if q is None else f"{q:.3f}"
                fh.write(f"{t},{i},{j},{k},{v:.3f},{qtxt}\n")
    with (folder / f"country_codes_{version}.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["country_code", "country_name", "country_iso2", "country_iso3"])
        w.writerows(BACI_COUNTRIES)
    with (folder / f"product_codes_HS17_{version}.csv").open("w", newline="",
                                                            encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_NONNUMERIC)
        w.writerow(["code", "description"])
        for code, desc in (("010121", "Horses: live, pure-bred breeding animals"),
                           ("850110", "Electric motors: of an output not exceeding 37.5W"),
                           ("880240", "Aeroplanes: unladen weight exceeding 15,000kg")):
            w.writerow([code, desc])
    return folder


COMTRADE_PLUS_HEADER = [
    "typeCode", "freqCode", "refPeriodId", "refYear", "refMonth", "period", "reporterCode",
    "reporterISO", "reporterDesc", "flowCode", "flowDesc", "partnerCode", "partnerISO",
    "partnerDesc", "partner2Code", "partner2ISO", "partner2Desc", "classificationCode",
    "classificationSearchCode", "isOriginalClassification", "cmdCode", "cmdDesc", "aggrLevel",
    "isLeaf", "customsCode", "customsDesc", "mosCode", "motCode", "motDesc", "qtyUnitCode",
    "qtyUnitAbbr", "qty", "isQtyEstimated", "altQtyUnitCode", "altQtyUnitAbbr", "altQty",
    "isAltQtyEstimated", "netWgt", "isNetWgtEstimated", "grossWgt", "isGrossWgtEstimated",
    "cifvalue", "fobvalue", "primaryValue", "legacyEstimationFlag", "isReported", "isAggregate",
]


def comtrade_plus_row(year, reporter, flow, partner, cmd, value, *, partner2=0, mot=0,
                      customs="C00", weight=1000.0) -> dict:
    row = dict.fromkeys(COMTRADE_PLUS_HEADER, "")
    row.update({"typeCode": "C", "freqCode": "A", "refPeriodId": f"{year}0101",
                "refYear": year, "refMonth": 52, "period": year, "reporterCode": reporter,
                "flowCode": flow, "flowDesc": {"M": "Import", "X": "Export"}.get(flow, flow),
                "partnerCode": partner, "partner2Code": partner2, "classificationCode": "H5",
                "classificationSearchCode": "HS", "isOriginalClassification": "True",
                "cmdCode": cmd, "aggrLevel": len(str(cmd)), "isLeaf": "True",
                "customsCode": customs, "mosCode": 0, "motCode": mot, "netWgt": weight,
                "primaryValue": value, "cifvalue": value, "isReported": "True",
                "isAggregate": "False"})
    return row


def write_comtrade_plus(path: Path, rows: list[dict], sep: str = "\t") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COMTRADE_PLUS_HEADER, delimiter=sep,
                           lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    return path


COMTRADE_LEGACY_HEADER = [
    "Classification", "Year", "Period", "Period Desc.", "Aggregate Level", "Is Leaf Code",
    "Trade Flow Code", "Trade Flow", "Reporter Code", "Reporter", "Reporter ISO",
    "Partner Code", "Partner", "Partner ISO", "Commodity Code", "Commodity", "Qty Unit Code",
    "Qty Unit", "Qty", "Netweight (kg)", "Trade Value (US$)", "Flag",
]


def write_comtrade_legacy(path: Path, rows: list[tuple]) -> Path:
    """rows: (year, reporter_code, reporter, flow_code, partner_code, partner, cmd, value)."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
        w.writerow(COMTRADE_LEGACY_HEADER)
        for y, rc, rn, fc, pc, pn, cmd, val in rows:
            w.writerow(["HS", y, y, y, len(cmd), 1, fc, {1: "Import", 2: "Export"}[fc], rc, rn,
                        "", pc, pn, "", cmd, "Commodity text, with a comma", 8, "kg", 10,
                        2500, val, 0])
    return path
