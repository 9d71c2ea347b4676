"""The archive in Datasette: prepare (browse tables, coverage, Chinese search), publish (atomic snapshot),
serve (read-only Datasette 0.65). See docs/api.md."""
from nianbao.serve.prepare import prepare
from nianbao.serve.publish import publish

__all__ = ["prepare", "publish"]
