"""OGC API - Records, answered by pycsw's ``API`` bound to our repository."""

from __future__ import annotations

from typing import Any

from pycsw.ogc.api.records import API
from sqlalchemy.orm import create_session

from odatis_csw.config import Settings
from odatis_csw.store.repository import CatalogueRepository


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

    def manage_collection_item(
        self, headers_: Any, action: str = "create", item: Any = None, data: Any = None
    ) -> Any:
        """Writes are refused: records enter through ``odatis-csw load`` and the harvester."""
        return self.get_exception(405, headers_, "MethodNotAllowed", "this catalogue is read-only over HTTP")
