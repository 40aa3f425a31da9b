"""Peer groups: the shipped default group of states that hedge between the same poles, and a
peer table of the balance index with ranks within the group.

The default group (``reference/peer_groups.csv``, :data:`DEFAULT_GROUP`) holds Central Asia,
the South Caucasus, Mongolia and other states that hedge between China, Russia, the US and the
EU (Turkey, Vietnam, India), each membership with its citation. It is a separate table from
``groups``/``group_members`` on purpose: those are partner groups usable in flows and as poles
(a peer group is neither), and a peer membership needs a note saying why the state hedges.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import OptionError

__all__ = ["DEFAULT_GROUP", "default_peers", "peer_groups", "peer_table"]

DEFAULT_GROUP = "EURASIA_HEDGERS"


@cache
def _table() -> pd.DataFrame:
    ref = resources.files("equipoise.reference").joinpath("peer_groups.csv")
    with ref.open("r", encoding="utf-8") as fh:
        return pd.read_csv(fh, dtype=str, keep_default_na=False)


def peer_groups() -> pd.DataFrame:
    """The shipped peer groups: ``group, member, source, note``."""
    return _table().copy()


def default_peers(focal: str | None = None, group: str = DEFAULT_GROUP) -> list[str]:
    """The members of ``group`` (the shipped default), without ``focal``, in table order."""
    t = _table()
    if group not in set(t["group"]):
        raise OptionError(f"peer group {group!r} unknown; the shipped groups are "
                          f"{', '.join(sorted(set(t['group'])))} (reference/peer_groups.csv)")
    members = t.loc[t["group"] == group, "member"].tolist()
    f = None if focal is None else str(focal).strip().upper()
    return [m for m in members if m != f]


def peer_table(focal: str, db: str | Path | None = None, *, peers: list[str] | None = None,
               years: list[int] | None = None, start: int | None = None,
               end: int | None = None, reps: int = 200, seed: int = 12345,
               doctrine) -> dict[str, Any]:
    """The balance index of ``focal`` and its peers (default :func:`default_peers`) with the
    rank among them per year (``peer_rank``: 1 = most balanced, among the group's states
    with status ``ok``) beside the index's own world rank.

    ``years`` keeps only those years (after computing over ``start..end``). ``doctrine``: as
    in :func:`~equipoise.panel.index.balance_index`.
    """
    from .index import balance_index
    from .show import check_focal

    focal = check_focal(focal)
    group = list(dict.fromkeys([focal, *[check_focal(p, "--peers") for p in
                                         (peers if peers is not None else
                                          default_peers(focal))]]))
    if years:
        start = min(years) if start is None else start
        end = max(years) if end is None else end
    res = balance_index(db, states=group, start=start, end=end, reps=reps, seed=seed,
                        doctrine=doctrine)
    df = res.frame.copy()
    if years:
        df = df[df["year"].isin(years)]
    ok = df["status"] == "ok"
    df["peer_rank"] = df[ok].groupby("year")["index"].rank(ascending=False, method="min")
    df["peers_ranked"] = df[ok].groupby("year")["index"].transform("size")
    src = _table().set_index("member")
    in_default = set(default_peers(None))
    df["source"] = [src.loc[s, "source"] if s in in_default and s in src.index else
                    ("focal" if s == focal else "given by the user") for s in df["state"]]
    df = df.sort_values(["year", "peer_rank", "state"], na_position="last")
    cols = ["state", "year", "index", "lower", "upper", "peer_rank", "peers_ranked", "rank",
            "ranked", "percentile", "status", "equal_distance_measure", "note", "source"]
    records = []
    for r in df[cols].to_dict("records"):
        rec = {k: (None if isinstance(v, float) and v != v else v) for k, v in r.items()}
        for k in ("peer_rank", "peers_ranked", "rank", "ranked", "year"):
            rec[k] = None if rec[k] is None else int(rec[k])
        records.append(rec)
    return {"focal": focal, "group": DEFAULT_GROUP if peers is None else "given",
            "peers": group[1:], "reps": reps, "seed": seed,
            "rank": "peer_rank: among the group's states with status ok (1 = most balanced); "
                    "rank/ranked: among all states of the panel with status ok",
            "records": records}
