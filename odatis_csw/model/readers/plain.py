"""Helpers shared by the readers of the non-ISO dialects (DataCite, Dublin Core, OGC API Records).

Names of people and organisations, licences and rights statements, keyword anchors, periods and
boxes written as text. Normalisation only *adds* (an anchor next to the source's words).
"""

from __future__ import annotations

import re

from lxml import etree

from odatis_csw.mapping import vocab
from odatis_csw.mapping.crosswalks import default as crosswalks
from odatis_csw.model.record import BoundingBox, Constraints, Licence, Party, TemporalExtent, Text

_PERSON = re.compile(r"^[^,;()0-9]+,\s*[^,;()0-9]+$")
_ORG_WORDS = re.compile(
    r"\b(institut\w*|universit\w*|univ|centre|center|office|agency|laborator\w*|department|service|"
    r"data|society|survey|ifremer|cnrs|ird|shom|cnes|ministry|council|foundation|company|group|"
    r"team|network|project|programme|program|observatory|association|consortium|gmbh|ltd|inc)\b",
    re.IGNORECASE,
)
_LICENCE_WORDS = re.compile(
    r"\b(cc[- ]?(by|0|zero)|creative\s*commons|licen[cs]e|odbl|etalab|public\s+domain)\b", re.I
)
_PERSON_SCHEMES = ("orcid",)
_ORG_SCHEMES = ("ror", "grid", "isni", "edmo", "crossref funder id", "fundref")
RESTRICTION_CODES = frozenset(
    {"copyright", "patent", "patentPending", "trademark", "license", "intellectualPropertyRights",
     "restricted", "otherRestrictions"}
)  # fmt: skip


def local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


def elements_of(element: etree._Element) -> list[etree._Element]:
    """Child elements (no comments nor processing instructions)."""
    return [child for child in element if isinstance(child.tag, str)]


def clean(value: str | None) -> str | None:
    value = " ".join((value or "").split()) if value and "\n" not in value else (value or "").strip()
    return value or None


def text_of(element: etree._Element | None) -> str | None:
    """Every text of an element (DataCite descriptions hold ``<br/>``), stripped; None if blank."""
    if element is None:
        return None
    return clean("".join(element.itertext()))


def language(code: str | None) -> str | None:
    """A language code as ISO 639-2/B (``en``, ``en-GB`` → ``eng``) when known, else as written."""
    code = clean(code)
    return (crosswalks().iso639_2(code) or code) if code else None


def is_url(value: str | None) -> bool:
    return bool(value) and bool(re.match(r"^(https?|ftp)://\S+$", (value or "").strip(), re.I))


def identifier_url(scheme: str | None, scheme_uri: str | None, value: str) -> str:
    """A name identifier as a URL: as written when a URL, else appended to its scheme URI."""
    value = value.strip()
    if is_url(value) or not scheme_uri:
        return value
    return scheme_uri.rstrip("/") + "/" + value


def party(
    name: str | None,
    role: str,
    *,
    kind: str | None = None,
    given: str | None = None,
    family: str | None = None,
    affiliation: Text | None = None,
    identifiers: list[tuple[str, str]] | None = None,
) -> Party | None:
    """A party from a name: a person (with the affiliation as organisation) or an organisation.

    ``kind`` is DataCite's nameType (``Personal``/``Organizational``); without it, given/family
    names and ORCID mean a person, ROR/GRID/ISNI/EDMO or a known organisation an organisation,
    a ``Family, Given`` form without organisation words a person, anything else an organisation.
    ``identifiers`` are ``(scheme, url)`` pairs.
    """
    name = clean(name) or clean(" ".join(p for p in (given, family) if p))
    if name is None:
        return None
    identifiers = identifiers or []
    schemes = [scheme.lower() for scheme, _ in identifiers]
    person_url = next((url for scheme, url in identifiers if scheme.lower() in _PERSON_SCHEMES), None)
    org_url = next((url for scheme, url in identifiers if scheme.lower() in _ORG_SCHEMES), None)
    if kind:
        personal = kind.lower().startswith("person")
    elif given or family or any(s in _PERSON_SCHEMES for s in schemes):
        personal = True
    elif org_url or vocab.organisation_anchor(name):
        personal = False
    else:
        personal = bool(_PERSON.match(name)) and not _ORG_WORDS.search(name)
    if personal:
        found = Party(role=role, individual=name, organisation=affiliation, url=person_url)
        if affiliation is not None and affiliation.anchor is None:
            anchor = vocab.organisation_anchor(affiliation.value)
            found.anchor = anchor.uri if anchor else None
        else:
            found.anchor = affiliation.anchor if affiliation else None
        return found
    anchor = org_url
    if anchor is None:
        known = vocab.organisation_anchor(name)
        anchor = known.uri if known else None
    other_url = next((url for _, url in identifiers if is_url(url) and url != anchor), None)
    return Party(role=role, organisation=Text(name, anchor=anchor), anchor=anchor, url=other_url)


