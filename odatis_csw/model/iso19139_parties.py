"""ISO 19139 ``gmd:CI_ResponsibleParty`` of a :class:`~odatis_csw.model.record.Party`.

The organisation name is a ``gmx:Anchor`` when the party has an organisation URI (EDMO, ROR),
with its translations as ``PT_FreeText``; every contact detail of the model is written.
"""

from __future__ import annotations

from lxml import etree

from odatis_csw.model.iso19139_xml import Doc, code, string, sub, url
from odatis_csw.model.record import Party, Text


def responsible_party(parent: etree._Element, tag: str, party: Party, doc: Doc) -> etree._Element:
    """``<tag><gmd:CI_ResponsibleParty>`` for one party."""
    prop = sub(parent, tag)
    node = sub(prop, "gmd:CI_ResponsibleParty")
    if party.individual:
        string(node, "gmd:individualName", party.individual)
    if party.organisation is not None or party.anchor:
        organisation = party.organisation or Text("")
        if party.anchor and not organisation.anchor:
            organisation = Text(organisation.value, dict(organisation.translations), party.anchor)
        string(node, "gmd:organisationName", organisation, doc)
    if party.position:
        string(node, "gmd:positionName", party.position)
    if _has_contact(party):
        _contact(node, party)
    code(node, "gmd:role", "CI_RoleCode", party.role)
    return prop


def _has_contact(party: Party) -> bool:
    return bool(
        party.email
        or party.phone
        or party.url
        or party.address
        or party.city
        or party.postal_code
        or party.country
    )


def _contact(node: etree._Element, party: Party) -> None:
    contact = sub(sub(node, "gmd:contactInfo"), "gmd:CI_Contact")
    if party.phone:
        phone = sub(sub(contact, "gmd:phone"), "gmd:CI_Telephone")
        for number in party.phone:
            string(phone, "gmd:voice", number)
    if party.email or party.address or party.city or party.postal_code or party.country:
        address = sub(sub(contact, "gmd:address"), "gmd:CI_Address")
        for line in party.address:
            string(address, "gmd:deliveryPoint", line)
        if party.city:
            string(address, "gmd:city", party.city)
        if party.postal_code:
            string(address, "gmd:postalCode", party.postal_code)
        if party.country:
            string(address, "gmd:country", party.country)
        for email in party.email:
            string(address, "gmd:electronicMailAddress", email)
    if party.url:
        resource = sub(sub(contact, "gmd:onlineResource"), "gmd:CI_OnlineResource")
        url(resource, "gmd:linkage", party.url)
