"""The global datasets the panel reads, located under a data folder and read through the
readers of :mod:`equipoise.sources` (nothing is copied into the project).

=========  ===============================  ==============================================
domain     folder (under ``--data-dir``)    files
=========  ===============================  ==============================================
trade      ``cow-atop-peacesciencer``       ``cow_trade_ndy.csv[.gz]`` (COW Dyadic Trade
                                            v4.0), ``cow_trade_sy.csv[.gz]`` (COW National
                                            Trade v4.0: the WLD totals)
security   ``sipri-arms-transfers``         ``trade_register_1995_2024.csv[.gz]`` (or any
                                            ``trade_register*.csv[.gz]``; SIPRI deliveries)
political  ``unvotes``                      ``un_votes`` + ``un_roll_calls`` (R package
                                            *unvotes*; Voeten's data)
finance    ``imf-dip-fdi``                  ``imf_dip_outward_positions*.csv[.gz]`` and
                                            ``imf_dip_inward_positions*.csv[.gz]`` (IMF DIP)
=========  ===============================  ==============================================

Optional datasets (a default build skips an absent folder; ``--only`` NAME requires it):
``trade_national``, ``trade_eu``, ``energy`` (GEM oil), ``institutions`` (COW IGO),
``events`` (GDELT), ``political_undl`` (``unga-votes-undl-1992-2022``: UN Digital Library
votes, reader ``undl``), ``political_ideal`` (``unga-ideal-points``: Bailey-Strezhnev-Voeten
ideal points, reader ``idealpoints``), ``energy_gas`` (``gem-gas-pipelines``: GEM gas
pipelines, reader ``gem``) and ``events_icews`` (``icews-dyadic-netify``: ICEWS dyad-year
event counts by quad class, reader ``icews``).

Every dataset yields its rows as a DataFrame plus the reader's counts (read, loaded,
quarantined) and quarantine rows, so the build can say what it used and what it rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import DatasetMissingError

__all__ = ["DATASETS", "Dataset", "Read", "default_data_dir", "locate", "read_dataset"]


@dataclass(frozen=True)
class Dataset:
    """One dataset the panel needs: its folder, the file patterns inside it and its producer."""

    name: str
    domain: str
    folder: str
    patterns: tuple[str, ...]  # one glob per required file (first match wins)
    producer: str
    optional: bool = False  # a default build skips it (with a note) when its folder is absent


#: the datasets read by :mod:`equipoise.panel.extra` (name -> reader function name)
EXTRA_READERS = {"trade_national": "read_national", "trade_eu": "read_eurostat",
                 "energy": "read_oil", "institutions": "read_igo", "events": "read_gdelt",
                 "energy_gas": "read_gas", "events_icews": "read_icews"}

DATASETS: dict[str, Dataset] = {
    "trade": Dataset("trade", "trade", "cow-atop-peacesciencer",
                     ("cow_trade_ndy.csv*", "cow_trade_sy.csv*"),
                     "Correlates of War Dyadic and National Trade v4.0 (Barbieri & Keshk 2016)"),
    "security": Dataset("security", "security", "sipri-arms-transfers",
                        ("trade_register*.csv*",),
                        "SIPRI Arms Transfers Database, trade register (deliveries)"),
    "political": Dataset("political", "political", "unvotes",
                         ("un_votes.csv*", "un_roll_calls.csv*"),
                         "UN General Assembly roll-call votes (Voeten; R package unvotes)"),
    "finance": Dataset("finance", "finance", "imf-dip-fdi",
                       ("imf_dip_outward_positions*.csv*", "imf_dip_inward_positions*.csv*"),
                       "IMF Direct Investment Positions (DIP)"),
    "trade_national": Dataset("trade_national", "trade", "national-trade-by-partner",
                              ("*_trade_*by_partner*.csv*", "rus_fts_trade*.csv*"),
                              "national statistics by partner (KAZ BNS, UZB stat.uz, KGZ NSC, "
                              "ARM armstat, RUS FTS)", optional=True),
    "trade_eu": Dataset("trade_eu", "trade", "eurostat-eu-exports",
                        ("eu27_exports_by_partner*.csv*",),
                        "Eurostat Comext, EU-27 exports by partner", optional=True),
    "energy": Dataset("energy", "energy", "gem-oil-pipelines", ("gem_goit_*.csv*",),
                      "Global Energy Monitor, Global Oil Infrastructure Tracker", optional=True),
    "institutions": Dataset("institutions", "institutions", "cow-atop-peacesciencer",
                            ("cow_igo_ndy.csv*",),
                            "COW Intergovernmental Organizations v3 (Pevehouse et al. 2020)",
                            optional=True),
    "events": Dataset("events", "events", "gdelt-dyad-composite", ("gdelt_composite_*.csv*",),
                      "GDELT 2.0 composite score by country-pair year", optional=True),
    "political_undl": Dataset("political_undl", "political", "unga-votes-undl-1992-2022",
                              ("unga_votes_by_year*.csv*",),
                              "UN Digital Library, General Assembly voting data (1992-2022)",
                              optional=True),
    "political_ideal": Dataset("political_ideal", "political", "unga-ideal-points",
                               ("Idealpointestimates*.csv*",),
                               "UNGA ideal points (Bailey, Strezhnev & Voeten)", optional=True),
    "energy_gas": Dataset("energy_gas", "energy", "gem-gas-pipelines", ("gem_ggit_*.csv*",),
                          "Global Energy Monitor, Global Gas Infrastructure Tracker",
                          optional=True),
    "events_icews": Dataset("events_icews", "events", "icews-dyadic-netify",
                            ("icews_dyad_year*.csv*",),
                            "ICEWS coded event data, dyad-year counts by quad class (Boschee et "
                            "al., doi:10.7910/DVN/28075; via the R package netify)",
                            optional=True),
}


def default_data_dir() -> Path:
    """``$EQUIPOISE_SHARED_DATA``, else ``../shared/data`` beside the checkout
    (:func:`equipoise._defaults.shared_data_root`)."""
    from .._defaults import shared_data_root

    return shared_data_root().expanduser()


def locate(data_dir: str | Path, ds: Dataset) -> list[Path]:
    """The files of ``ds`` under ``data_dir``, one per pattern.

    Raises
    ------
    DatasetMissingError
        The folder or one of its files is missing; the message names the dataset, what was
        looked for and docs/sources.md (where to get it).
    """
    root = Path(data_dir)
    folder = root / ds.folder
    how = ("see docs/sources.md (and data/README.md of the shared data) for where to get it, "
           "or pass --data-dir / --only to build without it")
    if not folder.is_dir():
        raise DatasetMissingError(
            f"panel build: the {ds.name} dataset ({ds.producer}) is missing: no folder "
            f"{folder}; expected {', '.join(ds.patterns)} there; {how}")
    out = []
    for pat in ds.patterns:
        hits = sorted(p for p in folder.glob(pat)
                      if p.is_file() and p.name.endswith((".csv", ".csv.gz")))
        if not hits:
            raise DatasetMissingError(
                f"panel build: the {ds.name} dataset ({ds.producer}) is incomplete: no file "
                f"matching {pat!r} in {folder}; {how}")
        out.append(hits[0])
    return out


@dataclass
class Read:
    """What a dataset gave: frames by role, per-file counts and the quarantined rows."""

    dataset: str
    frames: dict[str, pd.DataFrame]
    files: list[dict] = field(default_factory=list)
    quarantine: pd.DataFrame | None = None
    #: rows this dataset's step writes on another dataset's behalf: the start of their
    #: ``source`` -> that dataset (the UNDL votes merged into ``political``,
    #: :func:`equipoise.panel.builder.reconcile_votes`); the build counts them under it
    rows_of: dict[str, str] = field(default_factory=dict)


def _flows(source: str, path: Path, rd_name: str | None = None) -> tuple[pd.DataFrame, dict,
                                                                       pd.DataFrame]:
    from ..sources import reader

    rd = reader(rd_name or source)
    data, qs, read = [], [], 0
    for sf in rd.files(path):
        for ch in rd.read(sf):
            data.append(ch.data)
            qs.append(ch.quarantine)
            read += ch.rows_read
    df = pd.concat(data, ignore_index=True)
    q = pd.concat(qs, ignore_index=True)
    counts = {"file": path.name, "rows_read": int(read), "rows_quarantined": len(q),
              "rows_loaded": int(read - len(q)), "rows_out": len(df)}
    return df, counts, q


def _votes(name: str, paths: list[Path], start: int, end: int
           ) -> tuple[pd.DataFrame, dict, pd.DataFrame]:
    """The votes of ``start..end`` (rcid, year, country, vote; ``attrs['source']``), the
    file's counts and quarantine: Voeten's (``political``, reader ``unvotes``) or the UN
    Digital Library's (``political_undl``, reader ``undl``)."""
    if name == "political":
        from ..sources.unvotes import CITATION, read_unvotes

        vs = read_unvotes(paths[0], paths[1], lenient=True)
        src, role, tag = CITATION, "votes", "unvotes"
    else:
        from ..sources.undl import CITATION as UNDL
        from ..sources.undl import read_undl

        vs = read_undl(paths[0], lenient=True)
        src, role, tag = UNDL, "votes (UN Digital Library)", "undl"
    v = vs.votes
    v = v[(v["year"] >= start) & (v["year"] <= end)]
    votes = pd.DataFrame({
        "rcid": v["rcid"].astype("int64").to_numpy(),
        "year": v["year"].astype("int64").to_numpy(),
        "country": v["country"].astype(str).to_numpy(),
        "vote": v["vote"].astype(str).to_numpy()})
    votes.attrs["source"] = f"{src}; {paths[0].name}"
    c = vs.counts
    f = {"file": paths[0].name, "role": role, "rows_read": int(c["read"]),
         "rows_loaded": int(c["loaded"]), "rows_quarantined": int(c["quarantined"]),
         "rows_out": int(c["loaded"]), "rows_in_years": len(votes)}
    q = vs.quarantine.copy()
    q["file"] = q.get("source", paths[0].name)
    q["source"] = tag
    return votes, f, q


