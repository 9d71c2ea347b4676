"""The archive in Datasette: serve (read-only Datasette 0.65), its metadata and plugin. What is served is built
by storage.serving (prepare, publish). See docs/api.md."""
