"""ODATIS federated ocean metadata catalogue."""

__version__ = "0.1.0"
