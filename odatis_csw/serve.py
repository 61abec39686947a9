"""Run the WSGI application under gunicorn, built by our factory in every worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from gunicorn.app.base import BaseApplication

from odatis_csw.app import create_app
from odatis_csw.config import load_config


class CatalogueServer(BaseApplication):  # type: ignore[misc]
    """gunicorn application whose workers each load and validate the configuration once."""

    def __init__(self, config_path: Path, options: dict[str, Any]) -> None:
        self.config_path = config_path
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app(load_config(self.config_path))


def serve(config_path: Path, host: str, port: int, workers: int, timeout: int = 30) -> None:
    """Serve until stopped (SIGINT or SIGTERM)."""
    options = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "timeout": timeout,
        "accesslog": "-",
        "errorlog": "-",
        "proc_name": "odatis-csw",
        # several catalogues may run on one machine: no shared control socket in $HOME
        "control_socket_disable": True,
    }
    CatalogueServer(config_path, options).run()
