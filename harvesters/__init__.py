"""Harvesters: one module per source protocol, each registered as an ``odatis_csw.harvesters`` entry point."""
