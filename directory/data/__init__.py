"""Data files and tables shipped with the package (region codes, demo name pools)."""
