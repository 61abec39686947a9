"""OGC API - Records, answered by pycsw's ``API`` bound to our repository."""

from __future__ import annotations

from typing import Any

from pycsw.ogc.api.records import API, CONFORMANCE_CLASSES
from sqlalchemy.orm import create_session

from odatis_csw.config import Settings
from odatis_csw.engine import antimeridian
from odatis_csw.store.repository import CatalogueRepository

#: OGC API - Features Part 4 conformance class of write operations, never offered here.
WRITE_CONFORMANCE = "/conf/create-replace-delete"


class CatalogueRecordsAPI(API):  # type: ignore[misc]
    """pycsw's OGC API - Records with our repository and read-only."""

    def __init__(self, settings: Settings) -> None:
        config = settings.pycsw_copy()
        super().__init__(config)
        repository = config["repository"]
        self.repository = CatalogueRepository(
            self.context,
            repository.get("filter"),
            database=repository["database"],
            table=repository["table"],
        )

    def fresh_session(self) -> None:
        """Start each request on a new session so no row is served from a stale cache."""
        self.repository.session.close()
        self.repository.session = create_session(self.repository.engine)

    def conformance(self, headers_: Any, args: Any) -> Any:
        """The engine's conformance classes, less create-replace-delete."""
        headers_["Content-Type"] = self.get_content_type(headers_, args)
        classes = [uri for uri in CONFORMANCE_CLASSES if not uri.endswith(WRITE_CONFORMANCE)]
        return self.get_response(200, headers_, {"conformsTo": classes}, "conformance.html")

    def items(
        self, headers_: Any, json_post_data: Any, args: dict[str, str], collection: str = "metadata:main"
    ) -> Any:
        """Items search, with a ``bbox`` crossing the antimeridian split in two."""
        args = dict(args)
        box = antimeridian.crossing_bbox_param(args.get("bbox", ""))
        if box is not None:
            del args["bbox"]
            split = antimeridian.cql_for_crossing_box(box)
            args["filter"] = f"({args['filter']}) AND ({split})" if args.get("filter") else split
        headers, status, content = super().items(headers_, json_post_data, args, collection)
        return headers, status, self._fix_geometries(content)

    def item(self, headers_: Any, args: Any, collection: str, item: str) -> Any:
        headers, status, content = super().item(headers_, args, collection, item)
        return headers, status, self._fix_geometries(content)

    def _fix_geometries(self, content: Any) -> Any:
        if not isinstance(content, str):
            return content
        return antimeridian.fix_feature_geometries(content, self._stored_geometries)

    def _stored_geometries(self, ids: list[str]) -> dict[str, Any]:
        return {row.identifier: row.wkt_geometry for row in self.repository.query_ids(ids)}

    def manage_collection_item(
        self, headers_: Any, action: str = "create", item: Any = None, data: Any = None
    ) -> Any:
        """Writes are refused: records enter through ``odatis-csw load`` and the harvester."""
        return self.get_exception(405, headers_, "MethodNotAllowed", "this catalogue is read-only over HTTP")
