"""Functional distinctness: which pole leads each domain, convergence and squeeze, and an
information measure of partner-domain specialisation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .exposure import pole_share

__all__ = ["leaders", "normalised_mutual_information", "pole_matrix", "squeezed"]


def pole_matrix(domain_shares: Mapping[str, Mapping[str, float]], domain_years: Mapping[str, int],
                poles: Sequence[str]) -> dict[str, dict[str, float]]:
    """domain -> pole -> pole share (group poles sum their members' shares)."""
    return {d: {p: pole_share(s, p, domain_years.get(d)) for p in poles}
            for d, s in domain_shares.items()}


def leaders(pm: Mapping[str, Mapping[str, float]]) -> dict[str, str | None]:
    """domain -> the pole with the largest share (None when no pole has any share).

    Ties go to the pole listed first in the doctrine."""
    out = {}
    for d, ps in pm.items():
        best = max(ps.items(), key=lambda kv: kv[1], default=(None, 0.0))
        out[d] = best[0] if best[1] > 0 else None
    return out


def squeezed(pm: Mapping[str, Mapping[str, float]], threshold: float) -> list[dict]:
    """Domains where the two largest poles both hold at least ``threshold``."""
    out = []
    for d, ps in pm.items():
        top = sorted(ps.items(), key=lambda kv: kv[1], reverse=True)[:2]
        if len(top) == 2 and top[1][1] >= threshold:
            out.append({"domain": d, "poles": [top[0][0], top[1][0]],
                        "shares": [top[0][1], top[1][1]]})
    return out


def normalised_mutual_information(matrix: np.ndarray) -> float:
    """Normalised mutual information of a non-negative pole x domain matrix.

    The matrix is scaled to a joint distribution ``p(pole, domain)``; then
    ``NMI = I(P; D) / sqrt(H(P) H(D))`` (Strehl & Ghosh 2002, "Cluster ensembles", JMLR 3,
    eq. 2). 1 means each pole is active in its own domains only (full functional
    specialisation); 0 means every domain has the same pole mix (no specialisation).
    Returns NaN when either marginal has zero entropy (one pole or one domain).

    Examples
    --------
    >>> normalised_mutual_information(np.eye(3))
    1.0
    >>> normalised_mutual_information(np.ones((2, 3)))
    0.0
    """
    m = np.asarray(matrix, dtype=float)
    total = m.sum()
    if total <= 0:
        return float("nan")
    p = m / total
    pr, pc = p.sum(axis=1), p.sum(axis=0)

    def h(v: np.ndarray) -> float:
        v = v[v > 0]
        return float(-(v * np.log(v)).sum())

    hr, hc = h(pr), h(pc)
    if hr <= 0 or hc <= 0:
        return float("nan")
    nz = p > 0
    mi = float((p[nz] * np.log(p[nz] / np.outer(pr, pc)[nz])).sum())
    return float(round(max(0.0, mi) / np.sqrt(hr * hc), 12))
