"""OAI-PMH 2.0 request arguments (§3.1, §3.3, §3.6): read, check, or refuse with the protocol's code.

A request is the raw list of (key, value) pairs, so that a repeated argument is seen.
``badVerb`` answers a missing, illegal or repeated verb; ``badArgument`` an illegal,
missing or repeated argument, a bad date, mixed granularities or ``from`` after ``until``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

#: Per verb: (required arguments, optional arguments). ``resumptionToken`` is exclusive (§3.5).
VERBS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "Identify": (frozenset(), frozenset()),
    "ListMetadataFormats": (frozenset(), frozenset({"identifier"})),
    "ListSets": (frozenset(), frozenset({"resumptionToken"})),
    "GetRecord": (frozenset({"identifier", "metadataPrefix"}), frozenset()),
    "ListIdentifiers": (
        frozenset({"metadataPrefix"}),
        frozenset({"from", "until", "set", "resumptionToken"}),
    ),
    "ListRecords": (frozenset({"metadataPrefix"}), frozenset({"from", "until", "set", "resumptionToken"})),
}
#: §3.3.1: the two granularities of ``from`` and ``until``.
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
SECOND = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
#: OAI-PMH.xsd ``setSpecType`` and ``metadataPrefixType``.
SET_SPEC = re.compile(r"[A-Za-z0-9\-_.!~*'()]+(:[A-Za-z0-9\-_.!~*'()]+)*")
PREFIX = re.compile(r"[A-Za-z0-9\-_.!~*'()]+")


class OaiError(Exception):
    """An OAI-PMH error condition (§3.6): its code and a message safe to show."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Window:
    """Inclusive datestamp bounds as ``YYYY-MM-DDThh:mm:ssZ`` strings (None: unbounded)."""

    start: str | None = None
    end: str | None = None


@dataclass(frozen=True)
class OaiRequest:
    """A request whose verb and arguments are legal."""

    verb: str
    arguments: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> str | None:
        return self.arguments.get(name)


def parse(pairs: Iterable[tuple[str, str]]) -> OaiRequest:
    """The request named by ``pairs``, or the OaiError (badVerb, badArgument) it deserves."""
    pairs = list(pairs)
    verbs = [value for key, value in pairs if key == "verb"]
    if not verbs:
        raise OaiError("badVerb", "the verb argument is missing")
    if len(verbs) > 1:
        raise OaiError("badVerb", "the verb argument is repeated")
    verb = verbs[0]
    if verb not in VERBS:
        raise OaiError("badVerb", f"{verb!r} is not an OAI-PMH verb")
    arguments: dict[str, str] = {}
    required, optional = VERBS[verb]
    for key, value in pairs:
        if key == "verb":
            continue
        if key not in required | optional:
            raise OaiError("badArgument", f"{key!r} is not an argument of {verb}")
        if key in arguments:
            raise OaiError("badArgument", f"the {key} argument is repeated")
        arguments[key] = value
    if "resumptionToken" in arguments:
        if len(arguments) > 1:
            raise OaiError("badArgument", "resumptionToken is an exclusive argument")
        return OaiRequest(verb, arguments)
    missing = sorted(required - set(arguments))
    if missing:
        raise OaiError("badArgument", f"{verb} requires the {', '.join(missing)} argument")
    for key, value in arguments.items():
        if not value:
            raise OaiError("badArgument", f"the {key} argument is empty")
    if "metadataPrefix" in arguments and not PREFIX.fullmatch(arguments["metadataPrefix"]):
        raise OaiError("badArgument", "metadataPrefix is not a legal metadata prefix")
    if "set" in arguments and not SET_SPEC.fullmatch(arguments["set"]):
        raise OaiError("badArgument", "set is not a legal setSpec")
    window(arguments.get("from"), arguments.get("until"))  # refuses bad dates now
    return OaiRequest(verb, arguments)


def window(start: str | None, end: str | None) -> Window:
    """The inclusive bounds of ``from`` and ``until`` (§3.3): a day ``until`` ends with that day.

    Raises badArgument for a date in neither granularity, for two granularities mixed, and for
    ``from`` later than ``until``.
    """
    grains = [_granularity(name, value) for name, value in (("from", start), ("until", end)) if value]
    if len(set(grains)) > 1:
        raise OaiError("badArgument", "from and until must have the same granularity")
    bounds = Window(
        None if start is None else start + "T00:00:00Z" if DAY.fullmatch(start) else start,
        None if end is None else end + "T23:59:59Z" if DAY.fullmatch(end) else end,
    )
    if bounds.start and bounds.end and bounds.start > bounds.end:
        raise OaiError("badArgument", "from is later than until")
    return bounds


def _granularity(name: str, value: str) -> str:
    for grain, pattern, form in (("day", DAY, "%Y-%m-%d"), ("second", SECOND, "%Y-%m-%dT%H:%M:%SZ")):
        if pattern.fullmatch(value):
            try:
                datetime.strptime(value, form)
            except ValueError:
                break
            return grain
    raise OaiError("badArgument", f"{name} is not a YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ date")
