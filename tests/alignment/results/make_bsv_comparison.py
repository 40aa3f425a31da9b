"""Build ``bsv_agreement_comparison.csv``: equipoise's exact agreement from the unvotes roll
calls against the agreement published in the Bailey-Strezhnev-Voeten ideal-point file.

Run from the repository root::

    .venv/bin/python tests/alignment/results/make_bsv_comparison.py

Inputs (../shared/data, never copied): ``unvotes/`` (Voeten via the R package unvotes) and
``unga-ideal-points/IdealpointestimatesAll_Jun2024.csv.gz`` (Bailey, Strezhnev & Voeten 2017,
Harvard Dataverse hdl:1902.1/12379). Output: one row per focal state, pole and session with the
computed and published values, both vote counts, ``match`` (|diff| < 1e-6) and, where they
differ, the reason. The published values are BSV's (rounded to 7 significant digits there).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT / "src"))

from equipoise.measures.alignment import alignment  # noqa: E402
from equipoise.sources.idealpoints import published_agreement, read_idealpoints  # noqa: E402
from equipoise.sources.unvotes import read_votes  # noqa: E402

FOCALS = ("KAZ", "UZB", "KGZ", "IND", "TUR")
POLES = ("USA", "RUS", "CHN")


def build(data: Path) -> pd.DataFrame:
    vs = read_votes(data / "unvotes")
    ip = read_idealpoints(data / "unga-ideal-points" / "IdealpointestimatesAll_Jun2024.csv.gz")
    cast = vs.votes[vs.votes["vote"] != "absent"].groupby(["country", "session"]).size()
    last = int(vs.votes["session"].max())
    rows = []
    for focal in FOCALS:
        r = alignment(vs, focal=focal, poles=list(POLES), by="session", measure="agree", reps=0)
        pub = published_agreement(ip, focal)
        pub = pub[pub["pole"].isin(POLES)]
        m = pub.merge(r.series.rename(columns={"period": "session", "value": "computed"}),
                      on=["session", "pole"], how="left")
        for x in m.itertuples():
            n_un = int(cast.get((focal, x.session), 0))
            diff = abs(x.computed - x.value) if not np.isnan(x.computed) else np.nan
            match = bool(diff < 1e-6) if not np.isnan(diff) else False
            if match and n_un != int(x.n_votes):
                reason = (f"values agree although the vote sets differ (NVotesAll = "
                          f"{int(x.n_votes)}, unvotes {n_un}): equal ratios by coincidence")
            elif match:
                reason = ""
            elif x.session > last:
                reason = f"session {x.session} is after the unvotes data (ends with session {last})"
            elif n_un != int(x.n_votes):
                reason = (f"BSV uses a different roll-call set in this session: NVotesAll = "
                          f"{int(x.n_votes)}, unvotes has {n_un} votes cast by {focal}")
            else:
                reason = "same vote count but a different value: unexplained"
            rows.append({"focal": focal, "pole": x.pole, "session": int(x.session),
                         "computed": x.computed, "published": x.value,
                         "n_votes_unvotes": n_un, "n_votes_bsv": int(x.n_votes),
                         "match": match, "reason": reason,
                         "source": "published: Bailey, Strezhnev & Voeten (2017) "
                                   "IdealpointestimatesAll_Jun2024; computed: equipoise from "
                                   "Voeten UNGA votes (R pkg unvotes)"})
    return pd.DataFrame(rows)


if __name__ == "__main__":
    data = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "data"
    out = build(data)
    out.to_csv(Path(__file__).with_name("bsv_agreement_comparison.csv"), index=False,
               float_format="%.9g")
    print(out.groupby("focal")["match"].agg(["sum", "count"]))
