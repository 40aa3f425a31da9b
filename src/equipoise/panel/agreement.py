"""UN agreement and Cohen's kappa of every state with every pole for every year, on vote
matrices (numpy) instead of a join.

The votes of a year are one dense ``int8`` matrix, states x roll calls (``0`` yes, ``1``
abstain, ``2`` no, ``-1`` absent or another code), built once. A pole's votes are one row of
that layout (a country's own row, or a group's plurality vote, below). For all states and
poles of a year the 3 x 3 tables of (state vote, pole vote) counts -- the nine cells behind
agreement and kappa -- are one matrix product of one-hot masks::

    C[s, i, j, p] = sum_r [X[s, r] == i] * w_r * [P[p, r] == j]

with ``w_r = 1`` for the panel (and bootstrap counts of the roll calls for the index's
interval, :func:`replicate_counts`). ``n`` is the table's sum, the agreement its trace / n,
kappa ``(po - pe) / (1 - pe)`` with ``pe`` from the margins -- the same integer counts as the
panel's SQL (:func:`equipoise.panel.builder._political_sql`), checked by a property test.

A group pole's (EU27's) vote on a roll call is the plurality vote of the group's members of
that year who voted; a tie of two or three choices leaves no group vote on that roll call.
A state is never compared with itself (an EU member is compared with the EU27, whose
plurality includes its own vote).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CHOICES = ("yes", "abstain", "no")


@dataclass
class VoteMatrix:
    """The votes as states x roll calls, roll calls sorted by year (stable in rcid order)."""

    states: np.ndarray  # names, S
    rcids: np.ndarray  # R
    years: np.ndarray  # the distinct years, Y
    bounds: np.ndarray  # Y + 1: the roll calls of years[k] are columns bounds[k]:bounds[k+1]
    codes: np.ndarray  # S x R int8: 0 yes, 1 abstain, 2 no, -1 no vote

    def year_of_columns(self) -> np.ndarray:
        return np.repeat(self.years, np.diff(self.bounds))


def vote_matrix(votes: pd.DataFrame) -> VoteMatrix | None:
    """The matrix of ``votes`` (columns ``rcid, year, country, vote``); ``None`` when the votes
    do not fit one (a state voting twice on a roll call, or a roll call in two years), so that
    the caller falls back to the SQL, which counts such rows as they are."""
    code, uniq = pd.factorize(votes["vote"], use_na_sentinel=True)
    lut = np.array([CHOICES.index(u) if u in CHOICES else -1 for u in uniq] + [-1],
                   dtype=np.int8)
    vc = lut[code]  # code -1 (missing) picks the last entry, -1
    keep = vc >= 0
    if not keep.all():
        vc = vc[keep]
        votes = votes[keep]
    si, states = pd.factorize(votes["country"])
    ri, rcids = pd.factorize(votes["rcid"])
    yr = votes["year"].to_numpy()
    S, R = len(states), len(rcids)
    if S == 0:
        return VoteMatrix(np.array([], dtype=object), np.array([], dtype=np.int64),
                          np.array([], dtype=np.int64), np.zeros(1, dtype=np.int64),
                          np.zeros((0, 0), dtype=np.int8))
    ryear = np.empty(R, dtype=np.int64)
    ryear[ri] = yr
    if not (ryear[ri] == yr).all():
        return None
    if np.bincount(si.astype(np.int64) * R + ri, minlength=S * R).max() > 1:
        return None
    order = np.argsort(ryear, kind="stable")
    pos = np.empty(R, dtype=np.int64)
    pos[order] = np.arange(R)
    X = np.full((S, R), -1, dtype=np.int8)
    X[si, pos[ri]] = vc
    ys = ryear[order]
    starts = np.flatnonzero(np.r_[True, ys[1:] != ys[:-1]])
    years = ys[starts]
    bounds = np.append(starts, R).astype(np.int64)
    return VoteMatrix(np.asarray(states, dtype=object), np.asarray(rcids)[order], years,
                      bounds, X)


def _onehot(codes: np.ndarray, dtype=np.float64) -> np.ndarray:
    """codes (..., R) -> (..., 3, R) masks of yes, abstain, no."""
    return np.stack([codes == k for k in range(3)], axis=-2).astype(dtype)


def pole_codes(vm: VoteMatrix, poles: list[str]) -> np.ndarray:
    """P x R ``int8``: each pole's vote per roll call (-1 none). A country pole is its own row
    (-1 throughout when it never voted); a group pole the plurality of its members of the
    roll call's year who voted, -1 on a tie."""
    from .. import reference

    index = {s: k for k, s in enumerate(vm.states)}
    R = vm.codes.shape[1]
    out = np.full((len(poles), R), -1, dtype=np.int8)
    members = None
    for p, pole in enumerate(poles):
        if not reference.is_group(pole):
            if pole in index:
                out[p] = vm.codes[index[pole]]
            continue
        if members is None:
            members = reference.load("group_members")
        m = members[members["group"] == pole]
        start = m["start_year"].fillna(-9999).astype("int64").to_numpy()
        end = m["end_year"].fillna(9999).astype("int64").to_numpy()
        rows = np.array([index.get(s, -1) for s in m["member"].astype(str)], dtype=np.int64)
        ycol = vm.year_of_columns()  # R
        # S x R: how many membership spans of the state cover the roll call's year (0 or 1
        # in the shipped file; counted as the SQL join counts them)
        mem = np.zeros((len(vm.states) + 1, R), dtype=np.int64)
        span = (start[:, None] <= ycol[None]) & (end[:, None] >= ycol[None])  # members x R
        np.add.at(mem, np.where(rows >= 0, rows, len(vm.states)), span)
        mem = mem[:-1]
        cnt = np.stack([np.where(vm.codes == c, mem, 0).sum(0) for c in range(3)])  # 3 x R
        mx = cnt.max(0)
        top = (cnt == mx) & (mx > 0)
        out[p] = np.where(top.sum(0) == 1, top.argmax(0), -1)
    return out