def read_dataset(data_dir: str | Path, name: str, *, start: int, end: int) -> Read:
    """Read dataset ``name`` (a key of :data:`DATASETS`) from ``data_dir`` through the
    readers, keeping the years ``start - 4 .. end`` (SIPRI's window needs four years before)."""
    ds = DATASETS[name]
    paths = locate(data_dir, ds)
    frames: dict[str, pd.DataFrame] = {}
    files, qs = [], []

    def keep(df: pd.DataFrame, lo: int = start) -> pd.DataFrame:
        return df[(df["year"] >= lo) & (df["year"] <= end)].reset_index(drop=True)

    if name == "trade":
        for role, path in zip(("dyadic", "national"), paths, strict=True):
            df, c, q = _flows("cow", path)
            frames[role] = keep(df)
            files.append({**c, "role": role, "rows_in_years": len(frames[role])})
            qs.append(q)
    elif name == "security":
        df, c, q = _flows("sipri", paths[0])
        frames["arms"] = keep(df, start - 4)
        if len(df):  # the delivery years the file covers (for the window's coverage)
            frames["arms"].attrs["span"] = (int(df["year"].min()), int(df["year"].max()))
        files.append({**c, "role": "deliveries", "rows_in_years": len(frames["arms"])})
        qs.append(q)
    elif name == "finance":
        parts = []
        for role, path in zip(("outward", "inward"), paths, strict=True):
            df, c, q = _flows("imf-dip", path)
            parts.append(keep(df))
            files.append({**c, "role": role, "rows_in_years": len(parts[-1])})
            qs.append(q)
        frames["fdi"] = pd.concat(parts, ignore_index=True)
    elif name in ("political", "political_undl"):
        frames["votes"], f, q = _votes(name, paths, start, end)
        files.append(f)
        qs.append(q)
    elif name == "political_ideal":
        df, c, q = _flows("idealpoints", paths[0])
        frames["ideal"] = keep(df)
        files.append({**c, "role": "ideal points", "rows_in_years": len(frames["ideal"])})
        qs.append(q)
    elif name in EXTRA_READERS:
        from . import extra

        fn = getattr(extra, EXTRA_READERS[name])
        todo = (sorted({p for pat in ds.patterns for p in paths[0].parent.glob(pat)
                        if p.name.endswith((".csv", ".csv.gz"))})
                if name == "trade_national" else paths[:1])
        parts = []
        for path in todo:
            df, c, q = fn(path)
            if name == "institutions":  # the columns the step uses
                df = df[["year", "reporter", "partner", "value", "source"]]
            parts.append(keep(df) if "year" in df.columns else df)
            del df
            files.append({**{k: v for k, v in c.items() if k != "rows_aggregate"},
                          "rows_in_years": len(parts[-1])})
            qs.append(q)
        frames["rows"] = pd.concat(parts, ignore_index=True)
    else:  # pragma: no cover - DATASETS and this function list the same names
        raise KeyError(name)
    from ..sources._common import quarantine_frame

    quar = [quarantine_frame(q) for q in qs if q is not None and len(q)]
    return Read(dataset=name, frames=frames, files=files,
                quarantine=pd.concat(quar, ignore_index=True) if quar else quarantine_frame([]))
