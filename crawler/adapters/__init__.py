"""One adapter per portal platform family (portal-patterns.md §1, portal-variants.md §1), chosen per page.

    choose(page)        the adapter whose signature the page carries (URL + body; JSON/XML replies by their
                        shape), else the generic reader
    GENERIC             the generic reader, run behind every adapter (crawler.adapters.generic)
    for_platform(name)  an adapter by name ("longtail" is the generic reader's old name)

Order matters where signatures overlap: jpaas pages carry Hanweb markers, gkmlpt is mounted on TRS hosts, the
Fujian platform serves TRS pages, Epoint detail JSON must not be read as a list.
"""
from __future__ import annotations

from crawler.adapters.base import Adapter, Fetch, ListItem, is_markup_reply
from crawler.adapters.deya import DeyaAdapter
from crawler.adapters.epoint import EpointAdapter
from crawler.adapters.fujian import FujianAdapter
from crawler.adapters.generic import GenericAdapter
from crawler.adapters.gkmlpt import GkmlptAdapter
from crawler.adapters.hanweb import HanwebAdapter
from crawler.adapters.jpaas import JpaasAdapter
from crawler.adapters.powereasy import PowerEasyAdapter
from crawler.adapters.trs import TrsAdapter
from crawler.adapters.ucap import UcapAdapter
from crawler.discovery import Page

GENERIC = GenericAdapter()
ORDER: tuple[Adapter, ...] = (GkmlptAdapter(), JpaasAdapter(), FujianAdapter(), UcapAdapter(), EpointAdapter(),
                              DeyaAdapter(), HanwebAdapter(), PowerEasyAdapter(), TrsAdapter())
ADAPTERS: dict[str, Adapter] = {a.name: a for a in ORDER + (GENERIC,)}


def choose(page: Page, errors: list | None = None) -> Adapter:
    """The adapter for this page, from the page's own signature; the generic reader when no family claims it.
    An adapter whose claims() raises is passed over and the exception appended to `errors` (adapter, exc)."""
    reply = is_markup_reply(page)
    for adapter in ORDER:
        if reply and not adapter.reads_replies:
            continue  # an API reply is not an HTML page, whatever URLs it mentions
        try:
            if adapter.claims(page):
                return adapter
        except Exception as exc:  # a broken signature check must not hide the page from the others
            if errors is not None:
                errors.append((adapter.name, exc))
    return GENERIC


def for_platform(name: str | None) -> Adapter:
    return ADAPTERS.get(name or "generic", GENERIC) if name != "longtail" else GENERIC


__all__ = ["ADAPTERS", "GENERIC", "Adapter", "Fetch", "ListItem", "choose", "for_platform"]
