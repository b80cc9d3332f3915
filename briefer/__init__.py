"""Briefer: turn a private archive of articles into a sourced briefing."""

__version__ = "0.1.0"
