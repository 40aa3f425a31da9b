"""Small datasets in the published layouts the panel reads, written under a data folder.

Every number below is made up for the tests; the expected values in the tests are computed by
hand from them (see each test's comment).
"""

from __future__ import annotations

import csv
from pathlib import Path

# COW codes: KAZ 705, CHN 710, RUS 365, USA 2, DEU 255
# (ccode1, ccode2, year, flow1, flow2): flow1 = imports of ccode1 from ccode2 (USD mn)
COW_DYADIC = [
    (705, 710, 2010, 300.0, 500.0),   # KAZ imports 300 from CHN; CHN imports 500 from KAZ
    (365, 705, 2010, 200.0, 400.0),   # RUS imports 200 from KAZ; KAZ imports 400 from RUS
    (2, 705, 2010, 100.0, 100.0),     # USA imports 100 from KAZ; KAZ imports 100 from USA
    (255, 705, 2010, -9, 0.0),        # DEU imports missing (-9, quarantined); KAZ 0 from DEU
    (2, 710, 2010, 700.0, 600.0),     # USA-CHN
]
# (ccode, year, imports, exports) USD mn; CHN has no national row (its shares: insufficient)
COW_NATIONAL = [(705, 2010, 1000.0, 900.0), (2, 2010, 2000.0, 1000.0), (365, 2010, -9, -9)]

# SIPRI trade register (snake-case layout): recipient, supplier, delivery year, TIV
SIPRI = [
    ("Kazakhstan", "Russia", 2006, 10.0), ("Kazakhstan", "Russia", 2008, 20.0),
    ("Kazakhstan", "Russia", 2010, 30.0), ("Kazakhstan", "United States", 2010, 40.0),
    ("Kazakhstan", "China", 2004, 50.0), ("Kazakhstan", "Hezbollah*", 2009, 5.0),
]

# UN votes, year 2010: 12 roll calls. KAZ, CHN, RUS, USA and three EU members (DEU, FRA, ITA)
VOTERS = ("KZ", "CN", "RU", "US", "DE", "FR", "IT")
Y, N, A = "yes", "no", "abstain"
VOTES = {  # rcid -> votes of KZ, CN, RU, US, DE, FR, IT
    1: (Y, Y, Y, N, Y, Y, N),
    2: (Y, Y, Y, N, Y, Y, Y),
    3: (Y, Y, N, Y, Y, N, N),
    4: (Y, Y, Y, N, A, A, Y),
    5: (Y, Y, Y, Y, Y, Y, Y),
    6: (Y, N, Y, N, N, N, A),
    7: (Y, Y, A, N, Y, A, A),
    8: (Y, Y, Y, N, Y, N, A),      # EU: yes 1, no 1, abstain 1 -> tie, no EU27 position
    9: (N, N, N, Y, Y, Y, Y),
    10: (N, Y, N, Y, N, N, Y),
    11: (A, Y, A, A, A, A, Y),
    12: (A, A, Y, N, Y, Y, None),  # IT did not vote
}

# IMF DIP: outward positions of reporters in KAZ (host view), and USA's inward positions
DIP_OUT = [("CHN", "KAZ", 2020, 600.0), ("USA", "KAZ", 2020, 300.0),
           ("DEU", "KAZ", 2020, 100.0), ("USA", "GX123", 2020, 5.0)]
DIP_IN = [("USA", "G001", 2020, 1000.0), ("USA", "CHN", 2020, 100.0),
          ("USA", "KAZ", 2020, 50.0)]


def _write(path: Path, header: list[str], rows: list) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def write_all(root: Path) -> Path:
    """Write the four datasets under ``root`` in the shared/data folder layout."""
    cow = root / "cow-atop-peacesciencer"
    _write(cow / "cow_trade_ndy.csv", ["ccode1", "ccode2", "year", "flow1", "flow2"],
           COW_DYADIC)
    _write(cow / "cow_trade_sy.csv", ["ccode", "year", "imports", "exports"], COW_NATIONAL)
    _write(root / "sipri-arms-transfers" / "trade_register_test.csv",
           ["sipri_at_database_id", "supplier", "recipient", "delivery_year",
            "tiv_delivery_values"],
           [(i + 1, s, r, y, v) for i, (r, s, y, v) in enumerate(SIPRI)])
    names = dict(zip(VOTERS, ("Kazakhstan", "China", "Russia", "United States", "Germany",
                              "France", "Italy"), strict=True))
    rows = [(rc, names[c], c, v) for rc, vs in VOTES.items()
            for c, v in zip(VOTERS, vs, strict=True) if v is not None]
    _write(root / "unvotes" / "un_votes.csv", ["rcid", "country", "country_code", "vote"], rows)
    _write(root / "unvotes" / "un_roll_calls.csv", ["rcid", "session", "date"],
           [(rc, 65, f"2010-10-{rc:02d}") for rc in VOTES])
    hdr = ["COUNTRY.ID", "DV_TYPE.ID", "INDICATOR.ID", "COUNTERPART_COUNTRY.ID", "TIME_PERIOD",
           "OBS_VALUE"]
    _write(root / "imf-dip-fdi" / "imf_dip_outward_positions_test.csv", hdr,
           [(r, "O", "OTWD_D_NETLA_FALL_ALL", c, f"{y}.0", v) for r, c, y, v in DIP_OUT])
    _write(root / "imf-dip-fdi" / "imf_dip_inward_positions_test.csv", hdr,
           [(r, "O", "INWD_D_NETLA_FALL_ALL", c, f"{y}.0", v) for r, c, y, v in DIP_IN])
    return root


def build_panel(root: Path) -> Path:
    """The synthetic datasets written under ``root / "data"`` and built into a panel by the CLI
    (``equipoise panel build``); returns the warehouse file."""
    from equipoise._cli.main import run

    data = write_all(root / "data")
    db = root / "w.duckdb"
    try:
        run([str(x) for x in ("panel", "build", "--data-dir", data, "--db", db, "--json")])
    except SystemExit as exc:
        assert not exc.code
    return db
