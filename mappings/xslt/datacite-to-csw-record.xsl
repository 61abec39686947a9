<?xml version="1.0" encoding="UTF-8"?>
<!--
  DataCite metadata (kernel 2.2, 3 and 4, whatever namespace version:
  http://datacite.org/schema/kernel-2.2, -3, -3.1, -4, -4.0...) to CSW 2.0.2 csw:Record.

  Pass 1 copies the resource into one namespace (urn:odatis-csw:datacite), so that pass 2
  reads every kernel with one set of paths; where kernels differ (geoLocationBox as text in
  kernel 2.2/3, as four elements in kernel 4; rights at the root in kernel 2.2) both forms
  are read. XSLT 1.0 with EXSLT exsl:node-set (libxslt, Saxon, Xalan).

  identifier (DOI)              dc:identifier https://doi.org/<doi>; other types as given
  alternateIdentifier           dc:identifier (DOIs as https://doi.org/...), each value once
  title                         dc:title, untyped titles first
  creatorName / contributorName dc:creator / dc:contributor
  subject                       dc:subject
  description                   dct:abstract, Abstract first
  date Issued, else publicationYear   dc:date and dct:issued
  date Created / Available      dct:created / dct:available
  date Updated (the latest)     dct:modified
  resourceType                  dc:type: resourceTypeGeneral in lower case ("dataset")
  publisher, language, format   dc:publisher, dc:language, dc:format
  relatedIdentifier             dc:relation (DOIs as https://doi.org/...)
  rights                        dc:rights (its text, else its URI); its rightsURI as
                                dct:accessRights for info:eu-repo/semantics/..., else dct:license
  geoLocationBox                ows:BoundingBox, urn:ogc:def:crs:EPSG::4326, corners "lat lon":
                                one box as given (it may cross the antimeridian), several
                                boxes by their envelope; without any box, the envelope of
                                geoLocationPoint and polygonPoint
-->
<xsl:stylesheet version="1.0"
    xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:exsl="http://exslt.org/common"
    xmlns:r="urn:odatis-csw:datacite"
    xmlns:csw="http://www.opengis.net/cat/csw/2.0.2"
    xmlns:dc="http://purl.org/dc/elements/1.1/"
    xmlns:dct="http://purl.org/dc/terms/"
    xmlns:ows="http://www.opengis.net/ows"
    extension-element-prefixes="exsl"
    exclude-result-prefixes="r">

  <xsl:output method="xml" encoding="UTF-8" indent="yes"/>

  <xsl:variable name="upper" select="'ABCDEFGHIJKLMNOPQRSTUVWXYZ'"/>
  <xsl:variable name="lower" select="'abcdefghijklmnopqrstuvwxyz'"/>

  <!-- pass 1: every kernel into one namespace -->
  <xsl:template match="/">
    <xsl:variable name="canonical">
      <xsl:apply-templates select="*" mode="canonical"/>
    </xsl:variable>
    <xsl:apply-templates select="exsl:node-set($canonical)/r:resource"/>
  </xsl:template>

  <xsl:template match="*" mode="canonical">
    <xsl:choose>
      <xsl:when test="starts-with(namespace-uri(), 'http://datacite.org/schema/kernel-')">
        <xsl:element name="r:{local-name()}" namespace="urn:odatis-csw:datacite">
          <xsl:copy-of select="@*"/>
          <xsl:apply-templates mode="canonical"/>
        </xsl:element>
      </xsl:when>
      <xsl:otherwise>
        <xsl:copy-of select="."/>
      </xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- pass 2 -->
  <xsl:template match="r:resource">
    <csw:Record>
      <xsl:call-template name="identifiers">
        <xsl:with-param name="nodes" select="r:identifier | r:alternateIdentifiers/r:alternateIdentifier"/>
      </xsl:call-template>
      <xsl:for-each select="r:titles/r:title[not(@titleType)][normalize-space()]">
        <dc:title><xsl:value-of select="normalize-space()"/></dc:title>
      </xsl:for-each>
      <xsl:for-each select="r:titles/r:title[@titleType][normalize-space()]">
        <dc:title><xsl:value-of select="normalize-space()"/></dc:title>
      </xsl:for-each>
      <xsl:for-each select="r:creators/r:creator/r:creatorName[normalize-space()]">
        <dc:creator><xsl:value-of select="normalize-space()"/></dc:creator>
      </xsl:for-each>
      <xsl:for-each select="r:subjects/r:subject[normalize-space()]">
        <dc:subject><xsl:value-of select="normalize-space()"/></dc:subject>
      </xsl:for-each>
      <xsl:for-each select="r:descriptions/r:description[@descriptionType = 'Abstract'][normalize-space()]">
        <dct:abstract><xsl:apply-templates mode="text"/></dct:abstract>
      </xsl:for-each>
      <xsl:for-each select="r:descriptions/r:description[not(@descriptionType = 'Abstract')][normalize-space()]">
        <dct:abstract><xsl:apply-templates mode="text"/></dct:abstract>
      </xsl:for-each>
      <xsl:call-template name="dates"/>
      <xsl:for-each select="r:resourceType[1]">
        <xsl:variable name="general" select="normalize-space(@resourceTypeGeneral)"/>
        <xsl:choose>
          <xsl:when test="$general != ''">
            <dc:type><xsl:value-of select="translate($general, $upper, $lower)"/></dc:type>
          </xsl:when>
          <xsl:when test="normalize-space()">
            <dc:type><xsl:value-of select="normalize-space()"/></dc:type>
          </xsl:when>
        </xsl:choose>
      </xsl:for-each>
      <xsl:for-each select="r:publisher[normalize-space()]">
        <dc:publisher><xsl:value-of select="normalize-space()"/></dc:publisher>
      </xsl:for-each>
      <xsl:for-each select="r:contributors/r:contributor/r:contributorName[normalize-space()]">
        <dc:contributor><xsl:value-of select="normalize-space()"/></dc:contributor>
      </xsl:for-each>
      <xsl:for-each select="r:language[normalize-space()]">
        <dc:language><xsl:value-of select="normalize-space()"/></dc:language>
      </xsl:for-each>
      <xsl:for-each select="r:formats/r:format[normalize-space()]">
        <dc:format><xsl:value-of select="normalize-space()"/></dc:format>
      </xsl:for-each>
      <xsl:for-each select="r:relatedIdentifiers/r:relatedIdentifier[normalize-space()]">
        <dc:relation>
          <xsl:call-template name="identifier">
            <xsl:with-param name="value" select="normalize-space()"/>
            <xsl:with-param name="type" select="@relatedIdentifierType"/>
          </xsl:call-template>
        </dc:relation>
      </xsl:for-each>
      <xsl:apply-templates select="r:rightsList/r:rights | r:rights"/>
      <xsl:call-template name="box"/>
    </csw:Record>
  </xsl:template>

  <!-- description text: blanks collapsed, <br/> kept as a line break -->
  <xsl:template match="text()" mode="text">
    <xsl:value-of select="normalize-space()"/>
  </xsl:template>
  <xsl:template match="r:br" mode="text">
    <xsl:text>&#10;</xsl:text>
  </xsl:template>

  <xsl:template match="r:rights">
    <xsl:variable name="uri" select="normalize-space(@rightsURI)"/>
    <xsl:choose>
      <xsl:when test="normalize-space()">
        <dc:rights><xsl:value-of select="normalize-space()"/></dc:rights>
      </xsl:when>
      <xsl:when test="$uri != ''">
        <dc:rights><xsl:value-of select="$uri"/></dc:rights>
      </xsl:when>
    </xsl:choose>
    <xsl:choose>
      <xsl:when test="starts-with($uri, 'info:eu-repo/semantics/')">
        <dct:accessRights><xsl:value-of select="$uri"/></dct:accessRights>
      </xsl:when>
      <xsl:when test="$uri != ''">
        <dct:license><xsl:value-of select="$uri"/></dct:license>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <!-- dates: "2001-01-01/2001-12-31" ranges count by their start -->
  <xsl:template name="dates">
    <xsl:variable name="issued" select="r:dates/r:date[@dateType = 'Issued'][normalize-space()][1]"/>
    <xsl:variable name="published">
      <xsl:choose>
        <xsl:when test="$issued">
          <xsl:call-template name="start"><xsl:with-param name="value" select="$issued"/></xsl:call-template>
        </xsl:when>
        <xsl:otherwise><xsl:value-of select="normalize-space(r:publicationYear)"/></xsl:otherwise>
      </xsl:choose>
    </xsl:variable>
    <xsl:if test="string($published) != ''">
      <dc:date><xsl:value-of select="$published"/></dc:date>
      <dct:issued><xsl:value-of select="$published"/></dct:issued>
    </xsl:if>
    <xsl:for-each select="r:dates/r:date[@dateType = 'Created'][normalize-space()][1]">
      <dct:created>
        <xsl:call-template name="start"><xsl:with-param name="value" select="."/></xsl:call-template>
      </dct:created>
    </xsl:for-each>
    <xsl:for-each select="r:dates/r:date[@dateType = 'Available'][normalize-space()][1]">
      <dct:available>
        <xsl:call-template name="start"><xsl:with-param name="value" select="."/></xsl:call-template>
      </dct:available>
    </xsl:for-each>
    <xsl:for-each select="r:dates/r:date[@dateType = 'Updated'][normalize-space()]">
      <xsl:sort select="normalize-space()" order="descending"/>
      <xsl:if test="position() = 1">
        <dct:modified>
          <xsl:call-template name="start"><xsl:with-param name="value" select="."/></xsl:call-template>
        </dct:modified>
      </xsl:if>
    </xsl:for-each>
  </xsl:template>

  <xsl:template name="start">
    <xsl:param name="value"/>
    <xsl:variable name="v" select="normalize-space($value)"/>
    <xsl:choose>
      <xsl:when test="contains($v, '/')"><xsl:value-of select="substring-before($v, '/')"/></xsl:when>
      <xsl:otherwise><xsl:value-of select="$v"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- dc:identifier for each identifier node, DOIs as https://doi.org/..., each value once -->
  <xsl:template name="identifiers">
    <xsl:param name="nodes"/>
    <xsl:param name="seen" select="'|'"/>
    <xsl:if test="$nodes">
      <xsl:variable name="value">
        <xsl:call-template name="identifier">
          <xsl:with-param name="value" select="normalize-space($nodes[1])"/>
          <xsl:with-param name="type" select="$nodes[1]/@identifierType | $nodes[1]/@alternateIdentifierType"/>
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
    <xsl:param name="type"/>
    <xsl:variable name="v" select="translate($value, $upper, $lower)"/>
    <xsl:choose>
      <xsl:when test="$value = ''"/>
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
      <xsl:when test="translate($type, $lower, $upper) = 'DOI' and starts-with($v, 'doi:')">
        <xsl:value-of select="concat('https://doi.org/', normalize-space(substring($value, 5)))"/>
      </xsl:when>
      <xsl:when test="translate($type, $lower, $upper) = 'DOI'">
        <xsl:value-of select="concat('https://doi.org/', $value)"/>
      </xsl:when>
      <xsl:otherwise><xsl:value-of select="$value"/></xsl:otherwise>
    </xsl:choose>
  </xsl:template>

  <!-- geolocations: corners and points as <c lat="" lon=""/>, valid coordinates only -->
  <xsl:template name="box">
    <xsl:variable name="box-corners">
      <xsl:for-each select="r:geoLocations/r:geoLocation/r:geoLocationBox">
        <xsl:choose>
          <xsl:when test="*">
            <xsl:call-template name="corners">
              <xsl:with-param name="south" select="r:southBoundLatitude"/>
              <xsl:with-param name="west" select="r:westBoundLongitude"/>
              <xsl:with-param name="north" select="r:northBoundLatitude"/>
              <xsl:with-param name="east" select="r:eastBoundLongitude"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:otherwise>
            <!-- kernel 2.2/3: "south west north east", latitude first -->
            <xsl:variable name="t" select="concat(normalize-space(), ' ')"/>
            <xsl:variable name="t2" select="substring-after($t, ' ')"/>
            <xsl:variable name="t3" select="substring-after($t2, ' ')"/>
            <xsl:variable name="t4" select="substring-after($t3, ' ')"/>
            <xsl:call-template name="corners">
              <xsl:with-param name="south" select="substring-before($t, ' ')"/>
              <xsl:with-param name="west" select="substring-before($t2, ' ')"/>
              <xsl:with-param name="north" select="substring-before($t3, ' ')"/>
              <xsl:with-param name="east" select="substring-before($t4, ' ')"/>
            </xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="point-set">
      <xsl:for-each select="r:geoLocations/r:geoLocation/r:geoLocationPoint
                            | r:geoLocations/r:geoLocation/r:geoLocationPolygon/r:polygonPoint">
        <xsl:choose>
          <xsl:when test="*">
            <xsl:call-template name="point">
              <xsl:with-param name="lat" select="r:pointLatitude"/>
              <xsl:with-param name="lon" select="r:pointLongitude"/>
            </xsl:call-template>
          </xsl:when>
          <xsl:otherwise>
            <!-- kernel 2.2/3: "lat lon" -->
            <xsl:variable name="t" select="concat(normalize-space(), ' ')"/>
            <xsl:call-template name="point">
              <xsl:with-param name="lat" select="substring-before($t, ' ')"/>
              <xsl:with-param name="lon" select="substring-before(substring-after($t, ' '), ' ')"/>
            </xsl:call-template>
          </xsl:otherwise>
        </xsl:choose>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="corners" select="exsl:node-set($box-corners)/c"/>
    <xsl:variable name="points" select="exsl:node-set($point-set)/c"/>
    <xsl:choose>
      <xsl:when test="count($corners) = 2">
        <xsl:call-template name="bounding-box">
          <xsl:with-param name="lower" select="concat($corners[1]/@lat, ' ', $corners[1]/@lon)"/>
          <xsl:with-param name="upper" select="concat($corners[2]/@lat, ' ', $corners[2]/@lon)"/>
        </xsl:call-template>
      </xsl:when>
      <xsl:when test="$corners">
        <xsl:call-template name="envelope"><xsl:with-param name="nodes" select="$corners"/></xsl:call-template>
      </xsl:when>
      <xsl:when test="$points">
        <xsl:call-template name="envelope"><xsl:with-param name="nodes" select="$points"/></xsl:call-template>
      </xsl:when>
    </xsl:choose>
  </xsl:template>

  <xsl:template name="corners">
    <xsl:param name="south"/>
    <xsl:param name="west"/>
    <xsl:param name="north"/>
    <xsl:param name="east"/>
    <xsl:if test="number($south) >= -90 and number($north) &lt;= 90 and number($south) &lt;= number($north)
                  and number($west) >= -180 and number($west) &lt;= 180
                  and number($east) >= -180 and number($east) &lt;= 180">
      <c lat="{number($south)}" lon="{number($west)}"/>
      <c lat="{number($north)}" lon="{number($east)}"/>
    </xsl:if>
  </xsl:template>

  <xsl:template name="point">
    <xsl:param name="lat"/>
    <xsl:param name="lon"/>
    <xsl:if test="number($lat) >= -90 and number($lat) &lt;= 90
                  and number($lon) >= -180 and number($lon) &lt;= 180">
      <c lat="{number($lat)}" lon="{number($lon)}"/>
    </xsl:if>
  </xsl:template>

  <xsl:template name="envelope">
    <xsl:param name="nodes"/>
    <xsl:variable name="south">
      <xsl:for-each select="$nodes/@lat">
        <xsl:sort select="." data-type="number"/>
        <xsl:if test="position() = 1"><xsl:value-of select="."/></xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="north">
      <xsl:for-each select="$nodes/@lat">
        <xsl:sort select="." data-type="number" order="descending"/>
        <xsl:if test="position() = 1"><xsl:value-of select="."/></xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="west">
      <xsl:for-each select="$nodes/@lon">
        <xsl:sort select="." data-type="number"/>
        <xsl:if test="position() = 1"><xsl:value-of select="."/></xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:variable name="east">
      <xsl:for-each select="$nodes/@lon">
        <xsl:sort select="." data-type="number" order="descending"/>
        <xsl:if test="position() = 1"><xsl:value-of select="."/></xsl:if>
      </xsl:for-each>
    </xsl:variable>
    <xsl:call-template name="bounding-box">
      <xsl:with-param name="lower" select="concat($south, ' ', $west)"/>
      <xsl:with-param name="upper" select="concat($north, ' ', $east)"/>
    </xsl:call-template>
  </xsl:template>

  <xsl:template name="bounding-box">
    <xsl:param name="lower"/>
    <xsl:param name="upper"/>
    <ows:BoundingBox crs="urn:ogc:def:crs:EPSG::4326" dimensions="2">
      <ows:LowerCorner><xsl:value-of select="$lower"/></ows:LowerCorner>
      <ows:UpperCorner><xsl:value-of select="$upper"/></ows:UpperCorner>
    </ows:BoundingBox>
  </xsl:template>

</xsl:stylesheet>
