"""OAI-PMH 2.0 conformance: selective harvesting (§2.7), flow control (§3.5), sets (§4.6 and §2.7.2).

On the ``provider`` catalogue (pages of 4): record i in identifier order was stored at
``stamp_of(i)`` (2021-05-0i, noon), odd records come from the ``sextant`` source.
"""

from __future__ import annotations

import pytest
from sickle import Sickle
from sickle.oaiexceptions import NoRecordsMatch

from tests.conformance.oai import (
    OAI,
    PAGE,
    SOURCE,
    codes,
    headers,
    identifiers,
    oai,
    pages,
    stamp_of,
)
from tests.conftest import RECORDS
from tests.harvest.helpers import execute, query


def listed(provider, **params: str) -> list[str]:
    """Identifiers of a ListIdentifiers list, every page followed by hand."""
    return [
        identifier
        for page in pages(provider, "ListIdentifiers", **params)
        for identifier in identifiers(page)
    ]


def harvested(provider, verb: str = "ListIdentifiers", **params: str) -> list[str]:
    """Identifiers of a list harvested by Sickle from its first page to its last."""
    client = Sickle(f"{provider.url}/oaipmh", max_retries=0, timeout=60)
    try:
        items = list(getattr(client, verb)(**params))
    except NoRecordsMatch:
        return []
    return [item.header.identifier if verb == "ListRecords" else item.identifier for item in items]


# -- §2.7.1 selective harvesting by datestamp ------------------------------------------------------


def test_2_7_1_from_and_until_are_inclusive_at_the_second(provider):
    """§2.7.1: 'from ... records whose datestamp is ... on or after'; 'until ... on or before'."""
    ids = provider.ids
    assert listed(provider, metadataPrefix="oai_dc", **{"from": stamp_of(3)}) == ids[3:]
    assert listed(provider, metadataPrefix="oai_dc", until=stamp_of(3)) == ids[:4]
    assert listed(provider, metadataPrefix="oai_dc", **{"from": stamp_of(2), "until": stamp_of(2)}) == [
        ids[2]
    ]
    one_second_later = stamp_of(2)[:-3] + "03Z"
    assert listed(provider, metadataPrefix="oai_dc", **{"from": one_second_later}) == ids[3:]


def test_2_7_1_day_bounds_cover_the_whole_day(provider):
    """§3.3.1: day granularity; 'until' a day selects up to the end of that day."""
    ids = provider.ids
    assert listed(provider, metadataPrefix="oai_dc", **{"from": "2021-05-03", "until": "2021-05-03"}) == [
        ids[2]
    ]
    assert listed(provider, metadataPrefix="oai_dc", until="2021-05-02") == ids[:2]
    assert listed(provider, metadataPrefix="oai_dc", **{"from": "2021-05-02"}) == ids[1:]


def test_2_7_1_a_record_stored_at_the_last_second_of_a_day(provider):
    """The boundary of a day bound: 23:59:59 belongs to the day, 00:00:00 to the next."""
    last, first = provider.ids[-2], provider.ids[-1]
    previous = query(
        provider, "SELECT identifier, insert_date FROM records WHERE identifier IN (:a, :b)", a=last, b=first
    )
    try:
        execute(
            provider,
            "UPDATE records SET insert_date = '2022-01-01T23:59:59Z' WHERE identifier = :id",
            id=last,
        )
        # an older row written with a space before the time reads as the same UTC moment
        execute(
            provider,
            "UPDATE records SET insert_date = '2022-01-02 00:00:00' WHERE identifier = :id",
            id=first,
        )
        assert listed(provider, metadataPrefix="oai_dc", **{"from": "2022-01-01", "until": "2022-01-01"}) == [
            last
        ]
        assert listed(provider, metadataPrefix="oai_dc", **{"from": "2022-01-02"}) == [first]
        root = oai(provider, verb="GetRecord", identifier=first, metadataPrefix="oai_dc")
        assert root.findtext(f".//{OAI}datestamp") == "2022-01-02T00:00:00Z"
    finally:
        for identifier, stamp in previous:
            execute(
                provider, "UPDATE records SET insert_date = :s WHERE identifier = :id", s=stamp, id=identifier
            )


# -- §3.5 flow control -----------------------------------------------------------------------------


def test_3_5_complete_list_size_and_cursor_on_every_page(provider):
    """§3.5.1: cursor 'a count of the number of elements of the complete list thus far returned';
    the last page carries an empty resumptionToken."""
    answers = pages(provider, "ListIdentifiers", metadataPrefix="oai_dc")
    tokens = [page.find(f".//{OAI}resumptionToken") for page in answers]
    total = len(provider.ids)
    assert [int(token.get("cursor")) for token in tokens] == list(range(0, total, PAGE))
    assert {int(token.get("completeListSize")) for token in tokens} == {total}
    assert all(token.text for token in tokens[:-1]) and not tokens[-1].text
    assert [len(headers(page)) for page in answers[:-1]] == [PAGE] * (len(answers) - 1)
    assert [i for page in answers for i in identifiers(page)] == provider.ids


def test_3_5_a_list_in_one_page_has_no_token(provider):
    root = oai(provider, verb="ListIdentifiers", metadataPrefix="oai_dc", until=stamp_of(PAGE - 1))
    assert len(headers(root)) == PAGE and root.find(f".//{OAI}resumptionToken") is None


