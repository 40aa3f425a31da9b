"""The warehouse: canonical tables in one DuckDB file, loaded atomically from source files.

::

    from equipoise import warehouse
    report = warehouse.ingest("baci", "~/data/BACI_HS17_V202401b")   # every year file
    warehouse.loads()                  # what is loaded: source, version, rows, status
    con = warehouse.connect()          # an Ibis DuckDB backend, read-only
    flows = warehouse.read_flows(focal="KAZ")     # a validated FlowSet for the assessment

The file lives under the user's data directory (``platformdirs.user_data_dir("equipoise")``),
or ``$EQUIPOISE_DB``, or wherever ``db=`` says.

Guarantees
----------
* **Atomic**: each input file loads inside one DuckDB transaction (its rows, its quarantine
  and its row in ``loads``). A process killed midway leaves the warehouse as it was; the next
  ingest succeeds.
* **Idempotent**: a file whose SHA-256 is already loaded for the source is skipped
  (``unchanged``). A changed file at the same path replaces its earlier load.
* **Superseded by what a file is**: a ``trade_products`` file declares its scope before any
  row is read -- a BACI file the year its name gives (``BACI_HS17_Y2020_...``), a Comtrade
  file the year and reporter of its first usable import row -- and supersedes exactly the
  same source's loads of that scope (a new BACI version replaces the old year; a KAZ 2021
  Comtrade file leaves CHN 2021 alone). Its rows of another year or reporter are quarantined
  (``outside_scope``, with line, column and value), never allowed to replace anything. What
  will be superseded is said before it happens (``announce``, :attr:`FileReport.supersedes`);
  replaced loads stay in ``loads`` with status ``replaced`` and ``replaced_by``.
* **One writer**: ingests take a lock file (``<db>.lock``, :mod:`filelock`); a second ingest
  waits up to ``lock_timeout`` seconds, then fails with :class:`~equipoise.errors.WarehouseError`
  naming the lock. DuckDB itself refuses a second process while one writes; that also becomes
  a clear ``WarehouseError``.
* **Bounded memory**: DuckDB's memory limit during an ingest is 1 GB (``$EQUIPOISE_DB_MEMORY_LIMIT``
  overrides with a size such as ``2GB`` or ``50%``, checked strictly and passed as DuckDB
  configuration, never as SQL text; DuckDB spills beyond it), and files are read in Arrow
  batches.
* **Clear refusals**: a warehouse locked by another process, a file that is not a DuckDB
  database, and a folder or file without write permission each get their own
  :class:`~equipoise.errors.WarehouseError` naming the file and what to do.
* **Summarised**: for the product screen the ingest also keeps, per (source, year) of
  ``trade_products``, the screen's sufficient statistics: ``trade_summary`` (one row per
  imported reporter-product: imports, sum of squares, largest supplier, supplier count,
  the reporter's exports) and ``trade_world`` (world exports and their sum of squares per
  product), both built from the Ibis definitions in :mod:`equipoise._trade_summaries`
  (which the screen's measures share; the warehouse does not import the measures) inside the
  same transaction, so they can never disagree with the rows. A screen reads ~1/10 of the rows (:func:`summaries`); a warehouse
  written before the summaries existed gets them at its next ingest.
* **Counted**: per file, ``rows_read == rows_loaded + rows_quarantined``; ``rows_stored`` is
  what the tables gained (a COW dyad gives two flows, SIPRI deliveries are summed per year,
  duplicate BACI/Comtrade keys are summed and counted in ``rows_merged``).
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import _defaults
from ._results import Result, fmt_number
from .errors import WarehouseError
from .schema import PANEL_TABLES, SUMMARY_TABLES, TABLES, columns, ddl, sql_type

if TYPE_CHECKING:  # pandas loads in the functions that use it (the screen's path needs none)
    import pandas as pd

__all__ = [
    "DDL",
    "FileReport",
    "IngestReport",
    "connect",
    "connect_duckdb",
    "default_path",
    "ingest",
    "loads",
    "read_flows",
    "summaries",
    "table_counts",
]

ENV = _defaults.DB  # the warehouse file

#: the canonical tables as stored (one ``load_id`` column added), from :mod:`equipoise.schema`
DDL: dict[str, str] = {name: ddl(name) for name, t in TABLES.items() if t.stored}
LOADS_DDL = ("load_id INTEGER, source VARCHAR, path VARCHAR, sha256 VARCHAR, version VARCHAR, "
             "tables VARCHAR, rows_read BIGINT, rows_loaded BIGINT, rows_quarantined BIGINT, "
             "rows_stored BIGINT, rows_merged BIGINT, status VARCHAR, loaded_at VARCHAR, "
             "seconds DOUBLE, scope VARCHAR, replaced_by INTEGER")
#: columns added to ``loads`` after its first release (added to older warehouses on open):
#: ``scope`` what the file declared it holds (``year=2020``, ``year=2021;importer=KAZ``),
#: ``replaced_by`` the load that superseded it
LOADS_ADDED = ("scope VARCHAR", "replaced_by INTEGER")
#: keys of the product tables; duplicate keys within a load are summed
PRODUCT_KEY = ("year", "exporter", "importer", "product")
#: per-(source, year) summaries of ``trade_products`` for the product screen, rebuilt inside
#: each ingest's transaction (see :func:`summaries`)
SUMMARY_DDL: dict[str, str] = {name: ddl(name) for name in SUMMARY_TABLES}

#: tables other commands derive from the canonical ones (``equipoise panel build``, see
#: :mod:`equipoise.panel`; declared in :data:`equipoise.schema.PANEL_TABLES`); listed by
#: :func:`table_counts` when present
DERIVED_TABLES = tuple(PANEL_TABLES)


def default_path() -> Path:
    """``$EQUIPOISE_DB`` or ``<user data dir>/equipoise/warehouse.duckdb``."""
    env = _defaults.get(ENV)
    if env:
        return Path(env).expanduser()
    from platformdirs import user_data_dir

    return Path(user_data_dir("equipoise", appauthor=False)) / "warehouse.duckdb"


def _path(db: str | Path | None) -> Path:
    return Path(db).expanduser() if db is not None else default_path()


@dataclass
class FileReport:
    """What one input file did to the warehouse."""

    source: str
    file: str
    status: str  # loaded | unchanged
    version: str = ""
    sha256: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_stored: int = 0
    rows_merged: int = 0
    replaced_loads: list[int] = field(default_factory=list)
    seconds: float = 0.0
    load_id: int | None = None
    summary_seconds: float = 0.0  # of ``seconds``: rebuilding the product summaries
    #: what the file declared it holds (``year=2020``; see :class:`~equipoise.sources.Scope`)
    scope: str = ""
    #: the loads it superseded, as planned before loading (``text`` says it in one line)
    supersedes: list[dict] = field(default_factory=list)


@dataclass
class IngestReport(Result):
    """The result of :func:`ingest`: one :class:`FileReport` per input file. A result on the
    one base (:class:`~equipoise._results.Result`): its summary numbers are the files loaded
    and unchanged and the row totals (whole numbers), ``compare()`` sets ingests side by side
    and ``_repr_html_()`` shows the files."""

    db: str
    source: str
    files: list[FileReport]

    @property
    def totals(self) -> dict[str, int]:
        keys = ("rows_read", "rows_loaded", "rows_quarantined", "rows_stored", "rows_merged")
        return {k: sum(getattr(f, k) for f in self.files) for k in keys}

    def to_dict(self) -> dict[str, Any]:
        return {"db": self.db, "source": self.source, "totals": self.totals,
                "files": [asdict(f) for f in self.files]}

    def heading(self) -> str:
        return f"Ingest of {self.source} into {self.db}"

    def compare_label(self) -> str:
        return self.source

    def summary_numbers(self) -> dict[str, float]:
        return {"files_loaded": sum(f.status == "loaded" for f in self.files),
                "files_unchanged": sum(f.status == "unchanged" for f in self.files),
                **self.totals}

    def html_tables(self) -> list:
        import pandas as pd

        cols = ["file", "status", "version", "rows_read", "rows_loaded", "rows_quarantined",
                "rows_stored", "rows_merged", "seconds", "scope"]
        files = pd.DataFrame([{k: Path(f.file).name if k == "file" else getattr(f, k)
                               for k in cols} for f in self.files], columns=cols)
        return [("", list(self.summary_numbers().items())), ("Files", files)]

    def summary(self) -> str:
        t = self.totals
        n = self.summary_numbers()
        done, same = n["files_loaded"], n["files_unchanged"]
        lines = [f"{self.source}: {done} file(s) loaded, {same} unchanged into {self.db}; "
                 f"rows read {fmt_number(t['rows_read'])}, loaded {fmt_number(t['rows_loaded'])}, quarantined "
                 f"{fmt_number(t['rows_quarantined'])} (stored {fmt_number(t['rows_stored'])})"]
        for f in self.files:
            lines += [f"  {Path(f.file).name} {d['text']}" for d in f.supersedes]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _sha256(path: Path) -> str:
    """SHA-256 of a file; of a folder, over its files' names and contents in name order."""
    h = hashlib.sha256()
    paths = sorted(f for f in path.rglob("*") if f.is_file()) if path.is_dir() else [path]
    for f in paths:
        if path.is_dir():
            h.update(str(f.relative_to(path)).encode())
        with f.open("rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 22), b""):
                h.update(block)
    return h.hexdigest()


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
    return path.stat().st_size


MEMORY_ENV = _defaults.DB_MEMORY_LIMIT
#: a DuckDB memory limit: a number and a unit, or a percentage of the machine's memory
_MEMORY_RE = re.compile(r"^\s*(\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)|\d+(\.\d+)?\s*%)\s*$",
                        re.IGNORECASE)


def memory_limit(value: str | None = None) -> str:
    """The DuckDB memory limit for an ingest: ``value``, else ``$EQUIPOISE_DB_MEMORY_LIMIT``,
    else ``1GB``; checked strictly (e.g. ``2GB``, ``512 MiB``, ``50%``) because it goes to
    DuckDB's configuration.

    Raises
    ------
    WarehouseError
        The value is not a number with a unit (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB) or a
        percentage; the message names the variable and shows the value seen (escaped).
    """
    raw = (_defaults.get(MEMORY_ENV) or "1GB") if value is None else value
    if not _MEMORY_RE.fullmatch(raw):
        seen = raw if len(raw) <= 60 else raw[:60] + "..."
        raise WarehouseError(
            f"{MEMORY_ENV}: saw {seen!r}, expected a number and a unit such as 1GB, 512MB or "
            f"2GiB (units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB) or a percentage such as 50%")
    return re.sub(r"\s+", "", raw)


def _open_error(path: Path, exc: BaseException, *, write: bool) -> WarehouseError:
    """A clear :class:`WarehouseError` for a warehouse file that cannot be opened, naming the
    file, the cause (lock held by another process, not a DuckDB file, no permission) and
    what to do."""
    text = str(exc)
    low = text.lower()
    if "conflicting lock" in low or "could not set lock" in low:
        m = re.search(r"\(PID (\d+)\)", text)
        who = f" (process {m[1]})" if m else ""
        return WarehouseError(
            f"warehouse {path} is in use by another process{who}, probably an ingest; retry "
            f"when it has finished. DuckDB said: {text}")
    if "not a valid duckdb database" in low or "corrupt" in low or "checksum" in low:
        return WarehouseError(
            f"warehouse {path} is not a readable DuckDB database (a damaged file, or another "
            f"kind of file at that path); nothing was changed. Move it aside and ingest again, "
            f"or pass another --db. DuckDB said: {text}")
    if "out of memory" in low or "memory_limit" in low or "memory limit" in low:
        return WarehouseError(
            f"warehouse {path}: DuckDB could not work within the memory limit "
            f"({MEMORY_ENV}={_defaults.get(MEMORY_ENV) or '1GB'!r:.70}); raise it (e.g. 2GB) "
            f"or free memory. DuckDB said: {text}")
    if "version number" in low or "storage version" in low:
        return WarehouseError(
            f"warehouse {path} was written by another version of DuckDB; open it with that "
            f"version or ingest into a new file (--db). DuckDB said: {text}")
    if isinstance(exc, PermissionError) or "permission denied" in low \
            or "read-only file system" in low:
        return WarehouseError(
            f"warehouse {path}: permission denied{' (it is opened for writing)' if write else ''}"
            f"; make the file and its folder writable, or pass another --db. Said: {text}")
    return WarehouseError(f"cannot open warehouse {path}: {text}")


def _check_writable(path: Path) -> None:
    """Refuse, with a clear message, a warehouse path an ingest cannot write: its folder is
    missing and cannot be made, is not a folder, or is not writable (permission or a
    read-only file system), or the path is a folder or a read-only file."""
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise WarehouseError(f"warehouse {path}: {exc.filename or parent} is a file, not a "
                             f"folder; pass a --db inside a folder") from exc
    except NotADirectoryError as exc:
        raise WarehouseError(f"warehouse {path}: a part of {parent} is a file, not a folder; "
                             f"pass a --db inside a folder") from exc
    except OSError as exc:
        raise WarehouseError(f"warehouse {path}: cannot create the folder {parent} "
                             f"({exc.strerror or exc}); pass a --db in a writable folder") from exc
    if not parent.is_dir():
        raise WarehouseError(f"warehouse {path}: {parent} is not a folder; pass a --db inside "
                             f"a folder")
    if path.is_dir():
        raise WarehouseError(f"warehouse {path} is a folder, not a DuckDB file; pass a file "
                             f"path such as {path / 'warehouse.duckdb'}")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise WarehouseError(
            f"warehouse {path}: the folder {parent} is not writable (permission denied or a "
            f"read-only file system); an ingest writes the warehouse, its lock {path.name}.lock "
            f"and DuckDB's log there. Pass a --db in a writable folder")
    if path.exists() and not os.access(path, os.W_OK):
        raise WarehouseError(f"warehouse {path} is read-only (permission denied); make it "
                             f"writable to ingest, or pass another --db")


def _raw_connect(path: Path, *, read_only: bool = False, config: dict | None = None):
    import duckdb

    if read_only and not path.exists():
        raise WarehouseError(f"warehouse {path} does not exist; load data first with "
                             f"`equipoise ingest SOURCE PATH --db {path}`")
    if read_only and path.is_dir():
        raise WarehouseError(f"warehouse {path} is a folder, not a DuckDB file")
    if not read_only:
        _check_writable(path)
    try:
        con = duckdb.connect(str(path), read_only=read_only, config=config or {})
        # DuckDB draws its progress bar on stdout during long queries, which would corrupt a
        # command's --json or --csv - output: off on every warehouse connection (a session
        # setting, so connections opened with other settings are not affected)
        con.execute("SET enable_progress_bar = false")
        return con
    except duckdb.Error as exc:
        if "different configuration" in str(exc):
            raise WarehouseError(
                f"warehouse {path} is already open in this process with other settings (e.g. a "
                f"read-only connection from warehouse.connect()); close it (con.disconnect()) "
                f"before ingesting") from exc
        raise _open_error(path, exc, write=not read_only) from exc
    except OSError as exc:
        raise _open_error(path, exc, write=not read_only) from exc


def _ensure_schema(con) -> None:
    """Create missing tables. A warehouse written before the product summaries existed gets
    them built here, in one transaction, from the rows it holds."""
    for name, cols in DDL.items():
        con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({cols}, load_id INTEGER)').fetchall()
    con.execute(f"CREATE TABLE IF NOT EXISTS loads ({LOADS_DDL})").fetchall()
    for col in LOADS_ADDED:
        con.execute(f"ALTER TABLE loads ADD COLUMN IF NOT EXISTS {col}").fetchall()
    if not _exists(con, "trade_summary_years"):
        con.execute("BEGIN TRANSACTION").fetchall()
        try:
            for name, cols in SUMMARY_DDL.items():
                con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" ({cols})').fetchall()
            _refresh_summaries(con, set())
            con.execute("COMMIT").fetchall()
        except BaseException:
            con.execute("ROLLBACK").fetchall()
            raise


def _trade_schema():
    import ibis

    return ibis.table({c: _IBIS_TYPES[sql_type("trade_products", c)]
                       for c in columns("trade_products")}, name="trade_products")


_IBIS_TYPES = {"INTEGER": "int32", "VARCHAR": "string", "DOUBLE": "float64", "BIGINT": "int64"}


def _refresh_summaries(con, force: set[tuple[str, int]]) -> list[tuple[str, int]]:
    """Bring ``trade_summary``/``trade_world`` in line with ``trade_products``.

    (source, year) pairs in ``force`` (a new load's) and pairs whose row count changed are
    rebuilt with the Ibis definitions of :mod:`equipoise._trade_summaries` compiled to
    DuckDB SQL; pairs without rows any more are dropped. Returns the pairs rebuilt.
    """
    import ibis

    from ._trade_summaries import SUMMARIES

    current = {(str(a), int(b)): int(c) for a, b, c in con.execute(
        "SELECT source, year, count(*) FROM trade_products WHERE source IS NOT NULL AND "
        "year IS NOT NULL GROUP BY source, year").fetchall()}
    have = {(str(a), int(b)): int(c) for a, b, c in con.execute(
        "SELECT source, year, rows FROM trade_summary_years").fetchall()}
    todo = sorted(k for k, n in current.items() if k in force or have.get(k) != n)
    gone = sorted(k for k in have if k not in current)
    for src, year in [*gone, *todo]:
        for t in SUMMARY_DDL:
            con.execute(f'DELETE FROM "{t}" WHERE source = ? AND year = ?', [src, year]).fetchall()
    tp = _trade_schema()
    for src, year in todo:
        t = tp.filter(tp.source == src, tp.year == year)
        for table, build, cols in SUMMARIES:
            sql = ibis.to_sql(build(t), dialect="duckdb")
            names = ", ".join(f'"{c}"' for c in cols)
            con.execute(f'INSERT INTO "{table}" (source, {names}) SELECT ?, {names} '
                        f"FROM ({sql})", [src]).fetchall()
        n = con.execute("SELECT count(*) FROM trade_summary WHERE source = ? AND year = ?",
                        [src, year]).fetchall()[0][0]
        con.execute("INSERT INTO trade_summary_years VALUES (?, ?, ?, ?)",
                    [src, year, current[(src, year)], int(n)]).fetchall()
    return todo


def summaries(con: Any, *, years: list[int] | None = None, source: str | None = None):
    """The warehouse's product summaries as :class:`~equipoise._trade_summaries.ProductSummaries`
    for ``years`` (and ``source``), or None when they cannot stand in for the raw rows: the
    warehouse predates them, or a year holds rows of two sources (their world-export HHI is
    not a sum of per-source parts).

    ``con`` is an Ibis DuckDB backend on the warehouse (:func:`connect`).
    """
    from ._trade_summaries import ProductSummaries

    try:
        raw = con.con  # the duckdb connection behind the Ibis backend
        if not _exists(raw, "trade_summary_years"):
            return None
        rows = raw.execute("SELECT source, year FROM trade_summary_years").fetchall()
    except Exception:  # not a DuckDB warehouse backend: no summaries
        return None
    pairs = [(str(a), int(b)) for a, b in rows if source is None or a == source]
    if years is not None:
        pairs = [(a, b) for a, b in pairs if b in set(years)]
    per_year: dict[int, set[str]] = {}
    for a, b in pairs:
        per_year.setdefault(b, set()).add(a)
    if any(len(v) > 1 for v in per_year.values()):
        return None
    p, w = con.table("trade_summary"), con.table("trade_world")
    if source is not None:
        p, w = p.filter(p.source == source), w.filter(w.source == source)
    return ProductSummaries(products=p, world=w)


def _columns(spec: str) -> list[str]:
    """The column names of a DDL column list (``loads``)."""
    return [c.strip().split(" ")[0].strip('"') for c in spec.split(",") if c.strip()]


def _insert(con, table: str, data: Any, load_id: int) -> int:
    """Insert a pandas or Arrow chunk into ``table`` in its DDL column order."""
    import pandas as pd
    import pyarrow as pa

    cols = list(columns(table))
    if isinstance(data, pd.DataFrame):
        missing = [c for c in cols if c not in data.columns]
        frame = data.assign(**{c: None for c in missing})[cols]
        arrow = pa.Table.from_pandas(frame, preserve_index=False)
    else:
        missing = [c for c in cols if c not in data.column_names]
        for c in missing:
            data = data.append_column(c, pa.nulls(data.num_rows, pa.string()))
        arrow = data.select(cols)
    if arrow.num_rows == 0:
        return 0
    con.register("_chunk", arrow)
    try:
        select = ", ".join(f'CAST("{c}" AS {sql_type(table, c)})' for c in cols)
        con.execute(f'INSERT INTO "{table}" SELECT {select}, {int(load_id)} FROM _chunk').fetchall()
    finally:
        con.unregister("_chunk")
    return arrow.num_rows


def ingest(source: str, path: str | Path, *, db: str | Path | None = None,
           progress: Callable[[str, int, int], None] | None = None, lock_timeout: float = 0.0,
           force: bool = False, options: dict | None = None,
           announce: Callable[[str], None] | None = None) -> IngestReport:
    """Load ``path`` (a file or, for BACI/Comtrade, a folder) of ``source`` into the warehouse.

    Parameters
    ----------
    source
        One of :data:`equipoise.sources.SOURCES`.
    path
        The file or folder as the producer distributes it.
    db
        Warehouse file; :func:`default_path` when None.
    progress
        Called as ``progress(file, bytes_done, bytes_total)`` after each chunk.
    lock_timeout
        Seconds to wait for another ingest to finish (0: fail at once).
    force
        Reload files already loaded with the same checksum.
    options
        Reader keyword arguments (e.g. ``{"prefer": "derived"}`` for IMF DIP).
    announce
        Called with one line per file before it is loaded: the scope the file declares (a
        BACI year, a Comtrade year and reporter) and every load it will supersede, e.g.
        ``BACI_HS17_Y2020_V202401b.csv: declares year 2020 (its name ...); supersedes load 1:
        baci HS17_V202301 BACI_HS17_Y2020_V202301.csv (year 2020), 1,994,544 rows``.

    Raises
    ------
    WarehouseError
        Another ingest holds the lock, the file is in use, is not a DuckDB database or
        cannot be written (permission, read-only folder), or ``$EQUIPOISE_DB_MEMORY_LIMIT``
        is not a memory size.
    SchemaError, InputError
        The input is not in the source's layout (nothing is loaded).
    """
    import duckdb
    from filelock import FileLock, Timeout

    from .sources import reader

    limit = memory_limit()
    rd = reader(source)
    sfs = rd.files(path)
    dbp = _path(db)
    _check_writable(dbp)
    lock = FileLock(str(dbp) + ".lock")
    try:
        lock.acquire(timeout=lock_timeout)
    except Timeout as exc:
        raise WarehouseError(
            f"warehouse {dbp} is busy: another ingest holds the lock {dbp}.lock; wait for it to "
            f"finish (or pass --wait SECONDS to wait for it)") from exc
    except OSError as exc:  # e.g. the folder became read-only after the check
        raise WarehouseError(f"warehouse {dbp}: cannot create the lock {dbp}.lock "
                             f"({exc.strerror or exc}); pass a --db in a writable folder") from exc
    try:
        con = _raw_connect(dbp, config={"memory_limit": limit})
        try:
            _ensure_schema(con)
            reports = [_ingest_file(con, rd, source, sf, progress=progress, force=force,
                                    options=options or {}, announce=announce) for sf in sfs]
        except duckdb.OutOfMemoryException as exc:  # rolled back by _ingest_file
            raise _open_error(dbp, exc, write=True) from exc
        finally:
            con.close()
    finally:
        lock.release()
    return IngestReport(db=str(dbp), source=source, files=reports)


def _plan(con, source: str, fpath: Path, scope) -> list[dict[str, Any]]:
    """What loading ``fpath`` will supersede, decided from what the file is before any row
    is read: this path's earlier load (a changed file), and this source's loads of the scope
    the file declares (:class:`~equipoise.sources._common.Scope`: a BACI year, a Comtrade
    year and reporter). Loads of other scopes are never touched. A load written before the
    manifest kept scopes (``scope`` NULL) loses only its rows inside the declared scope.

    Returns one dict per affected load: ``load_id``, ``file``, ``version``, ``scope``,
    ``rows`` (rows it will lose), ``whole`` (the load is replaced) and ``why``.
    """
    out: dict[int, dict[str, Any]] = {}
    cols = "load_id, path, version, scope, tables"
    for lid, path, version, sc, tables in con.execute(
            f"SELECT {cols} FROM loads WHERE source = ? AND path = ? AND status = 'loaded'",
            [source, str(fpath)]).fetchall():
        out[int(lid)] = {"load_id": int(lid), "file": str(path), "version": version or "",
                         "scope": sc or "", "tables": tables or "", "whole": True,
                         "why": "an earlier load of this path"}
    if scope is not None:
        key = scope.key()
        for lid, path, version, sc, tables in con.execute(
                f"SELECT {cols} FROM loads WHERE source = ? AND status = 'loaded' AND "
                f"(scope = ? OR (scope IS NULL AND tables LIKE '%trade_products%'))",
                [source, key]).fetchall():
            if int(lid) in out:
                continue
            out[int(lid)] = {"load_id": int(lid), "file": str(path), "version": version or "",
                             "scope": sc or "", "tables": tables or "", "whole": sc == key,
                             "why": f"the same {scope.describe()}"}
    where, args = _scope_where(scope)
    for d in out.values():
        lid = d["load_id"]
        tables = [t for t in d.pop("tables").split(",") if t in DDL] or ["trade_products"]
        if d["whole"]:
            d["rows"] = sum(int(con.execute(f'SELECT count(*) FROM "{t}" WHERE load_id = ?',
                                            [lid]).fetchall()[0][0]) for t in tables)
        else:  # a load without a recorded scope: only its rows inside the declared scope
            d["rows"] = int(con.execute(
                f"SELECT count(*) FROM trade_products WHERE load_id = ? AND {where}",
                [lid, *args]).fetchall()[0][0])
            left = int(con.execute("SELECT count(*) FROM trade_products WHERE load_id = ?",
                                   [lid]).fetchall()[0][0]) - d["rows"]
            d["whole"] = d["rows"] > 0 and left == 0
    return [d for d in sorted(out.values(), key=lambda d: d["load_id"])
            if d["whole"] or d["rows"]]


def _scope_where(scope) -> tuple[str, list]:
    """SQL condition (with parameters) for the rows of ``trade_products`` inside ``scope``."""
    if scope is None:
        return "FALSE", []
    cols = set(columns("trade_products"))
    if any(k not in cols for k, _ in scope.keys):
        raise WarehouseError(f"scope {scope.key()!r}: keys must be columns of trade_products")
    return (" AND ".join(f'"{k}" = ?' for k, _ in scope.keys) or "TRUE",
            [v for _, v in scope.keys])


def describe_supersession(source: str, d: dict[str, Any]) -> str:
    """One line for a planned supersession, e.g. ``supersedes load 3: baci HS17_V202301
    BACI_HS17_Y2020_V202301.csv (year 2020), 1,994,544 rows``."""
    from .sources._common import parse_scope

    sc = parse_scope(d.get("scope"))
    what = ", ".join(f"{'reporter' if k == 'importer' else k} {v}" for k, v in sc.items())
    ver = f" {d['version']}" if d.get("version") else ""
    rows = f"{fmt_number(d['rows'])} rows" if d["whole"] else \
        f"{fmt_number(d['rows'])} of its rows (those inside this file's scope; it keeps the others)"
    return (f"supersedes load {d['load_id']}: {source}{ver} {Path(d['file']).name}"
            f"{f' ({what})' if what else ''}, {rows} [{d['why']}]")


def _announce_plan(announce, source: str, fpath: Path, scope, plan: list[dict]) -> None:
    """State what the file declares and what it supersedes, before anything changes."""
    head = f"{fpath.name}: " + (f"declares {scope.describe()} {scope.origin}"
                                if scope is not None else "no year/reporter scope")
    announce("; ".join([head, *(describe_supersession(source, d) for d in plan)])
             if plan else head + "; supersedes nothing")


def _load_chunks(con, rd, sf, options: dict, load_id: int, progress, fpath: Path,
                 size: int) -> tuple[int, int, int, set[str]]:
    """Insert the reader's chunks (rows and quarantine) under ``load_id``: rows read,
    quarantined, stored, and the tables written."""
    read = quarantined = stored = 0
    tables: set[str] = set()
    for chunk in rd.read(sf, **options):
        read += chunk.rows_read
        quarantined += _insert(con, "quarantine", chunk.quarantine, load_id)
        stored += _insert(con, chunk.table, chunk.data, load_id)
        tables.add(chunk.table)
        if progress is not None:
            progress(str(fpath), chunk.bytes_done or size, size)
    return read, quarantined, stored, tables


def _check_scope(con, load_id: int, scope, fpath: Path) -> None:
    """The readers quarantine rows outside the declared scope; check it, so that a reader's
    slip can never become another scope's loss (the transaction rolls back)."""
    where, args = _scope_where(scope)
    stray = con.execute(f"SELECT count(*) FROM trade_products WHERE load_id = ? AND "
                        f"NOT ({where})", [load_id, *args]).fetchall()[0][0]
    if stray:
        raise WarehouseError(
            f"{fpath}: {fmt_number(stray)} row(s) outside the {scope.describe()} the file "
            f"declares {scope.origin} reached the warehouse; nothing was loaded")


def _supersede(con, plan: list[dict], load_id: int, scope) -> list[int]:
    """Carry out the plan: whole earlier loads replaced by ``load_id`` (returned), unscoped
    older loads losing only their rows inside this file's scope."""
    where, args = _scope_where(scope)
    prev = []
    for d in plan:
        pid = d["load_id"]
        if d["whole"]:
            for t in DDL:
                con.execute(f'DELETE FROM "{t}" WHERE load_id = ?', [pid]).fetchall()
            con.execute("UPDATE loads SET status = 'replaced', replaced_by = ? "
                        "WHERE load_id = ?", [load_id, pid]).fetchall()
            prev.append(pid)
        else:  # an unscoped (older) load: only its rows inside this file's scope
            con.execute(f"DELETE FROM trade_products WHERE load_id = ? AND {where}",
                        [pid, *args]).fetchall()
    return prev


def _refresh_after(con, load_id: int) -> float:
    """Refresh the summaries of the (source, year)s this load wrote; the seconds it took."""
    t_sum = time.perf_counter()
    new = {(str(a), int(b)) for a, b in con.execute(
        "SELECT DISTINCT source, year FROM trade_products WHERE load_id = ?",
        [load_id]).fetchall()}
    _refresh_summaries(con, new)
    return time.perf_counter() - t_sum


def _ingest_file(con, rd, source: str, sf, *, progress, force: bool, options: dict,
                 announce: Callable[[str], None] | None = None) -> FileReport:
    """Load one file in one transaction: plan -> read chunks -> check scope -> merge
    duplicates -> supersede -> refresh summaries -> record the load."""
    t0 = time.perf_counter()
    fpath = Path(sf.path).resolve()
    sha = _sha256(fpath)
    same = con.execute("SELECT load_id FROM loads WHERE source = ? AND sha256 = ? AND "
                       "status = 'loaded'", [source, sha]).fetchall()
    if same and not force:
        return FileReport(source=source, file=str(fpath), status="unchanged", version=sf.version,
                          sha256=sha, load_id=int(same[0][0]),
                          seconds=time.perf_counter() - t0)
    # what the file is decides what it supersedes, stated before anything changes
    scope = rd.scope(sf) if hasattr(rd, "scope") else None
    sf.scope = scope
    plan = _plan(con, source, fpath, scope)
    if announce is not None:
        _announce_plan(announce, source, fpath, scope, plan)
    size = _size(fpath)
    con.execute("BEGIN TRANSACTION").fetchall()
    try:
        load_id = int(con.execute("SELECT coalesce(max(load_id), 0) + 1 FROM loads").fetchall()[0][0])
        read, quarantined, stored, tables = _load_chunks(con, rd, sf, options, load_id,
                                                         progress, fpath, size)
        products = "trade_products" in tables
        if products and scope is not None:
            _check_scope(con, load_id, scope, fpath)
        merged = _merge_duplicates(con, load_id) if products else 0
        prev = _supersede(con, plan, load_id, scope)
        t_sum = _refresh_after(con, load_id) if products or plan else 0.0
        loaded = read - quarantined
        seconds = time.perf_counter() - t0
        con.execute(f"INSERT INTO loads ({', '.join(_columns(LOADS_DDL))}) VALUES "
                    f"(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'loaded', ?, ?, ?, NULL)",
                    [load_id, source, str(fpath), sha, sf.version, ",".join(sorted(tables)),
                     read, loaded, quarantined, stored - merged, merged,
                     datetime.now(UTC).isoformat(timespec="seconds"), seconds,
                     scope.key() if scope is not None else None]).fetchall()
        con.execute("COMMIT").fetchall()
    except BaseException:
        con.execute("ROLLBACK").fetchall()
        raise
    if loaded < 0:
        raise WarehouseError(f"{fpath}: counts do not add up (read {read}, quarantined "
                             f"{quarantined})")
    return FileReport(source=source, file=str(fpath), status="loaded", version=sf.version,
                      sha256=sha, rows_read=read, rows_loaded=loaded, rows_quarantined=quarantined,
                      rows_stored=stored - merged, rows_merged=merged, replaced_loads=sorted(prev),
                      seconds=seconds, load_id=load_id, summary_seconds=t_sum,
                      scope=scope.key() if scope is not None else "",
                      supersedes=[{**d, "text": describe_supersession(source, d)}
                                  for d in plan])


def _merge_duplicates(con, load_id: int) -> int:
    """Sum rows of this load that share a product key; return how many rows were merged away."""
    key = ", ".join(PRODUCT_KEY)
    dup = con.execute(f"SELECT count(*) - count(DISTINCT ({key})) FROM trade_products "
                      f"WHERE load_id = {load_id}").fetchall()[0][0]
    if not dup:
        return 0
    con.execute(f"CREATE TEMP TABLE _merged AS SELECT {key}, sum(value) AS value, "
                f"sum(quantity) AS quantity, any_value(source) AS source, {load_id} AS load_id "
                f"FROM trade_products WHERE load_id = {load_id} GROUP BY {key}").fetchall()
    con.execute(f"DELETE FROM trade_products WHERE load_id = {load_id}").fetchall()
    con.execute("INSERT INTO trade_products SELECT * FROM _merged").fetchall()
    con.execute("DROP TABLE _merged").fetchall()
    return int(dup)


def loads(db: str | Path | None = None, *, all_loads: bool = False) -> pd.DataFrame:
    """The ``loads`` manifest: one row per loaded file (``all_loads``: replaced ones too)."""
    import pandas as pd

    con = _raw_connect(_path(db), read_only=True)
    try:
        if not _exists(con, "loads"):
            return pd.DataFrame(columns=_columns(LOADS_DDL))
        where = "" if all_loads else "WHERE status = 'loaded'"
        return con.execute(f"SELECT * FROM loads {where} ORDER BY load_id").df()
    finally:
        con.close()


def table_counts(db: str | Path | None = None) -> pd.DataFrame:
    """Rows per canonical table (and per product-summary and derived table, e.g. ``panel``)."""
    import pandas as pd

    con = _raw_connect(_path(db), read_only=True)
    try:
        rows = []
        for t in (*DDL, *SUMMARY_DDL, *DERIVED_TABLES):
            if _exists(con, t):
                rows.append({"table": t, "rows": int(con.execute(
                    f'SELECT count(*) FROM "{t}"').fetchall()[0][0])})
        return pd.DataFrame(rows, columns=["table", "rows"])
    finally:
        con.close()


def _exists(con, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = ?",
                            [table]).fetchall()[0][0])


