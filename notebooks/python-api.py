# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # The Python API on the embedded default
#
# This notebook walks through equipoise's Python API on the dataset that ships with the package
# (Kazakhstan, every row sourced): **assess** the state against its doctrine, **explain** one
# number down to its source rows, **shock** a partner, **simulate** correlated disruptions,
# **evaluate** a proposed initiative and **plan** a diversification. It uses only the public
# names of `import equipoise as eq`.
#
# It is stored as a [jupytext](https://jupytext.readthedocs.io) percent script
# (`notebooks/python-api.py`): open it in Jupyter with jupytext installed, or run it as a plain
# script. `make test` executes it in a fresh kernel and fails on any error, and the documentation
# site shows it as executed at build time, so what you read here is what the code does today.

# %%
import pandas as pd

import equipoise as eq

pd.set_option("display.precision", 3)
pd.set_option("display.width", 120)
eq.__version__

# %% [markdown]
# ## 1. Load the embedded data
#
# `load_default()` returns a `FlowSet`: the validated rows, the quarantine of rejected rows and
# the counts (`read == loaded + quarantined`). Every row names its source and the file and line it
# came from.

# %%
flows = eq.load_default()
flows.counts

# %%
flows.data[["year", "partner", "domain", "indicator", "value", "unit", "source"]].head()

# %% [markdown]
# ## 2. Assess
#
# `assess` computes, for each domain in its latest year with data, the partner shares, the
# Herfindahl-Hirschman index (HHI), the effective number of partners, the critical-dependency
# screen and which pole leads; then it checks every rule of the doctrine (here the shipped
# Kazakhstan doctrine) and reports each margin as a number. `summary()` is the text the CLI
# prints.

# %%
a = eq.assess(flows, focal="KAZ")
print(a.summary())

# %% [markdown]
# The same numbers as tables: `scorecard` (one row per domain) and `matrix` (partner x domain
# shares).

# %%
a.scorecard[["year", "top_partner", "top_share", "hhi", "effective_partners", "critical"]]

# %%
a.matrix.loc[list(a.doctrine.poles)]

# %% [markdown]
# The rules that fail, with their margins (negative = how far past the threshold):

# %%
pd.DataFrame([{"rule": r.name, "margin": r.margin} for r in a.failed_rules])

# %% [markdown]
# ## 3. Explain a number
#
# Why is energy a critical dependency although Russia's share of the energy composite is below
# 50 %? Each domain carries its screen: the composite and every indicator with its top partner,
# share and basis (against the `WLD` total or the sum of the partner rows).

# %%
energy = a.domains["energy"]
print(f"energy {energy.year}: top partner {energy.top_partner} {energy.top_share:.1%}, "
      f"critical: {energy.critical}")
pd.DataFrame(energy.screen)

# %% [markdown]
# The screen's critical items name the indicator that makes the domain critical. The rows behind
# the first one, and what their source ids stand for:

# %%
item = energy.critical_items[0]
print(item)
rows = flows.data[(flows.data["indicator"] == item["indicator"])
                  & (flows.data["year"] == item["year"])]
rows[["year", "partner", "value", "unit", "source", "line"]]

# %%
sources = eq.default_sources()
sources[sources["id"].isin(rows["source"])][["id", "producer", "title", "date"]]

# %% [markdown]
# ## 4. Shock: a partner cut off
#
# A `ShockRequest` is one immutable record. The loss in domain *d* is
# `intensity x share x (1 - substitutability_d)` (vulnerability after substitution, Keohane &
# Nye 1977); with the shipped corridor graph, `loss_model="max"` also takes the capacity lost by
# max-flow with the partner's nodes removed, and keeps the larger of the two.

# %%
shares = eq.domain_shares(flows, "KAZ")
graph = eq.load_corridors(focal="KAZ")
cut = eq.shock(shares, eq.ShockRequest(focal="KAZ", partner="RUS", loss_model="max"),
               doctrine=a.doctrine, corridors=graph)
print(cut.summary())

# %% [markdown]
# ## 5. Simulate correlated disruptions
#
# The Monte Carlo draws partner disruptions with a Gaussian copula (partners on a shared corridor
# route or in one bloc are correlated) and reports the loss distribution: value at risk (VaR) and
# conditional value at risk (CVaR) with standard errors. The seed makes it reproducible.

# %%
sim = eq.run_simulation(shares, eq.SimulationRequest(focal="KAZ", runs=50_000, seed=1,
                                                     loss_model="max"),
                        graph=graph, doctrine=a.doctrine)
sim.risk[["mean", "p_loss", "var_95", "cvar_95", "cvar_95_se"]]

# %%
sim.tail_drivers.head()

# %% [markdown]
# ## 6. Evaluate a proposed initiative
#
# An action is a TOML file of changes (flow deltas, route capacity, memberships, events) with
# its sources. Seven sourced examples ship with the package; `evaluate` takes a file path or one
# of their names and recomputes the assessment, the shocks, the Monte Carlo and every rule before
# and after.

# %%
ev = eq.evaluate("middle-corridor-expansion", flows, focal="KAZ")
print(ev.summary())

# %% [markdown]
# The measures that improve, as a table (`ev.worsens` and `ev.changed_rules` list the others):

# %%
pd.DataFrame(ev.improves)

# %% [markdown]
# ## 7. Plan a diversification
#
# `plan` chooses target partner shares per domain that minimise the CVaR of the disruption loss
# (the Rockafellar-Uryasev linear program, solved by HiGHS), within a maximum shift per domain and
# under the doctrine's rules. It reports the binding constraints with their shadow prices.

# %%
p = eq.plan(flows, focal="KAZ", horizon=5, max_shift=0.05, assessment=a)
print(f"status {p.status}: CVaR {p.cvar_before:.4f} -> {p.cvar_after:.4f}")
p.recommended.head(10)

# %% [markdown]
# ## Where next
#
# * Your own state: pass your flow file to `eq.read_flows` and your doctrine to `eq.assess(...,
#   doctrine="my-doctrine.toml")` (see the tutorial *Assess your own state*).
# * Every measure's formula and citation: *Concepts > Methods*.
# * Every function used here: the *API reference*.
