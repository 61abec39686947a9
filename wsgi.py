"""gunicorn entry point: ``gunicorn wsgi:app`` (configuration from $PYCSW_CONFIG or ./pycsw.yml)."""

from odatis_csw.app import create_app
from odatis_csw.config import default_config_path, load_config

app = create_app(load_config(default_config_path()))
