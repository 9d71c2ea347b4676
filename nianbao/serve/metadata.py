"""Datasette metadata for the archive: titles and descriptions (中文 / English), source, license, a description
for every table and column, default facets, labels, full-text search, canned queries, dashboards and the map.

Built in Python (not a static file) because the database name (the file's stem) appears in it, and the map's
tile server is a serve-time choice.
"""
from __future__ import annotations

from storage.serving.feeds import CANNED_QUERIES as FEED_QUERIES
from storage.serving.queries import CHART_SQL, canned_queries
from storage.serving.relations import DESCRIPTIONS
from storage.serving.search import FTS_TABLE

OSM_TILES = "https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png"
# Served by our own plugin (a blank tile): for machines without internet, and for the browser tests.
OFFLINE_TILES = "/-/nianbao/tiles/{z}/{x}/{y}.png"

LICENSE = ("CC BY 4.0 (this compilation); the reports are official documents of state organs, outside copyright "
           "(PRC Copyright Law art. 5)")
LICENSE_URL = "https://creativecommons.org/licenses/by/4.0/"
SOURCE = "County-level government portals, 政府信息公开专栏 (government information disclosure sections)"

FACETS = {
    "reports": ["province", "year", "template", "agency_kind", "status"],
    "report_summary": ["province", "prefecture", "year", "agency_kind", "counts_as", "template", "check_status"],
    "applications_wide": ["row_key", "year", "province"],
    "applications_by_province": ["grp", "year", "province"],
    "coverage": ["unit_kind", "status", "year", "province", "portal_status"],
    "checks": ["rule", "status"],
    "check_failures": ["rule"],  # a view: each default facet re-runs its join (see bench/serve.py)
    "cells": ["table_key", "status"],
    "regions": ["level", "province"],
    "flags": ["kind"],
    "errors": ["stage", "kind"],
}
LABELS = {"reports": "title", "regions": "name", "documents": "url", "report_summary": "title"}


# SVG rather than vega-embed's default canvas: sharper, and the chart's text is in the page (tests read it).
SVG = {"embedOptions": {"renderer": "svg"}}


def dashboards(db: str) -> dict:
    return {
        "overview": {
            "title": "政府信息公开年报概览 Disclosure reports at a glance",
            "description": "Requests over the years, refusals by reason, and coverage of the county-level divisions.",
            "layout": [["reports-count", "requests-over-years"], ["refusals-by-reason", "coverage-by-year"]],
            "charts": {
                "reports-count": {
                    "title": "报告数 Reports", "db": db, "library": "metric",
                    "query": CHART_SQL["reports-count"],
                    "display": {"field": "reports", "prefix": "", "suffix": " reports"},
                },
                "requests-over-years": {
                    "title": "历年申请数量 Requests received over the years — county governments' own reports", "db": db, "library": "vega-lite",
                    "query": CHART_SQL["requests-over-years"],
                    "display": {
                        "usermeta": SVG,
                        "mark": {"type": "line", "point": True, "tooltip": True},
                        "encoding": {
                            "x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                            "y": {"field": "requests", "type": "quantitative", "title": "新收申请 requests"}},
                    },
                },
                "refusals-by-reason": {
                    "title": "拒绝理由 Refusals by reason — every report of every unit, each once", "db": db, "library": "vega-lite",
                    "query": CHART_SQL["refusals-by-reason"],
                    "display": {
                        "usermeta": SVG,
                        "mark": {"type": "bar", "tooltip": True},
                        "encoding": {
                            "y": {"field": "label", "type": "nominal", "sort": None, "title": None},
                            "x": {"field": "total", "type": "quantitative", "title": "件 applications"},
                            "color": {"field": "grp", "type": "nominal", "title": "group"}},
                    },
                },
                "coverage-by-year": {
                    "title": "覆盖情况 Coverage of county-level divisions — the government's own report", "db": db, "library": "vega-lite",
                    "query": CHART_SQL["coverage-by-year"],
                    "display": {
                        "usermeta": SVG,
                        "mark": {"type": "bar", "tooltip": True},
                        "encoding": {
                            "x": {"field": "year", "type": "ordinal", "title": "年度 year"},
                            "y": {"field": "counties", "type": "quantitative", "title": "counties"},
                            "color": {"field": "status", "type": "nominal"}},
                    },
                },
            },
        }
    }


def build_metadata(db: str, table_columns: dict[str, list[str]], tile_url: str = OSM_TILES) -> dict:
    """table_columns: the tables and views actually present in the database, with their columns."""
    tables: dict[str, dict] = {}
    for table, columns in table_columns.items():
        if table not in DESCRIPTIONS:
            continue
        desc, col_desc = DESCRIPTIONS[table]
        entry: dict = {"description": desc, "columns": {c: col_desc.get(c, c.replace("_", " ")) for c in columns}}
        if table in FACETS:
            entry["facets"] = [f for f in FACETS[table] if f in columns]
        if table in LABELS:
            entry["label_column"] = LABELS[table]
        tables[table] = entry
    if "report_summary" in tables and FTS_TABLE in table_columns:
        # No default sort: Datasette 0.65 leaves the primary key out of the first page's ORDER BY when a
        # default sort is set, so _next paging over a non-unique sort column repeats and skips rows.
        tables["report_summary"].update({"fts_table": FTS_TABLE, "fts_pk": "rowid"})
    if FTS_TABLE in tables:
        tables[FTS_TABLE]["hidden"] = True
    return {
        "title": "年报档案 Nianbao — 政府信息公开工作年度报告 archive",
        "description": "China's government information disclosure annual reports (政府信息公开工作年度报告), "
                       "their standard tables as numbers, consistency checks, and coverage of every county-level "
                       "division. 中国政府信息公开工作年度报告开放档案。",
        "license": LICENSE, "license_url": LICENSE_URL, "source": SOURCE,
        "databases": {db: {
            "title": "年报档案 archive", "description": "Reports, tables, checks, coverage (read-only snapshot).",
            "tables": tables, "queries": {**canned_queries(), **FEED_QUERIES},
        }},
        "plugins": {
            "datasette-dashboards": dashboards(db),
            "datasette-cluster-map": {
                "latitude_column": "latitude", "longitude_column": "longitude", "tile_layer": tile_url,
                "tile_layer_options": ({"maxZoom": 19, "attribution": "offline: no map tiles"}
                                       if tile_url == OFFLINE_TILES else
                                       {"maxZoom": 19, "detectRetina": True, "attribution":
                                        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>'
                                        " contributors"})},
        },
    }
