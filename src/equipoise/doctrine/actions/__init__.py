"""Actions: a proposed initiative written as changes to the data, and its evaluation.

An action file (TOML) describes an initiative (a supply contract, an FDI project, an arms
purchase, a new pipeline or rail line, joining or leaving an organisation, a visit or an
agreement) as changes to the canonical tables::

    id = "us-tungsten-2025"
    title = "Cove Capital - Tau-Ken Samruk tungsten project"
    date = "2025-11-06"
    sources = ["KZF:Q2"]
    quote = "... a tungsten mining and processing plant using a $1.1 billion capital expenditure."

    [[flow]]                 # add | scale | set a canonical flow
    op = "add"
    partner = "USA"
    indicator = "technology.deals.value"
    product = "deal:tungsten"
    value = 1.1              # in the indicator's unit (indicators.csv)

    [[corridor]]             # add_edge | scale | set capacity in the corridor graph
    op = "scale"
    route = "Aktau-Baku-Ceyhan"
    factor = 1.5

    [[membership]]           # join | leave an organisation (organisations.csv)
    op = "join"
    org = "ABRAHAM"

    [[event]]                # an event for the engagement ledger (schema.EVENT_KINDS)
    counterpart = "USA"
    kind = "agreement"
    domains = ["technology"]
    value_usd = 17e9

    [[baseline]]             # rows already in the data that ARE this initiative: removed from
    year = 2025              # the "before" side, so the evaluation shows what it changes
    partner = "USA"
    indicator = "technology.deals.value"

Rules of application (every one visible in the evaluation's change log):

* ``year`` of a flow change defaults to the indicator's latest year with data for the focal
  state (the domain's latest year for an indicator without rows); the evaluation notes any
  change that lands outside the year its domain is assessed in;
* ``add`` increases an existing row with the same key (year, reporter, partner, indicator,
  product) or creates one; ``set`` replaces the value; ``scale`` multiplies every matching row;
* when the indicator has a reporter total (``WLD``) that year and is not a percentage or a
  score, the total moves by the same amount (a new contract adds to the world total too); for
  ``%`` indicators the total stays at 100 and the change comes out of the unnamed remainder;
* new and changed rows are validated with :func:`equipoise.io.flows.validate_frame`, their
  ``source`` is the action's source and their ``file``/``line`` point at the action file;
* ``[[baseline]]`` selectors (``year``, ``partner``, ``indicator``, optional ``product`` and
  ``source``) name rows of an initiative that is already in the data; they are removed (and the
  reporter total reduced by them) to form the "before" side, and the action's flow changes put
  the initiative back for the "after" side.

Limits (each refused with an :class:`~equipoise.errors.ActionError` naming the file, line, key,
the value seen and what is expected; at most 20 problems are listed, the rest counted):

* numbers (``value``, ``factor``, ``capacity``, ``value_usd``) are TOML integers or floats, not
  booleans or strings, finite and >= 0; a change whose result, or whose domain's sum over
  partners, overflows (two additions of 1e308) is refused when the action is applied;
* dates (``date`` of the action and of an event) are real calendar dates ``YYYY``, ``YYYY-MM``
  or ``YYYY-MM-DD`` (a TOML date is accepted too) with a year in 1800..2100: the events
  ledger's one date rule, :func:`equipoise.schema.event_date_problem`;
* an event's ``kind`` is one of the ledger's, :data:`equipoise.schema.EVENT_KINDS`, and the
  ledger with the action's events is checked by the one events validator
  (:func:`equipoise.io.events.check_events`) when the action is applied: an unknown
  counterpart, the focal state as counterpart or an event without a date (from the event or
  the action) is refused, naming the line and key of the ``[[event]]``;
* one action holds at most :data:`MAX_CHANGES` changes, and the file is a regular UTF-8 file of
  at most 16 MiB.

Applying an action takes time linear in the number of changes (dictionary look-ups per change,
one validation and one merge of the changed rows; ``benchmarks/bench_actions.py``).

Actions are immutable (frozen dataclasses); applying one returns a new ``FlowSet``.

The package, one job a module (each name below is importable from here):

* :mod:`.schema`: the one schema of an action file, frozen dataclasses (:class:`Action`,
  :class:`FlowChange`, :class:`CorridorChange`, :class:`MembershipChange`,
  :class:`EventChange`, :class:`BaselineRemoval`), :data:`MAX_CHANGES`, and
  :meth:`Action.from_mapping`, the one constructor that validates;
* :mod:`.parse`: reading a file (:func:`parse_action`, :func:`load_action`,
  :func:`example_actions`) and the located error message;
* :mod:`.apply`: applying an action to the tables (:func:`apply_action`,
  :func:`remove_baseline`, :class:`Applied`);
* :mod:`.evaluation`: the state before and after and their comparison (:func:`evaluate`);
* :mod:`.results`: :class:`State` and :class:`Evaluation`, with ``to_dict()`` and
  ``summary()``.
"""

from .apply import Applied, apply_action, remove_baseline
from .evaluation import evaluate
from .parse import example_actions, load_action, parse_action
from .results import Evaluation, State
from .schema import (
    MAX_CHANGES,
    Action,
    BaselineRemoval,
    CorridorChange,
    EventChange,
    FlowChange,
    MembershipChange,
)

__all__ = ["MAX_CHANGES", "Action", "Applied", "BaselineRemoval", "CorridorChange", "Evaluation",
           "EventChange", "FlowChange", "MembershipChange", "State", "apply_action", "evaluate",
           "example_actions", "load_action", "parse_action", "remove_baseline"]
