"""Vocabulary and identity mappings kept as data in ``mappings/`` (see ``mappings/README.md``).

A mapping never replaces a record's words: it returns the anchor (a concept URI with its label)
to add next to them.
"""

from odatis_csw.mapping.vocab import (
    Anchor,
    LinkRelation,
    MappingError,
    Mappings,
    anchors_for,
    cf_standard_name_anchor,
    default,
    inspire_themes,
    instrument_anchor,
    is_no_licence_statement,
    licence_anchor,
    link_relation,
    organisation_anchor,
    parameter_anchor,
    platform_anchor,
)

__all__ = [
    "Anchor",
    "LinkRelation",
    "MappingError",
    "Mappings",
    "anchors_for",
    "cf_standard_name_anchor",
    "default",
    "inspire_themes",
    "instrument_anchor",
    "is_no_licence_statement",
    "licence_anchor",
    "link_relation",
    "organisation_anchor",
    "parameter_anchor",
    "platform_anchor",
]
