"""Stage 3 — template: gb2021 / gb2019trial / pre2019 / unknown, decided by signature labels, never by year.

Signatures are from spec §0 (国办公开办函〔2021〕30号 and 〔2019〕60号). Lagging agencies reuse old tables, so a
2021 report may well be gb2019trial, and some 2019 reports are pre-format.
"""
from __future__ import annotations

import re

GB2021 = ["本年制发件数", "本年废止件数", "现行有效件数", "本年处理决定数量", "本年收费金额", "逾期不补正",
          "逾期未按收费通知要求缴纳费用"]
GB2019 = ["本年新制作数量", "本年新公开数量", "对外公开总数量", "上一年项目数量", "本年增/减", "其他对外管理服务事项",
          "第二十条第(九)项", "政府集中采购", "采购项目数量", "采购总金额"]
PRE2019 = ["主动公开政府信息数", "收到申请数", "申请答复数", "同意公开答复数", "不同意公开答复数", "行政复议数量",
           "申请办结数", "依申请公开信息收取的费用"]
# All signatures in one pattern, longest first; a signature inside another (同意公开答复数 in 不同意公开答复数) is
# present wherever the longer one is.
_ALL = sorted(set(GB2021 + GB2019 + PRE2019), key=len, reverse=True)
_SIGNATURES = re.compile("|".join(re.escape(s) for s in _ALL))
_INSIDE = {outer: [inner for inner in _ALL if inner != outer and inner in outer] for outer in _ALL}
CITES_2021 = re.compile(r"国办公开办函\(?〔?\[?2021\]?〕?\)?30号")


def detect_template(squashed_text: str) -> tuple[str, dict]:
    """squashed_text: the whole document without whitespace. Returns (template, evidence)."""
    found = set(_SIGNATURES.findall(squashed_text))  # one pass over the text for all signatures
    found |= {inner for outer in found for inner in _INSIDE.get(outer, ())}
    scores = {
        "gb2021": sum(1 for s in GB2021 if s in found),
        "gb2019trial": sum(1 for s in GB2019 if s in found),
        "pre2019": sum(1 for s in PRE2019 if s in found),
    }
    cites_2021 = bool(CITES_2021.search(squashed_text))
    evidence = {"scores": scores, "cites_30hao": cites_2021}
    best = max(scores, key=scores.get)
    if scores[best] == 0:
        return ("gb2021" if cites_2021 else "unknown"), evidence
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] == ranked[1]:  # a tie between signatures: the 30号 citation decides, else unknown
        if cites_2021 and scores["gb2021"] == ranked[0]:
            return "gb2021", evidence
        return "unknown", evidence
    return best, evidence
