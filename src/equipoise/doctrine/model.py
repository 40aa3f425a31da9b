"""The doctrine file: a pydantic model read from TOML, validated with clear errors."""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from .. import reference
from ..errors import DoctrineError

__all__ = ["Doctrine", "Thresholds", "default_doctrine_path", "load_doctrine"]


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    critical_share: float = Field(0.5, ge=0, le=1)
    low_substitutability: float = Field(0.3, ge=0, le=1)
    hhi: float = Field(0.4, ge=0, le=1)
    squeeze_share: float = Field(0.25, ge=0, le=1)
    max_domains_led: int = Field(3, ge=0)
    equidistance_spread: float = Field(0.3, ge=0, le=2)
    min_viable_partners: int = Field(2, ge=1)
    viable_share: float = Field(0.05, ge=0, le=1)
    max_volatility: float = Field(0.2, ge=0, le=1)


class Domains(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    critical: list[str] = Field(default_factory=list)
    # Domains where partners have functions (leaders, squeeze, specialisation); political
    # alignment is measured by equidistance instead.
    functional: list[str] = Field(default_factory=lambda: [
        "trade", "energy", "corridors", "technology", "security", "finance", "society"])
    substitutability: dict[str, float] = Field(default_factory=dict)


class Memberships(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    forbidden_kinds: list[str] = Field(default_factory=lambda: ["military alliance"])
    forbid_aimed_at_pole: bool = True


class Doctrine(BaseModel):
    """A state's doctrine of functional balance.

    Attributes
    ----------
    focal : ISO3 code of the state.
    poles : the powers between which balance is kept (ISO3 or group codes such as EU27).
    roles : pole -> the domains the pole is meant to lead.
    weights : domain -> weight in totals.
    domains.critical : domains where no critical dependency may form.
    thresholds : every threshold a rule uses.
    memberships : forbidden kinds of membership.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = "doctrine"
    focal: str
    source: str = ""
    poles: list[str]
    roles: dict[str, list[str]] = Field(default_factory=dict)
    weights: dict[str, float] = Field(default_factory=dict)
    domains: Domains = Field(default_factory=Domains)
    thresholds: Thresholds = Field(default_factory=Thresholds)
    memberships: Memberships = Field(default_factory=Memberships)

    @field_validator("focal")
    @classmethod
    def _focal_iso3(cls, v: str) -> str:
        if v not in reference.country_codes():
            raise ValueError(f"focal {v!r} is not an ISO3 country code")
        return v

    @field_validator("poles")
    @classmethod
    def _poles_known(cls, v: list[str]) -> list[str]:
        bad = [p for p in v if p not in reference.known_codes() or p in ("WLD", "OTH")]
        if bad:
            raise ValueError(f"poles {bad} are not ISO3 codes or partner groups")
        if len(set(v)) != len(v):
            raise ValueError(f"poles repeat: {v}")
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Doctrine:
        domains = set(reference.domain_list())
        for pole, ds in self.roles.items():
            if pole not in self.poles:
                raise ValueError(f"roles: {pole!r} is not one of the poles {self.poles}")
            bad = [d for d in ds if d not in domains]
            if bad:
                raise ValueError(f"roles.{pole}: unknown domain(s) {bad}; expected {sorted(domains)}")
        led = [d for ds in self.roles.values() for d in ds]
        dup = sorted({d for d in led if led.count(d) > 1})
        if dup:
            raise ValueError(f"roles: domain(s) {dup} given to more than one pole")
        for section, names in (("weights", self.weights), ("domains.critical", self.domains.critical),
                               ("domains.functional", self.domains.functional),
                               ("domains.substitutability", self.domains.substitutability)):
            bad = [d for d in names if d not in domains]
            if bad:
                raise ValueError(f"{section}: unknown domain(s) {bad}; expected {sorted(domains)}")
        if any(w < 0 for w in self.weights.values()):
            raise ValueError("weights must be >= 0")
        return self

    def weight(self, domain: str) -> float:
        if domain in self.weights:
            return float(self.weights[domain])
        dom = reference.load("domains").set_index("domain")
        return float(dom.at[domain, "weight"]) if domain in dom.index else 1.0

    def substitutability(self, domain: str) -> float:
        if domain in self.domains.substitutability:
            return float(self.domains.substitutability[domain])
        dom = reference.load("domains").set_index("domain")
        return float(dom.at[domain, "substitutability"]) if domain in dom.index else 0.5

    def role_of(self, domain: str) -> str | None:
        for pole, ds in self.roles.items():
            if domain in ds:
                return pole
        return None


def default_doctrine_path(focal: str = "KAZ"):
    """The shipped default doctrine (Kazakhstan)."""
    return resources.files(__package__).joinpath("kazakhstan.toml")


def load_doctrine(path: str | Path | None = None, *, focal: str | None = None) -> Doctrine:
    """Read and validate a doctrine TOML file (the shipped Kazakhstan default when ``path`` is None).

    With ``focal`` set, the doctrine's focal state is replaced (the same rules applied to
    another state).
    """
    if path is None:
        text = default_doctrine_path().read_text(encoding="utf-8")
        where = "default doctrine (kazakhstan.toml)"
    else:
        p = Path(path)
        if not p.exists():
            raise DoctrineError(f"{p}: no such doctrine file")
        text = p.read_text(encoding="utf-8")
        where = str(p)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DoctrineError(f"{where}: not valid TOML: {exc}") from exc
    if focal is not None:
        data["focal"] = focal
    try:
        return Doctrine.model_validate(data)
    except ValidationError as exc:
        lines = []
        for e in exc.errors():
            loc = ".".join(str(x) for x in e["loc"]) or "(top level)"
            seen = e.get("input")
            path = [str(x) for x in e["loc"] if not isinstance(x, int)]
            if not path:  # a whole-model check names its key at the start of the message
                m = re.match(r"(?:Value error, )?([A-Za-z_][\w.]*):", e["msg"])
                path = m.group(1).split(".") if m else []
            n = _line_of(text, path) if path else None
            at = f"line {n}, " if n else ""
            saw = f" (saw {_short(seen)})" if e["loc"] else ""
            lines.append(f"  {at}{loc}: {e['msg']}{saw}")
        raise DoctrineError(f"{where}: invalid doctrine:\n" + "\n".join(lines)) from exc


def _short(v) -> str:
    s = repr(v)
    return s if len(s) <= 200 else s[:197] + "..."


def _line_of(text: str, path: list[str]) -> int | None:
    """1-based line of the TOML key ``path`` (``["thresholds", "hhi"]``, ``["poles"]``), or of
    its table header; None when it is not written in the file (a default)."""
    lines = text.splitlines()
    header = re.compile(r"^\s*\[\s*([^\]]+?)\s*\]\s*(#.*)?$")

    def key_in(table: str | None, key: str) -> int | None:
        current = None
        for i, ln in enumerate(lines):
            h = header.match(ln)
            if h:
                current = h.group(1)
                if table is None and current == key:
                    return i + 1
                continue
            if current == table and re.match(rf"^\s*{re.escape(key)}\s*=", ln):
                return i + 1
        return None

    for k in range(len(path), 0, -1):
        table = ".".join(path[:k - 1]) or None
        n = key_in(table, path[k - 1])
        if n:
            return n
    return None
