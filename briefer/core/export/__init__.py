"""Exporting briefings: Word (.docx) via python-docx plus the OOXML python-docx lacks."""
