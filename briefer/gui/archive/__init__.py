"""The Archive menu's windows: the import report, the statistics, rebuilding the index."""