def tables(vm: VoteMatrix, pc: np.ndarray) -> np.ndarray:
    """Y x S x P x 3 x 3 counts of (state vote, pole vote) over the roll calls of each year of
    ``vm.years``: one ``bincount`` over (year, state, pole, cell) keys."""
    S, R = vm.codes.shape
    P, Y = pc.shape[0], len(vm.years)
    if not S or not P or not R:
        return np.zeros((Y, S, P, 3, 3), dtype=np.int64)
    X = vm.codes.astype(np.int16)[:, None, :]
    Q = pc.astype(np.int16)[None, :, :]
    cell = np.where((X >= 0) & (Q >= 0), X * 3 + Q, 9)  # S x P x R, 9 = no pair
    yk = np.repeat(np.arange(Y, dtype=np.int64), np.diff(vm.bounds))  # R
    key = (yk[None, None, :] * (S * P) + np.arange(S * P).reshape(S, P, 1)) * 10 + cell
    return np.bincount(key.ravel(), minlength=Y * S * P * 10).reshape(Y, S, P, 10)[
        ..., :9].reshape(Y, S, P, 3, 3)


COUNT_COLUMNS = ("year", "focal", "pole", "n", "a", "fy", "fa", "fn", "py", "pa", "pn", "nrc")


def agreement_counts(votes: pd.DataFrame, poles: list[str]) -> pd.DataFrame | None:
    """Per (year, focal, pole) with at least one common roll call: ``n`` common roll calls,
    ``a`` alike, the focal's (``fy, fa, fn``) and the pole's (``py, pa, pn``) yes / abstain /
    no counts over them, and ``nrc`` the year's roll calls. ``None`` when the votes do not fit
    a matrix (see :func:`vote_matrix`)."""
    vm = vote_matrix(votes)
    if vm is None:
        return None
    return counts_frame(vm, pole_codes(vm, poles), poles)


def counts_frame(vm: VoteMatrix, pc: np.ndarray, poles: list[str]) -> pd.DataFrame:
    """:func:`agreement_counts` from a matrix and the poles' votes."""
    S, P = len(vm.states), len(poles)
    self_pair = np.array([[s == p for p in poles] for s in vm.states], dtype=bool).reshape(S, P)
    T = tables(vm, pc)
    n = T.sum((3, 4))
    keep = (n > 0) & ~self_pair[None]
    y_idx, s_idx, p_idx = np.nonzero(keep)
    t = T[y_idx, s_idx, p_idx]
    f = t.sum(2)
    g = t.sum(1)
    out = {"year": vm.years[y_idx].astype(np.int64), "focal": vm.states[s_idx],
           "pole": np.asarray(poles, dtype=object)[p_idx],
           "n": n[y_idx, s_idx, p_idx], "a": np.trace(t, axis1=1, axis2=2),
           "fy": f[:, 0], "fa": f[:, 1], "fn": f[:, 2],
           "py": g[:, 0], "pa": g[:, 1], "pn": g[:, 2],
           "nrc": np.diff(vm.bounds)[y_idx]}
    return pd.DataFrame({k: (v if k in ("focal", "pole") else np.asarray(v, dtype=np.int64))
                         for k, v in out.items()})


