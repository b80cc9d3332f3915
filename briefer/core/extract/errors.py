"""Why a file could not be imported: one short reason for the user."""


class ExtractionError(Exception):
    """The file is of a known format but its content could not be read."""


class UnsupportedFormat(ExtractionError):
    """No extractor handles this kind of file."""
