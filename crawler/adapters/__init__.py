"""One adapter per portal platform family (portal-patterns.md §1). `for_platform(name)` returns the instance."""
from __future__ import annotations

from crawler.adapters.base import Adapter, Fetch, ListItem
from crawler.adapters.epoint import EpointAdapter
from crawler.adapters.gkmlpt import GkmlptAdapter
from crawler.adapters.hanweb import HanwebAdapter
from crawler.adapters.jpaas import JpaasAdapter
from crawler.adapters.longtail import LongtailAdapter
from crawler.adapters.trs import TrsAdapter

ADAPTERS: dict[str, Adapter] = {a.name: a for a in (
    TrsAdapter(), HanwebAdapter(), JpaasAdapter(), GkmlptAdapter(), EpointAdapter(), LongtailAdapter())}


def for_platform(name: str | None) -> Adapter:
    return ADAPTERS.get(name or "longtail", ADAPTERS["longtail"])


__all__ = ["ADAPTERS", "Adapter", "Fetch", "ListItem", "for_platform"]