def rollcall_rows(vm: VoteMatrix, pc: np.ndarray, poles: list[str]) -> pd.DataFrame:
    """``year, rcid, country, vote`` (``int8`` code) of every vote in the matrix, and of each
    group pole's plurality vote (``country`` = the group, e.g. ``EU27``): the warehouse table
    ``panel_rollcalls``, which the index's bootstrap over roll calls resamples."""
    from .. import reference

    groups = [p for p, name in enumerate(poles) if reference.is_group(name)]
    names = np.concatenate([vm.states, np.asarray([poles[p] for p in groups], dtype=object)])
    codes = np.concatenate([vm.codes, pc[groups]]) if groups else vm.codes
    i, r = np.nonzero(codes >= 0)
    order = np.lexsort((i, r))
    i, r = i[order], r[order]
    return pd.DataFrame({"year": vm.year_of_columns()[r].astype(np.int32),
                         "rcid": vm.rcids[r].astype(np.int64), "country": names[i],
                         "vote": codes[i, r].astype(np.int8)})


def replicate_kappas(states: np.ndarray, poles: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Kappa of each state with each pole under each replicate's roll-call weights.

    ``states`` S x R and ``poles`` P x R vote codes (``int8``, -1 none) over one year's roll
    calls; ``weights`` B x R (bootstrap counts of each roll call). Returns B x S x P (NaN where
    no common roll call or no variation). The weighted 3 x 3 tables are one matrix product:
    six 0/1 features per (state, pole, roll call) -- alike, common, the state's yes and
    abstain and the pole's (no = common - yes - abstain), each where both voted -- summed with
    the weights."""
    S, R = states.shape
    P, B = poles.shape[0], weights.shape[0]
    X, Q = states[:, None, :], poles[None, :, :]
    both = (X >= 0) & (Q >= 0)  # S x P x R
    feats = [both & (X == Q), both]  # alike, common
    feats += [both & np.equal(X, k) for k in range(2)]  # the state's yes, abstain
    feats += [both & np.equal(Q, k) for k in range(2)]  # the pole's yes, abstain
    Z = np.stack(feats, axis=-1).transpose(2, 0, 1, 3).reshape(R, S * P * 6)
    # float32: the weighted counts are integers below 2**24, exact
    T = (weights.astype(np.float32) @ Z.astype(np.float32)).reshape(B, S, P, 6)
    a, n, fy, fa, py, pa = np.moveaxis(T, -1, 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        n2 = n * n
        pe_n2 = fy * py + fa * pa + (n - fy - fa) * (n - py - pa)  # pe * n^2, exact
        return np.where((pe_n2 < n2) & (n > 0), (a * n - pe_n2) / (n2 - pe_n2), np.nan)


def kappa_from_counts(n, a, fy, fa, fn, py, pa, pn):
    """Agreement ``a / n`` and Cohen's kappa (NaN when ``pe >= 1``: no variation), elementwise
    on arrays (counts or bootstrap-weighted counts)."""
    n = np.asarray(n, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        po = a / n
        pe = (fy * py + fa * pa + fn * pn) / (n * n)
        kappa = np.where(pe < 1, (po - pe) / (1 - pe), np.nan)
    return po, kappa


def agreement_frame(votes: pd.DataFrame, poles: list[str]) -> pd.DataFrame:
    """``focal, year, indicator, partner, value`` for agreement and kappa (the benchmark's
    output, in the layout of its pandas baseline)."""
    c = agreement_counts(votes, poles)
    if c is None:
        raise ValueError("the votes do not fit a states x roll calls matrix")
    po, kappa = kappa_from_counts(*(c[k].to_numpy() for k in
                                    ("n", "a", "fy", "fa", "fn", "py", "pa", "pn")))
    base = pd.DataFrame({"focal": c["focal"], "year": c["year"], "partner": c["pole"]})
    return pd.concat([base.assign(indicator="political.unga.agreement", value=po),
                      base.assign(indicator="political.unga.kappa", value=kappa)],
                     ignore_index=True)
