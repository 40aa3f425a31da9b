"""Named errors and warnings of equipoise, in one place.

Every error says what was seen, where, and what was expected.
"""

from __future__ import annotations


class EquipoiseError(Exception):
    """Base class of every equipoise error."""


class InputError(EquipoiseError, ValueError):
    """Bad input data. ``issues`` holds every problem found, not only the first."""

    def __init__(self, message: str, issues: list | None = None):
        super().__init__(message)
        self.issues = list(issues or [])


class SchemaError(InputError):
    """A file lacks a required column or cannot be parsed at all."""


class UnknownCountryError(InputError):
    """A code is neither an ISO3 country code nor a known partner group."""


class UnknownDomainError(InputError):
    """A domain or indicator is not in the indicators table."""


class DuplicateKeyError(InputError):
    """Two rows share the same key (year, reporter, partner, indicator, product)."""


class OptionError(EquipoiseError, ValueError):
    """An option has a value outside its vocabulary."""


class NoDataError(EquipoiseError, LookupError):
    """The data hold nothing for the requested focal state, domain or year."""


class DoctrineError(EquipoiseError, ValueError):
    """A doctrine file is invalid."""


class ActionError(EquipoiseError, ValueError):
    """An action file is invalid."""


class InfeasiblePlanError(EquipoiseError):
    """The plan's constraints cannot all hold; ``conflicts`` names them."""

    def __init__(self, message: str, conflicts: list | None = None):
        super().__init__(message)
        self.conflicts = list(conflicts or [])


class WarehouseError(EquipoiseError):
    """The warehouse is missing, locked or inconsistent."""


class CorridorError(EquipoiseError, ValueError):
    """A corridor graph or request is invalid (unknown node, bad capacity)."""


class EquipoiseWarning(UserWarning):
    """Base class of equipoise warnings."""


class MissingPartnerDataWarning(EquipoiseWarning):
    """A partner expected by the doctrine has no data in a domain."""


class InconsistentTotalWarning(EquipoiseWarning):
    """Partner rows add up to more than the reporter's WLD total."""


class InputFileError(InputError):
    """An input file cannot be read: missing, not a regular file, too large, not UTF-8 text,
    binary, or (for Parquet) not a Parquet file. The message names the file and, for bad
    bytes, the line, column and byte offset."""


class OutputFileError(EquipoiseError, OSError):
    """An output file cannot be written (missing folder, a folder in its place, no permission)."""


class DatasetMissingError(InputError):
    """A dataset the panel build needs is missing from the data folder (the message names the
    dataset, the folder and files looked for, and docs/sources.md)."""


class MissingDependencyError(EquipoiseError, ImportError):
    """An optional package a command needs is not installed (the message names the package
    and the extra that installs it)."""
