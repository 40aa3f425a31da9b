"""Shares and concentration.

Definitions follow shared/METHODS.md:

* partner share ``s_p = x_p / X``, where the denominator ``X`` is the reporter's total with the
  world (the ``WLD`` row) when one exists, else the sum of the partner rows present (Gartzke & Li
  2003 show the choice matters, so the basis is always reported);
* Herfindahl-Hirschman index ``HHI = sum_p s_p^2`` in ``[1/n, 1]`` (Hirschman 1945; Herfindahl
  1950); the 10,000 scale is ``HHI * 1e4``; normalised ``(HHI - 1/n) / (1 - 1/n)``; effective
  number of partners ``1 / HHI`` (Adelman 1969).

Toy values (METHODS.md): shares (0.8, 0.1, 0.1) -> 0.66; one supplier -> 1; two equal -> 0.5.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

import numpy as np

from .._options import check_option

HHIScale = Literal["unit", "10000", "normalised"]

__all__ = ["HHIScale", "effective_partners", "hhi", "hhi_normalised", "shares"]


def shares(values: Iterable[float], total: float | None = None) -> np.ndarray:
    """Partner shares ``x_p / X``.

    Parameters
    ----------
    values
        Non-negative partner values.
    total
        The reporter's total with the world (``WLD``). ``None`` uses the sum of ``values``.
    """
    x = np.asarray(list(values), dtype=float)
    if np.any(x < 0):
        raise ValueError(f"shares: values must be >= 0, saw {x[x < 0][:3].tolist()}")
    denom = float(x.sum()) if total is None else float(total)
    if denom <= 0:
        return np.zeros_like(x)
    return x / denom


def hhi(share_values: Iterable[float], *, scale: HHIScale = "unit") -> float:
    """Herfindahl-Hirschman index of partner shares.

    ``HHI = sum_p s_p^2``. With ``scale='10000'`` the index is multiplied by 10,000; with
    ``scale='normalised'`` it is ``(HHI - 1/n) / (1 - 1/n)`` (0 for n = 1).

    Shares that sum to less than one (a remainder spread over unlisted partners) give the lower
    bound of the index, treating the remainder as infinitely fragmented.

    References
    ----------
    Hirschman, A. O. (1945). *National Power and the Structure of Foreign Trade*.
    Herfindahl, O. C. (1950). *Concentration in the Steel Industry*.

    Examples
    --------
    >>> round(hhi([0.8, 0.1, 0.1]), 10)
    0.66
    >>> hhi([0.8, 0.1, 0.1], scale="10000")
    6600.000000000001
    """
    check_option("scale", scale, HHIScale)
    s = np.asarray(list(share_values), dtype=float)
    s = s[s > 0]
    if s.size == 0:
        return float("nan")
    h = float(np.sum(s * s))
    if scale == "10000":
        return h * 1e4
    if scale == "normalised":
        return hhi_normalised(h, s.size)
    return h


def hhi_normalised(h: float, n: int) -> float:
    """``(HHI - 1/n) / (1 - 1/n)``; 0 when n == 1."""
    if n <= 1:
        return 0.0
    return (h - 1.0 / n) / (1.0 - 1.0 / n)


def effective_partners(h: float) -> float:
    """Effective number of partners ``1 / HHI`` (Adelman 1969)."""
    return float("nan") if not h or np.isnan(h) else 1.0 / h
