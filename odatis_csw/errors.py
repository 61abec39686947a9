"""Exceptions that carry their OGC code, HTTP status and a message safe to show."""

from __future__ import annotations


class OdatisError(Exception):
    """Base class: ``user_msg`` is safe to show to a client or an operator."""

    ogc_code = "NoApplicableCode"
    http_status = 500

    def __init__(self, user_msg: str, *, locator: str | None = None) -> None:
        super().__init__(user_msg)
        self.user_msg = user_msg
        self.locator = locator


class ConfigError(OdatisError):
    """The configuration file is missing, unreadable or invalid."""


class UnsafeXMLError(OdatisError):
    """An XML document was refused: malformed, too large, or carrying entities."""

    ogc_code = "InvalidParameterValue"
    http_status = 400


class UnsupportedRecordError(OdatisError):
    """A well-formed document that is not a metadata record we can catalogue."""

    ogc_code = "InvalidParameterValue"
    http_status = 400


class RepositoryError(OdatisError):
    """The repository cannot be reached or written."""

    http_status = 503
