"""Record quality: traced repairs (:mod:`.repairs`), ISO 19139 validation, completeness (:mod:`.validate`).

Pure functions on lxml trees; nothing here reads or writes the catalogue.
"""

from odatis_csw.quality.repairs import Repair, repair, repaired
from odatis_csw.quality.validate import Problem, Quality, validate

__all__ = ["Problem", "Quality", "Repair", "repair", "repaired", "validate"]
