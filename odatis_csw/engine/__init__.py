"""Our layer over the pycsw engine: subclasses and wrappers that neutralise its defects."""
