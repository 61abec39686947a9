"""Checks of CSW KVP parameters the engine reads without checking (it answers HTTP 500 or nonsense)."""

from __future__ import annotations

from dataclasses import dataclass

#: Every CSW operation name; Transaction and Harvest are refused later as not supported.
OPERATIONS = frozenset(
    {
        "GetCapabilities",
        "DescribeRecord",
        "GetDomain",
        "GetRecords",
        "GetRecordById",
        "GetRepositoryItem",
        "Transaction",
        "Harvest",
    }
)
RESULT_TYPES = {"2.0.2": frozenset({"hits", "results", "validate"}), "3.0.0": frozenset({"hits", "results"})}
OUTPUT_FORMATS = frozenset({"application/xml", "text/xml", "application/json", "application/atom+xml"})


@dataclass(frozen=True)
class KvpProblem:
    """An OWS exception to answer instead of running the request."""

    code: str
    locator: str
    text: str


def _integer(kvp: dict[str, str], name: str, minimum: int) -> KvpProblem | None:
    if name not in kvp:
        return None
    value = kvp[name].strip()
    if not value.lstrip("-").isdigit() or int(value) < minimum:
        return KvpProblem("InvalidParameterValue", name, f"{name} must be an integer of at least {minimum}")
    return None


def check(kvp: dict[str, str], version: str) -> KvpProblem | None:
    """The first problem of a CSW GET request (keys already lower-cased), or None."""
    request = kvp.get("request")
    if request is not None and request not in OPERATIONS:
        return KvpProblem("OperationNotSupported", "request", f"operation {request!r} is not supported")
    if request not in (None, "GetCapabilities") and not (kvp.get("version") or "").strip():
        # OWS Common (06-121r3 clause 7) and both CSW bindings: VERSION is mandatory but in GetCapabilities
        return KvpProblem("MissingParameterValue", "version", f"{request} needs the version parameter")
    for problem in (_integer(kvp, "maxrecords", 0), _integer(kvp, "startposition", 1)):
        if problem:
            return problem
    result_type = kvp.get("resulttype")
    if result_type is not None and result_type not in RESULT_TYPES[version]:
        allowed = ", ".join(sorted(RESULT_TYPES[version]))
        return KvpProblem("InvalidParameterValue", "resulttype", f"resultType must be one of {allowed}")
    output_format = kvp.get("outputformat")
    if output_format is not None and output_format not in OUTPUT_FORMATS:
        allowed = ", ".join(sorted(OUTPUT_FORMATS))
        return KvpProblem("InvalidParameterValue", "outputformat", f"outputFormat must be one of {allowed}")
    return None
