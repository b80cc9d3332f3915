"""Why a file could not be imported: one short reason for the user."""

from briefer.core.errors import BrieferError


class ExtractionError(BrieferError):
    """The file is of a known format but its content could not be read."""


class UnsupportedFormat(ExtractionError):
    """No extractor handles this kind of file."""
