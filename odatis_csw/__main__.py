"""``python -m odatis_csw`` runs the command-line interface."""

from odatis_csw.cli import main

main()
