"""Harvesting: pull metadata records from the ODATIS data centres into the catalogue."""
