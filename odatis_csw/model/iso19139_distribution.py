"""ISO 19139 ``gmd:distributionInfo`` (formats, online resources) and ``gmd:dataQualityInfo`` (lineage).

``gmd:MD_Format`` requires a name and a version: an unknown version is ``nilReason="unknown"``.
A link's media type is written as the ``gmx:MimeFileType`` of its name (GeoNetwork's practice);
its IANA relation has no ISO 19139 element and gives the ``CI_OnLineFunctionCode`` when the link
has none (``mappings/crosswalks.yaml``, ``functions``).
"""

from __future__ import annotations

from lxml import etree

from odatis_csw.mapping.crosswalks import default as crosswalks
from odatis_csw.model.iso19139_xml import Doc, code, nil, string, sub, url
from odatis_csw.model.record import Link, Record


def distribution(parent: etree._Element, record: Record) -> None:
    if not (record.formats or record.links):
        return
    node = sub(sub(parent, "gmd:distributionInfo"), "gmd:MD_Distribution")
    for found in record.formats:
        fmt = sub(sub(node, "gmd:distributionFormat"), "gmd:MD_Format")
        string(fmt, "gmd:name", found.name)
        if found.version:
            string(fmt, "gmd:version", found.version)
        else:
            nil(fmt, "gmd:version", "unknown")
    if record.links:
        options = sub(sub(node, "gmd:transferOptions"), "gmd:MD_DigitalTransferOptions")
        for link in record.links:
            _online(sub(options, "gmd:onLine"), link)


def _online(prop: etree._Element, link: Link) -> None:
    node = sub(prop, "gmd:CI_OnlineResource")
    url(node, "gmd:linkage", link.url)
    if link.protocol:
        string(node, "gmd:protocol", link.protocol)
    if link.media_type:
        sub(sub(node, "gmd:name"), "gmx:MimeFileType", type=link.media_type).text = link.name or ""
    elif link.name:
        string(node, "gmd:name", link.name)
    if link.description:
        string(node, "gmd:description", link.description)
    function = link.function or crosswalks().function(link.relation)
    if function:
        code(node, "gmd:function", "CI_OnLineFunctionCode", function)


def data_quality(parent: etree._Element, record: Record, doc: Doc) -> None:
    if record.lineage is None:
        return
    node = sub(sub(parent, "gmd:dataQualityInfo"), "gmd:DQ_DataQuality")
    scope = sub(sub(node, "gmd:scope"), "gmd:DQ_Scope")
    code(scope, "gmd:level", "MD_ScopeCode", record.hierarchy_level or "dataset")
    lineage = sub(sub(node, "gmd:lineage"), "gmd:LI_Lineage")
    string(lineage, "gmd:statement", record.lineage, doc)
