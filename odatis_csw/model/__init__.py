"""The normalised record model, its readers (one per dialect) and its ISO 19139 writer."""
