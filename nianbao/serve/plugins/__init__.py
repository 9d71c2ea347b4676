"""Datasette plugins loaded with --plugins-dir (a package only so that a non-editable install ships it)."""
