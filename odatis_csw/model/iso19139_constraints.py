"""ISO 19139 ``gmd:resourceConstraints`` of the record's :class:`~odatis_csw.model.record.Constraints`.

Following the INSPIRE Technical Guidelines 2.0 (conditions for access and use), licences go in
one ``MD_LegalConstraints`` with ``useConstraints`` ``otherRestrictions`` and one
``otherConstraints`` per licence: a ``gmx:Anchor`` to the canonical licence URI whose text is the
source's own words (a ``gco:CharacterString`` when no URI is known). Access restriction codes and
statements that are not licences go in a second ``MD_LegalConstraints``; use limitations in an
``MD_Constraints``; a classification in an ``MD_SecurityConstraints``.
"""

from __future__ import annotations

from lxml import etree

from odatis_csw.model.iso19139_xml import Doc, code, string, sub
from odatis_csw.model.record import Constraints, Text


def resource_constraints(parent: etree._Element, constraints: Constraints, doc: Doc) -> None:
    if constraints.use_limitations:
        node = sub(sub(parent, "gmd:resourceConstraints"), "gmd:MD_Constraints")
        for limitation in constraints.use_limitations:
            string(node, "gmd:useLimitation", limitation, doc)
    if constraints.licences or constraints.use_constraints:
        node = sub(sub(parent, "gmd:resourceConstraints"), "gmd:MD_LegalConstraints")
        uses = list(constraints.use_constraints)
        if constraints.licences and "otherRestrictions" not in uses:
            uses.append("otherRestrictions")
        for use in uses:
            code(node, "gmd:useConstraints", "MD_RestrictionCode", use)
        for licence in constraints.licences:
            words = licence.text
            anchor = licence.uri or words.anchor
            string(node, "gmd:otherConstraints", Text(words.value, dict(words.translations), anchor), doc)
    if constraints.access_constraints or constraints.other_constraints:
        node = sub(sub(parent, "gmd:resourceConstraints"), "gmd:MD_LegalConstraints")
        for access in constraints.access_constraints:
            code(node, "gmd:accessConstraints", "MD_RestrictionCode", access)
        for other in constraints.other_constraints:
            string(node, "gmd:otherConstraints", other, doc)
    if constraints.classification:
        node = sub(sub(parent, "gmd:resourceConstraints"), "gmd:MD_SecurityConstraints")
        code(node, "gmd:classification", "MD_ClassificationCode", constraints.classification)
