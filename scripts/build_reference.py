"""Build the shipped country table from the countrycode code list.

Reads ``../shared/data/country-codes/countrycode_codelist.csv`` (Arel-Bundock, Enevoldsen &
Yetman, countrycode 1.8.0; codes are facts) and writes
``src/equipoise/reference/countries.csv`` with the code columns equipoise needs. The raw file is
never copied; only these code columns are kept.

Usage: python scripts/build_reference.py [--shared ../shared]
"""

from __future__ import annotations

import argparse
import csv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "equipoise" / "reference" / "countries.csv"

COLUMNS = {
    "iso3": "iso3c",
    "iso2": "iso2c",
    "m49": "un",
    "cow": "cown",
    "cowc": "cowc",
    "imf": "imf",
    "name": "country.name.en",
    "un_region": "un.region.name",
    "un_subregion": "un.regionsub.name",
}


def _int_text(value: str) -> str:
    """Codes come as '705' or '705.0'; keep integers as plain text."""
    value = value.strip()
    if not value or value == "NA":
        return ""
    try:
        return str(int(float(value)))
    except ValueError:
        return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    args = parser.parse_args()
    src = Path(args.shared) / "data" / "country-codes" / "countrycode_codelist.csv"
    rows = []
    with src.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            iso3 = (rec["iso3c"] or "").strip()
            if not iso3 or iso3 == "NA":
                continue
            row = {}
            for out, col in COLUMNS.items():
                val = (rec.get(col) or "").strip()
                # R writes missing values as "NA"; "NA" is also Namibia's ISO2 code.
                if val == "NA" and not (out == "iso2" and iso3 == "NAM"):
                    val = ""
                if out in {"m49", "cow", "imf"}:
                    val = _int_text(val)
                row[out] = val
            rows.append(row)
    rows.sort(key=lambda r: r["iso3"])
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(COLUMNS), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} countries to {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
