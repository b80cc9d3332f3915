"""Briefings: the model, its edits, templates, markings, citations and the .briefing file."""
