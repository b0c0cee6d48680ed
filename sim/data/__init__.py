"""Data edge: the canonical L3 Parquet schema, readers with validation, importers, generator."""
