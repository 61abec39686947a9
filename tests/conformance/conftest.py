"""Fixtures of the conformance suites."""

from tests.conformance.oai import provider  # noqa: F401 - the OAI-PMH provider under test
