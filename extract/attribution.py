"""Which division a report belongs to — the attribution policy, in one place.

Evidence (names found by `regions.scan`: leftmost-longest, so 民和县 is never 和县):
1. What the document names itself: its title (the report-title line, else the listing title; a county's bare short
   name is read only at the very start of a title, before its year: "湟中2023年…"), else the issuer line above the
   title or the signature at the end. What it names is the most specific division of the first chain of
   names in it ("青海省西宁市湟中区鲁沙尔镇…" -> 湟中区; "上海市人民政府办公厅…" -> 上海市 = 310000, a province).
2. The portal the document was found on (`hints["region_code"]`, its adcode): a strong prior.
3. Body mentions: how often each division is named in the text (all of it up to 12,000 characters; beyond, the first
   8,000 and the last 4,000). The "support" of a division is its own mentions plus those of the divisions inside
   it; a division "dominates" another when its support is ≥ 3 and more than twice the other's.

Decision:
* Found on a portal P:
  - the document names nothing, or P itself -> P.
  - it names P's prefecture/province only: P when P's bare short name is also in the title (海东市生态环境局民和分局
    on 民和's portal), else the named prefecture/province — a unit of that level whose report the county portal
    carries — flagged `region_conflict` with both.
  - it names a division inside P (a prefecture's portal carrying a county's report) -> the named one, no flag.
  - it names an unrelated division T unambiguously -> T, flagged `region_conflict` with both; unless the body
    dominates for P (the title is the odd one out) -> P, flagged with all three.
  - body mentions never override the portal; a body dominated by an unrelated division is flagged.
* No portal: the named division T, unless an unrelated division B dominates the body with ≥ 5 mentions and ≥ 3×
  T's support — then B, flagged with both (seed 002: titled 贺兰县, about 灵武市 throughout). Nothing named: the
  body's most-mentioned county (else prefecture/province), flagged `region_from_body`.
* A name shared by several divisions (鼓楼区 ×4, 朝阳区 ×2) is narrowed by the parent named right before it, then by
  the portal (the portal itself, its prefecture, its province), then by the provinces/prefectures named in the
  title, then in the body. Still several: not used — flagged `ambiguous_region` when it was the document's own
  naming (or the only evidence); never guessed.
* Functional zones resolve through `extract/data/zones.csv` (平潭综合实验区 -> 平潭县 350128, flagged
  `zone_mapped` with the row's source). A zone with no single county (兰州新区) gives no region at all, flagged
  `zone_without_county` — even on a portal, whose county is not the zone's. A zone unit not in the table and not
  under a named county ("西宁经济技术开发区管委会") keeps whatever else the evidence says (the portal, a prefecture
  named with it) and is flagged `functional_zone`; one under a named county (民和县工业园区管委会) is that county's.
* Levels are kept: a province's or prefecture's own unit is coded at that level, never at a 市辖区 placeholder.

The `region_conflict` flag's data holds one entry per source that named a candidate — "title" (or "issuer"),
"hint" (the portal), "body" — each {"code", "name"}, plus "used" (which source won) and the top body "scores".
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from extract import agencies, regions
from extract.model import Flag
from extract.regions import Division, Mention

# Body evidence: the whole prose up to 12,000 characters (every seed); beyond, its first 8,000 (preamble, 总体情况,
# where a report names itself) and its last 4,000 (其他需要报告的事项, signature).
BODY_HEAD, BODY_TAIL = 8000, 4000


@dataclass
class Attribution:
    division: Division | None
    source: str | None  # title / issuer / hint / body
    zone: str | None = None  # the functional zone the document names, if any


def _entry(d: Division) -> dict:
    return {"code": d.code, "name": d.name}


class _Evidence:
    """Everything the scan found, and the narrowing of shared names (module docstring)."""

    def __init__(self, prior: Division | None, named_in_title: list[Mention], body: list[Mention]):
        self.prior = prior
        self.title_codes = {m.codes[0] for m in named_in_title if len(m.codes) == 1}
        self.body_codes = {m.codes[0] for m in body if len(m.codes) == 1}
        self.counts: Counter = Counter()
        self.unresolved: list[Mention] = []
        for m in body:
            if m.form == "context" or not m.codes:
                continue
            if len(m.codes) == 1:
                self.counts[m.codes[0]] += 1
                continue
            d = self.pick(m)
            if d is None:
                self.unresolved.append(m)
            else:
                self.counts[d.code] += 1
        self._divisions = {c: regions.by_code(c) for c in self.counts}
        self._support: dict[str, int] = {}

    def pick(self, m: Mention) -> Division | None:
        if len(m.codes) == 1:
            return regions.by_code(m.codes[0])
        cands = [regions.by_code(c) for c in m.codes]
        if self.prior is not None:
            if self.prior.code in m.codes:
                return self.prior
            for up in regions.parents(self.prior):
                near = [d for d in cands if regions.contains(up, d)]
                if len(near) == 1:
                    return near[0]
        for named in (self.title_codes, self.body_codes):
            near = [d for d in cands if any(up.code in named for up in regions.parents(d))]
            if len(near) == 1:
                return near[0]
            cands = near or cands
        return None

    def support(self, d: Division) -> int:
        """Mentions of d and of the divisions inside it."""
        if d.code not in self._support:
            self._support[d.code] = sum(n for c, n in self.counts.items()
                                        if c == d.code or regions.contains(d, self._divisions[c]))
        return self._support[d.code]

    def rival(self, of: Division) -> Division | None:
        """The unrelated division the body is most about, when it dominates `of` (≥ 3 mentions, > 2× of's)."""
        best, best_n = None, 0
        for d in self._divisions.values():
            n = self.support(d)
            if n > best_n and not regions.related(d, of):
                best, best_n = d, n
        return best if best_n >= 3 and best_n > 2 * self.support(of) else None


def _named(mentions: list[Mention], ev: _Evidence, flags: list[Flag], where: str) -> tuple[Division | None, Mention | None]:
    """The most specific division of the first chain of names (a zone ends the chain). (None, mention) for a zone
    with no county, and for a name that stays ambiguous (flagged)."""
    last: tuple[Division | None, Mention | None] = (None, None)
    for m in mentions:
        if m.form == "context":
            continue
        if last[1] is not None and not (last[0] is not None and m.parent == last[0].code):
            break
        if m.form == "zone" and not m.codes:
            return None, m
        d = ev.pick(m)
        if d is None:
            flags.append(Flag("ambiguous_region", f"{m.text} in the {where} names several divisions; none used",
                              {"name": m.text, "codes": list(m.codes), "where": where}))
            return None, m
        last = (d, m)
        if m.form == "zone":
            break
    return last


def attribute(title: str | None, issuer: str | None, body: str, hints: dict, flags: list[Flag]) -> Attribution:
    """The division a report belongs to, by the policy of the module docstring; flags explain every doubt."""
    prior = regions.by_code(hints["region_code"]) if hints.get("region_code") else None
    if prior is not None and regions.is_placeholder(prior):
        prior = regions.by_code(prior.code[:2] + "0000")
    prior_code = prior.code if prior else None
    title_m = regions.scan(title or "", prior_code)
    issuer_m = regions.scan(issuer or "", prior_code)
    if len(body) > BODY_HEAD + BODY_TAIL:  # bound the cost on long documents (a scan costs ~10 µs per 1,000 chars)
        body = body[:BODY_HEAD] + "\n" + body[-BODY_TAIL:]
    ev = _Evidence(prior, title_m + issuer_m, regions.scan(body, prior_code))

    named, mention = _named(title_m, ev, flags, "title")
    source = "title"
    if mention is None and title:
        lead = regions.leading_short_name(title)
        if lead is not None:
            named, mention = _named([lead], ev, flags, "title")
    if named is None and (mention is None or mention.form != "zone"):  # nothing (usable) in the title
        by_issuer, issuer_mention = _named(issuer_m, ev, flags, "issuer")
        if issuer_mention is not None:
            named, mention, source = by_issuer, issuer_mention, "issuer"
    zone = mention.text if mention is not None and mention.form == "zone" else None
    if zone is not None:
        row = next(r for r in regions.zone_rows() if r["name"] == zone)
        if named is None:
            flags.append(Flag("zone_without_county", f"{zone} is a functional zone with no single county: no region "
                              "given", {"zone": zone, "source": row["source"],
                                        **({"hint": _entry(prior)} if prior else {})}))
            return Attribution(None, None, zone)
        flags.append(Flag("zone_mapped", f"{zone} is filed under {named.name} ({named.code}) by the zone table",
                          {"zone": zone, **_entry(named), "source": row["source"]}))

    chosen, used, conflict = _decide(prior, named, source, title or "", ev)
    if chosen is None:
        if mention is None and not prior and ev.unresolved and not ev.counts:
            m = ev.unresolved[0]
            flags.append(Flag("ambiguous_region", f"the body names only {m.text}, which names several divisions",
                              {"name": m.text, "codes": list(m.codes), "where": "body"}))
        elif mention is None and not prior and ev.counts:
            tied = _body_choice(ev)[1]
            flags.append(Flag("ambiguous_region", f"the body names {len(tied)} divisions equally often; none used",
                              {"codes": tied, "where": "body"}))
        return Attribution(None, None, zone)
    if "body" not in conflict:
        rival = ev.rival(chosen)
        if rival is not None:
            conflict = {**(conflict or {used: chosen}), "body": rival}
    if conflict:
        top = sorted(ev.counts, key=ev.counts.get, reverse=True)[:5]
        said = "; ".join(f"{k}: {d.name} ({d.code})" for k, d in conflict.items())
        flags.append(Flag("region_conflict", f"{said} — the {used}'s {chosen.name} ({chosen.code}) used",
                          {**{k: _entry(d) for k, d in conflict.items()}, "used": used,
                           "scores": {c: ev.counts[c] for c in top}}))
    elif used == "body":
        flags.append(Flag("region_from_body", f"no place in the title; {chosen.name} taken from the body",
                          {"code": chosen.code, "name": chosen.name}))
    unit = agencies.unit_of_title(title)
    rest, chain = agencies.strip_region(unit, chosen.code)
    in_county = any(c and regions.by_code(c).level == "county" for c in chain)
    if zone is None and agencies.ZONE.search(rest) and not in_county:  # a zone under no named county
        flags.append(Flag("functional_zone", f"{unit} looks like a functional zone the zone table does not know and "
                          f"no county is named with it; filed under {chosen.name} ({chosen.code}) from the {used}",
                          {"unit": unit, **_entry(chosen), "used": used}))
    return Attribution(chosen, used, zone)


def _decide(prior: Division | None, named: Division | None, source: str, title: str,
            ev: _Evidence) -> tuple[Division | None, str | None, dict[str, Division]]:
    """(chosen division, the source it came from, {source: its candidate} when sources disagree)."""
    if prior is not None:
        if named is None or named.code == prior.code:
            return prior, ("hint" if named is None else source), {}
        if regions.contains(prior, named):  # a prefecture's portal carrying one of its counties' reports
            return named, source, {}
        if regions.contains(named, prior):  # the title names only the portal's prefecture/province
            if regions.short_name(prior.name) in title:
                return prior, source, {}
            return named, source, {source: named, "hint": prior}
        rival = ev.rival(named)
        if rival is not None and rival.code == prior.code:  # portal and body agree against the title
            return prior, "hint", {source: named, "hint": prior, "body": rival}
        return named, source, {source: named, "hint": prior}
    if named is not None:
        rival = ev.rival(named)
        if rival is not None and ev.support(rival) >= 5 and ev.support(rival) >= 3 * ev.support(named):
            return rival, "body", {source: named, "body": rival}
        return named, source, {}
    best = _body_choice(ev)[0]
    return (best, "body", {}) if best is not None else (None, None, {})


def _body_choice(ev: _Evidence) -> tuple[Division | None, list[str]]:
    """The body's most-mentioned county (else prefecture/province); (None, the tied codes) on a tie."""
    if not ev.counts:
        return None, []
    pool = [c for c in ev.counts if regions.by_code(c).level == "county"] or list(ev.counts)
    top = max(ev.counts[c] for c in pool)
    tied = sorted(c for c in pool if ev.counts[c] == top)
    return (regions.by_code(tied[0]), []) if len(tied) == 1 else (None, tied)
