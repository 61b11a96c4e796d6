"""The project's error classes: the mistakes a user can mend, reported by ``territoire`` in one
line.

Every error that describes something wrong in what the user gave (a scenario, a territory, a
providers file, a sweep, a checkpoint, a model parameter, a command-line option) derives from
``TerritoireError``: the command prints its message, which names the file, the key or the value and
what is allowed, and exits with status 2. Any other exception is a bug, and the command shows its
traceback. The specific classes also derive from ``ValueError``, as they did before this base
existed, so that callers catching ``ValueError`` still catch them.
"""

from __future__ import annotations


class TerritoireError(Exception):
    """Base of the errors the user can mend; never raised itself."""


class UserError(TerritoireError, ValueError):
    """A mistake in what the user asked for that no more specific class describes (a command-line
    option, an argument of ``compare``)."""