def test_3_5_tokens_carry_the_selective_harvest_and_are_exclusive(provider):
    """§3.5: 'the resumptionToken ... is an exclusive argument'; the later pages keep from/until/set."""
    params = {"metadataPrefix": "oai_dc", "from": stamp_of(1), "set": f"centre:{SOURCE}"}
    expected = [
        identifier for position, identifier in enumerate(provider.ids) if position % 2 and position >= 1
    ]
    assert len(expected) > PAGE
    assert listed(provider, **params) == expected
    token = oai(provider, verb="ListIdentifiers", **params).findtext(f".//{OAI}resumptionToken")
    again = oai(provider, verb="ListIdentifiers", resumptionToken=token, metadataPrefix="oai_dc")
    assert codes(again) == ["badArgument"]


def test_3_5_tokens_are_opaque(provider):
    """§3.5: the token is 'opaque to the harvester': no identifier or argument is readable in it."""
    token = oai(provider, verb="ListRecords", metadataPrefix="oai_dc").findtext(f".//{OAI}resumptionToken")
    assert token and "oai_dc" not in token and provider.ids[PAGE - 1] not in token


def test_3_5_a_token_stays_valid_and_exact_while_records_change(make_catalogue):
    """Tokens are stable: records removed before the harvester's position shift nothing."""
    catalogue = make_catalogue("oai-stable-tokens", RECORDS / "iso19139", server__maxrecords=3)
    everything = listed(catalogue, metadataPrefix="oai_dc")
    first = oai(catalogue, verb="ListIdentifiers", metadataPrefix="oai_dc")
    token = first.findtext(f".//{OAI}resumptionToken")
    assert identifiers(first) == everything[:3] and len(everything) > 6
    for identifier in everything[:2]:
        execute(catalogue, "DELETE FROM records WHERE identifier = :id", id=identifier)
    rest = [i for page in _follow(catalogue, token) for i in identifiers(page)]
    assert rest == everything[3:]


def _follow(provider, token: str) -> list:
    found = [oai(provider, verb="ListIdentifiers", resumptionToken=token)]
    while token := found[-1].findtext(f".//{OAI}resumptionToken"):
        found.append(oai(provider, verb="ListIdentifiers", resumptionToken=token))
    return found


# -- §4.6 and §2.7.2 sets --------------------------------------------------------------------------


def set_specs(provider) -> list[str]:
    return [element.text for element in oai(provider, verb="ListSets").iter(f"{OAI}setSpec")]


def test_2_7_2_each_listed_set_selects_records_and_a_parent_selects_its_children(provider):
    """§2.7.2: 'harvest only records ... in a specified set'; sets are hierarchical."""
    everything = set(provider.ids)
    members = {spec: set(listed(provider, metadataPrefix="oai_dc", set=spec)) for spec in set_specs(provider)}
    for spec, found in members.items():
        assert found, f"set {spec} holds no record"
    for parent in ("centre", "type"):
        assert members[parent] == everything
        children = [found for spec, found in members.items() if spec.startswith(f"{parent}:")]
        assert set().union(*children) == everything
        assert sum(len(found) for found in children) == len(everything)  # each record in one child


def test_2_7_2_set_membership_matches_the_headers(provider):
    """Each header carries its setSpecs, and a set lists exactly the records whose header names it."""
    answers = pages(provider, "ListIdentifiers", metadataPrefix="oai_dc")
    by_spec: dict[str, set[str]] = {}
    for page in answers:
        for header in headers(page):
            specs = [spec.text for spec in header.iter(f"{OAI}setSpec")]
            assert specs and all(specs)  # never an empty setSpec
            for spec in specs:
                by_spec.setdefault(spec, set()).add(header.findtext(f"{OAI}identifier"))
    assert by_spec[f"centre:{SOURCE}"] == set(provider.ids[1::2])
    for spec in (f"centre:{SOURCE}", "centre:local", "type:dataset", "type:series"):
        assert set(listed(provider, metadataPrefix="oai_dc", set=spec)) == by_spec[spec]


def test_2_7_2_sets_and_dates_combine(provider):
    ids = provider.ids
    found = listed(provider, metadataPrefix="oai_dc", set="centre:local", until=stamp_of(4))
    assert found == [ids[0], ids[2], ids[4]]


# -- a real harvester, first page to last ----------------------------------------------------------


@pytest.mark.parametrize("verb", ["ListIdentifiers", "ListRecords"])
@pytest.mark.parametrize("prefix", ["oai_dc", "iso19139"])
def test_sickle_harvests_every_record_once(provider, verb, prefix):
    found = harvested(provider, verb, metadataPrefix=prefix)
    assert len(found) == len(set(found))
    if prefix == "oai_dc":
        assert found == provider.ids
    else:
        assert set(found) < set(provider.ids) and len(found) > PAGE


@pytest.mark.parametrize(
    ("params", "positions"),
    [
        ({"from": stamp_of(5)}, lambda i: i >= 5),
        ({"until": "2021-05-06"}, lambda i: i <= 5),
        ({"from": "2021-05-03", "until": "2021-05-09"}, lambda i: 2 <= i <= 8),
        ({"set": f"centre:{SOURCE}"}, lambda i: i % 2 == 1),
        ({"set": "centre:local", "from": stamp_of(3)}, lambda i: i % 2 == 0 and i >= 3),
        ({"until": "2000-01-01"}, lambda i: False),
    ],
)
def test_sickle_selective_harvests(provider, params, positions):
    expected = [identifier for i, identifier in enumerate(provider.ids) if positions(i)]
    assert harvested(provider, "ListRecords", metadataPrefix="oai_dc", **params) == expected