def add_rights(
    constraints: Constraints, text: str | None, uri: str | None = None, *, licence: bool = False
) -> None:
    """A rights statement into licences (recognised, or ``licence``), restriction codes or other constraints.

    A licence keeps the source's words (or its URI when it has no words) and gets the canonical
    URI of :func:`odatis_csw.mapping.vocab.licence_anchor`, else a licence URI given by the source.
    """
    text, uri = clean(text), clean(uri)
    words = text or uri
    if words is None:
        return
    if text in RESTRICTION_CODES and not uri:
        if text not in constraints.access_constraints:
            constraints.access_constraints.append(text)
        return
    anchor = vocab.licence_anchor(uri) if uri else None
    anchor = anchor or (vocab.licence_anchor(text) if text else None)
    if anchor is not None:
        licence_uri: str | None = anchor.uri
    elif uri and is_url(uri) and (licence or _LICENCE_WORDS.search(words)):
        licence_uri = uri
    else:
        licence_uri = None
    if (
        licence_uri
        or licence
        or (text and _LICENCE_WORDS.search(text) and not vocab.is_no_licence_statement(text))
    ):
        if not any(found.text.value == words and found.uri == licence_uri for found in constraints.licences):
            constraints.licences.append(
                Licence(Text(words, anchor=uri if is_url(uri) else None), licence_uri)
            )
        return
    constraints.other_constraints.append(Text(words, anchor=uri))


def keyword_anchor(term: str) -> str | None:
    """A concept URI for a keyword from the vocabulary mappings (parameters, CF names, platforms,
    instruments), else None."""
    for lookup in (
        vocab.parameter_anchor,
        vocab.cf_standard_name_anchor,
        vocab.platform_anchor,
        vocab.instrument_anchor,
    ):
        anchor = lookup(term)
        if anchor is not None:
            return anchor.uri
    return None


_DCMI_PART = re.compile(r"(\w+)\s*=\s*([^;]*)")


def dcmi_parts(value: str) -> dict[str, str]:
    """``name=...; start=...`` (DCMI Period / Box / Point encodings) as a dict, else empty."""
    return {key.lower(): part.strip() for key, part in _DCMI_PART.findall(value) if part.strip()}


def period(value: str | None) -> TemporalExtent | None:
    """A ``start/end`` period (ISO 8601, ``..`` or empty for an open end), a DCMI Period, or an
    instant (begin = end, as the ISO readers read a ``gml:TimeInstant``)."""
    value = clean(value)
    if value is None:
        return None
    parts = dcmi_parts(value)
    if "start" in parts or "end" in parts:
        begin, end = parts.get("start"), parts.get("end")
    elif "/" in value and not is_url(value):
        begin, end = (part.strip() for part in value.split("/", 1))
    else:
        return TemporalExtent(begin=value, end=value) if re.match(r"^-?\d{4}", value) else None
    extent = TemporalExtent()
    if begin in (None, "", ".."):
        extent.begin_indeterminate = "unknown"
    else:
        extent.begin = begin
    if end in (None, "", ".."):
        extent.end_indeterminate = "now"
    else:
        extent.end = end
    return extent


def number(value: object) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def box(west: object, east: object, south: object, north: object) -> BoundingBox | None:
    """A box from four values, None unless all four are numbers."""
    values = [number(v) for v in (west, east, south, north)]
    if any(v is None for v in values):
        return None
    w, e, s, n = (float(v) for v in values)  # type: ignore[arg-type]
    return BoundingBox(west=w, east=e, south=s, north=n)


def add_box(boxes: list[BoundingBox], found: BoundingBox | None) -> None:
    """Append a box unless the same box is already there (dialects often repeat it)."""
    if found is not None and found not in boxes:
        boxes.append(found)
