<?xml version="1.0" encoding="UTF-8"?>
<!--
  OAI-PMH oai_dc (simple Dublin Core) to CSW 2.0.2 csw:Record.

  * The 15 Dublin Core elements are copied as text with their @scheme; other attributes
    (xml:lang, xsi:type) are dropped, since csw:Record's dc:* elements admit only @scheme.
  * dc:identifier values that are DOIs (doi:..., http(s)://(dx.)doi.org/..., 10.x/...) become
    https://doi.org/..., duplicates removed, in document order: the first one names the record,
    as the DataCite crosswalk names it.
  * dc:description becomes dct:abstract (what the catalogue reads as the abstract).
  * dc:date values "Issued: D", "Created: D", "Updated: D" (DataCite's oai_dc) become
    dct:issued, dct:created and dct:modified.
  * dct:* elements a repository adds (SEANOE: dct:references, dct:spatial) are kept when
    csw:Record admits them.
  * ows:BoundingBox elements (pycsw's oai_dc has them) are kept; without any, one
    ows:BoundingBox (EPSG:4326, latitude first) from the first dc:coverage or dct:spatial
    that reads "North n, South s, East e, West w" (SEANOE, Ifremer) or is a DCMI Box
    ("northlimit=n; southlimit=s; eastlimit=e; westlimit=w").
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/"
    xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:dct="http://purl.org/dc/terms/"
    xmlns:ows="http://www.opengis.net/ows"
    exclude-result-prefixes="oai_dc">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>
  <!-- dct elements of CSW 2.0.2 rec-dcterms.xsd -->
  <xsl:variable name="dcterms" select="concat(
      ' abstract accessRights alternative audience available bibliographicCitation conformsTo',
      ' created dateAccepted dateCopyrighted dateSubmitted educationLevel extent hasFormat hasPart',
      ' hasVersion isFormatOf isPartOf isReferencedBy isReplacedBy isRequiredBy issued isVersionOf',
      ' license mediator medium modified provenance references replaces requires rightsHolder',
      ' spatial tableOfContents temporal valid ')"/>

  <xsl:template match="/">
    <xsl:apply-templates select="oai_dc:dc"/>
  </xsl:template>

  <xsl:template match="oai_dc:dc">
    <csw:Record>
      <xsl:call-template name="identifiers">
        <xsl:with-param name="nodes" select="dc:identifier"/>
      </xsl:call-template>
      <xsl:for-each select="dc:title | dc:creator | dc:subject | dc:publisher | dc:contributor
                            | dc:type | dc:format | dc:source | dc:language | dc:relation
                            | dc:coverage | dc:rights">
        <xsl:if test="normalize-space()">
          <xsl:element name="dc:{local-name()}">
            <xsl:copy-of select="@scheme"/>
            <xsl:value-of select="normalize-space()"/>
          </xsl:element>
        </xsl:if>
      </xsl:for-each>
      <xsl:for-each select="dc:description[normalize-space()]">
        <dct:abstract><xsl:value-of select="."/></dct:abstract>
      </xsl:for-each>
      <xsl:apply-templates select="dc:date[normalize-space()]"/>
      <xsl:for-each select="*[namespace-uri() = 'http://purl.org/dc/terms/'][normalize-space()]">
        <xsl:if test="contains($dcterms, concat(' ', local-name(), ' '))">
          <xsl:element name="dct:{local-name()}">
            <xsl:copy-of select="@scheme"/>
            <xsl:value-of select="normalize-space()"/>
          </xsl:element>
        </xsl:if>
      </xsl:for-each>
      <xsl:for-each select="ows:BoundingBox">
        <ows:BoundingBox>
          <xsl:copy-of select="@crs | @dimensions"/>
          <ows:LowerCorner><xsl:value-of select="normalize-space(ows:LowerCorner)"/></ows:LowerCorner>
          <ows:UpperCorner><xsl:value-of select="normalize-space(ows:UpperCorner)"/></ows:UpperCorner>
        </ows:BoundingBox>
      </xsl:for-each>
      <xsl:for-each select="(dc:coverage | *[namespace-uri() = 'http://purl.org/dc/terms/'
                             and local-name() = 'spatial'])[contains(translate(., $upper, $lower), 'north')
                             and contains(translate(., $upper, $lower), 'west')][not(../ows:BoundingBox)][1]">
        <xsl:call-template name="box"/>
      </xsl:for-each>
    </csw:Record>
  </xsl:template>

  <!-- "Issued: 2018-01-18" and the like (DataCite's oai_dc); plain dates stay dc:date -->
  <xsl:template match="dc:date">
    <xsl:variable name="v" select="normalize-space()"/>
    <xsl:variable name="label" select="translate(substring-before($v, ':'), $upper, $lower)"/>
    <xsl:variable name="rest" select="normalize-space(substring-after($v, ':'))"/>
    <xsl:choose>
      <xsl:when test="$label = 'issued'"><dct:issued><xsl:value-of select="$rest"/></dct:issued></xsl:when>
      <xsl:when test="$label = 'created'"><dct:created><xsl:value-of select="$rest"/></dct:created></xsl:when>
      <xsl:when test="$label = 'updated'"><dct:modified><xsl:value-of select="$rest"/></dct:modified></xsl:when>
      <xsl:when test="$label = 'available'"><dct:available><xsl:value-of select="$rest"/></dct:available></xsl:when>
      <xsl:otherwise><dc:date><xsl:value-of select="$v"/></dc:date></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- dc:identifier, DOIs as https://doi.org/..., each value once, in document order -->
  <xsl:template name="identifiers">
    <xsl:param name="nodes"/>
    <xsl:param name="seen" select="'|'"/>
    <xsl:if test="$nodes">
      <xsl:variable name="value">
        <xsl:call-template name="identifier">
          <xsl:with-param name="value" select="normalize-space($nodes[1])"/>
        </xsl:call-template>
      </xsl:variable>
      <xsl:if test="string($value) != '' and not(contains($seen, concat('|', $value, '|')))">
        <dc:identifier><xsl:value-of select="$value"/></dc:identifier>
      </xsl:if>
      <xsl:call-template name="identifiers">
        <xsl:with-param name="nodes" select="$nodes[position() > 1]"/>
        <xsl:with-param name="seen" select="concat($seen, $value, '|')"/>
      </xsl:call-template>
    </xsl:if>
  </xsl:template>

  <xsl:template name="identifier">
    <xsl:param name="value"/>
    <xsl:variable name="v" select="translate($value, $upper, $lower)"/>
    <xsl:choose>
      <xsl:when test="starts-with($v, 'doi:')">
        <xsl:value-of select="concat('https://doi.org/', normalize-space(substring($value, 5)))"/>
      </xsl:when>
      <xsl:when test="starts-with($v, 'https://doi.org/')">
        <xsl:value-of select="concat('https://doi.org/', substring($value, 17))"/>
      </xsl:when>
      <xsl:when test="starts-with($v, 'http://doi.org/')">
        <xsl:value-of select="concat('https://doi.org/', substring($value, 16))"/>
      </xsl:when>
      <xsl:when test="starts-with($v, 'https://dx.doi.org/')">
        <xsl:value-of select="concat('https://doi.org/', substring($value, 20))"/>
      </xsl:when>
      <xsl:when test="starts-with($v, 'http://dx.doi.org/')">
        <xsl:value-of select="concat('https://doi.org/', substring($value, 19))"/>
      </xsl:when>
      <xsl:when test="starts-with($v, '10.') and contains($v, '/') and not(contains($v, ' '))">
        <xsl:value-of select="concat('https://doi.org/', $value)"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$value"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- ows:BoundingBox from "North n, South s, East e, West w" or a DCMI Box -->
  <xsl:template name="box">
    <xsl:variable name="text" select="translate(normalize-space(), $upper, $lower)"/>
    <xsl:variable name="north">
      <xsl:call-template name="limit">
        <xsl:with-param name="text" select="$text"/>
        <xsl:with-param name="name" select="'north'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="south">
      <xsl:call-template name="limit">
        <xsl:with-param name="text" select="$text"/>
        <xsl:with-param name="name" select="'south'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="east">
      <xsl:call-template name="limit">
        <xsl:with-param name="text" select="$text"/>
        <xsl:with-param name="name" select="'east'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:variable name="west">
      <xsl:call-template name="limit">
        <xsl:with-param name="text" select="$text"/>
        <xsl:with-param name="name" select="'west'"/>
      </xsl:call-template>
    </xsl:variable>
    <xsl:if test="number($south) >= -90 and number($north) &lt;= 90 and number($south) &lt;= number($north)
                  and number($west) >= -180 and number($west) &lt;= 180
                  and number($east) >= -180 and number($east) &lt;= 180">
      <ows:BoundingBox crs="urn:ogc:def:crs:EPSG::4326" dimensions="2">
        <ows:LowerCorner><xsl:value-of select="concat(number($south), ' ', number($west))"/></ows:LowerCorner>
        <ows:UpperCorner><xsl:value-of select="concat(number($north), ' ', number($east))"/></ows:UpperCorner>
      </ows:BoundingBox>
    </xsl:if>
  </xsl:template>

  <!-- "north 57.0, ..." or "northlimit=57.0; ...": the value up to the next ',' or ';' -->
  <xsl:template name="limit">
    <xsl:param name="text"/>
    <xsl:param name="name"/>
    <xsl:variable name="rest">
      <xsl:choose>
        <xsl:when test="contains($text, concat($name, 'limit='))">
          <xsl:value-of select="substring-after($text, concat($name, 'limit='))"/>
        </xsl:when>
        <xsl:when test="contains($text, concat($name, ' '))">
          <xsl:value-of select="substring-after($text, concat($name, ' '))"/>
        </xsl:when>
      </xsl:choose>
    </xsl:variable>
    <xsl:value-of select="normalize-space(substring-before(concat(translate($rest, ';', ','), ','), ','))"/>
  </xsl:template>

</xsl:stylesheet>
