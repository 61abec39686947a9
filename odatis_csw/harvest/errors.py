"""Source-level harvest failures, each with a short stable code for reports."""

from __future__ import annotations


class HarvestError(Exception):
    """A source-level failure; ``code`` is a short stable reason for reports."""

    code = "harvest-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class SourceUnreachable(HarvestError):
    code = "unreachable"


class SourceRefused(HarvestError):
    """The source answered with an HTTP error or a protocol exception."""

    code = "refused"


class PayloadTooLarge(HarvestError):
    code = "too-large"


class UnsafeUrl(HarvestError):
    code = "unsafe-url"


class ProtocolViolation(HarvestError):
    """The source answered something the protocol does not allow (malformed, truncated...)."""

    code = "protocol-violation"