def connect_duckdb(db: str | Path | None = None) -> Any:
    """A plain read-only ``duckdb`` connection on the warehouse file (no Ibis), with the
    clear open errors of :func:`connect`: for callers that run SQL or hand the connection to
    a measure (``equipoise screen``)."""
    return _raw_connect(_path(db), read_only=True)


def connect(db: str | Path | None = None, *, read_only: bool = True, threads: int | None = None,
            memory_limit: str | None = None) -> Any:
    """An Ibis DuckDB backend on the warehouse file (read-only by default)."""
    import duckdb

    from .engine import connect as engine_connect

    p = _path(db)
    if not p.exists():
        raise WarehouseError(f"warehouse {p} does not exist; load data first with "
                             f"`equipoise ingest SOURCE PATH --db {p}`")
    if p.is_dir():
        raise WarehouseError(f"warehouse {p} is a folder, not a DuckDB file")
    if memory_limit is not None and not _MEMORY_RE.fullmatch(memory_limit):
        raise WarehouseError(f"memory_limit: saw {memory_limit[:60]!r}, expected a number and "
                             f"a unit such as 1GB or 2GiB, or a percentage such as 50%")
    try:
        return engine_connect("duckdb", db=p, read_only=read_only, threads=threads,
                              memory_limit=memory_limit)
    except (duckdb.Error, OSError) as exc:
        raise _open_error(p, exc, write=not read_only) from exc


def read_flows(db: str | Path | None = None, focal: str | None = None, *,
               lenient: bool = True):
    """The warehouse's ``flows`` as a validated :class:`~equipoise.io.flows.FlowSet`.

    ``focal`` keeps the rows where it is the reporter. Rows that fail validation (e.g. the
    same key from two sources) go to the FlowSet's quarantine when ``lenient``.
    """
    from .io.flows import validate_frame
    from .schema import FLOW_COLUMNS as COLUMNS

    p = _path(db)
    con = _raw_connect(p, read_only=True)
    try:
        if not _exists(con, "flows"):
            raise WarehouseError(f"warehouse {p} holds no flows table; ingest a flow source "
                                 f"(sipri, cow, imf-dip) first")
        cols = ", ".join(COLUMNS)
        if focal:
            df = con.execute(f"SELECT {cols} FROM flows WHERE reporter = ? ORDER BY indicator, "
                             f"year, partner", [focal]).df()
        else:
            df = con.execute(f"SELECT {cols} FROM flows ORDER BY reporter, indicator, year, "
                             f"partner").df()
    finally:
        con.close()
    return validate_frame(df, source=f"warehouse {p}", lenient=lenient)
