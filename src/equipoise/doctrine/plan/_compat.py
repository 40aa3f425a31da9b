"""The plan's former rule-named arguments, kept as deprecated compatibility: the one place
that still names shipped rules for the plan. New code says which rules' plan rows are off
with ``without`` (rule kinds; :func:`equipoise.doctrine.plan.model.without_kinds`) and hands
``solve_cvar_plan`` the rules' plan inputs as ``specs`` (plan kind -> input)."""

from __future__ import annotations

import warnings

#: The former :class:`~equipoise.doctrine.plan.PlanRequest` / ``plan()`` booleans -> the kind
#: of the rule whose plan rows they switched off (``False``).
FLAGS = {"roles": "role", "critical_share": "no_critical_dependency",
         "keep_viable": "viable_partners", "no_squeeze": "no_squeeze"}

#: The former rule-named keyword arguments of ``solve_cvar_plan`` -> the plan kind they fed.
SPECS = {"roles": "role", "critical_cap": "critical_share", "keep_viable": "keep_viable",
         "squeeze": "no_squeeze"}


def flags_to_without(flags: dict, *, stacklevel: int = 3) -> tuple[str, ...]:
    """The rule kinds the given former booleans switch off (those set to False); warns
    (DeprecationWarning) once per call when any is given (not None)."""
    given = {k: v for k, v in flags.items() if v is not None}
    if not given:
        return ()
    warnings.warn(
        "the plan's per-rule booleans (" + ", ".join(f"{k}={v!r}" for k, v in given.items())
        + ") are deprecated; use without=(rule kinds...), e.g. without=("
        + ", ".join(repr(FLAGS[k]) for k in given) + ",)",
        DeprecationWarning, stacklevel=stacklevel)
    return tuple(FLAGS[k] for k, v in given.items() if not v)


def legacy_specs(kwargs: dict, *, stacklevel: int = 3) -> dict:
    """plan kind -> input of the former rule-named arguments of ``solve_cvar_plan`` (None ones
    left out); warns (DeprecationWarning) when any is given; an unknown name is a TypeError,
    as for any function."""
    bad = sorted(set(kwargs) - set(SPECS))
    if bad:
        raise TypeError(f"solve_cvar_plan() got unexpected keyword arguments {bad}")
    given = {k: v for k, v in kwargs.items() if v is not None}
    if given:
        warnings.warn(
            "solve_cvar_plan's rule-named arguments (" + ", ".join(given) + ") are deprecated; "
            "pass specs={plan kind: input}, e.g. specs={"
            + ", ".join(f"{SPECS[k]!r}: ..." for k in given) + "}",
            DeprecationWarning, stacklevel=stacklevel)
    return {SPECS[k]: v for k, v in given.items()}
