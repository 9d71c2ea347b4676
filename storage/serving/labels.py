"""The printed (Chinese) labels of the three standard tables, keyed as the extractor keys them (spec §3), and
their layout as the national templates print them. One place for them: the browse tables' label columns
(application_rows, cell_labels, row_label/col_label), the CSV exports and the report page all read this.

Order and membership come from the extractor's own key lists (extract.keys); only the wording is here.
"""
from __future__ import annotations

from extract.keys import T3_COLS, T3_ROWS, T4_COLS, T4_ROWS
from extract.t2 import T2_DEFAULT_COLS, T2_ROW_BLOCK

TABLE_TITLES = {
    "active_disclosure": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
}
TABLE_SHORT = {"active_disclosure": "T2", "applications": "T3", "review_litigation": "T4"}

# -- T2 active disclosure -----------------------------------------------------------------------------------------
T2_ROW_LABELS = {
    "regulations": "规章", "normative_docs": "行政规范性文件", "admin_licensing": "行政许可",
    "other_mgmt_services": "其他对外管理服务事项", "admin_penalty": "行政处罚", "admin_coercion": "行政强制",
    "admin_fees": "行政事业性收费", "central_procurement": "政府集中采购",
}
T2_COL_LABELS = {
    "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数", "decisions": "本年处理决定数量",
    "fee_amount": "本年收费金额（万元）", "new_made": "本年新制作数量", "new_published": "本年新公开数量",
    "total_published": "对外公开总数量", "prev_year_items": "上一年项目数量", "items_change": "本年增/减",
    "procurement_items": "采购项目数量", "procurement_amount": "采购总金额（万元）",
}
T2_BLOCK_TITLE = "第二十条第（{}）项"

# -- T3 applications ------------------------------------------------------------------------------------------------
# (row_key, label as printed in its own cell, depth in the template's label hierarchy)
T3_ROW_LABELS = {
    "new_received": "一、本年新收政府信息公开申请数量", "carried_in": "二、上年结转政府信息公开申请数量",
    "granted": "（一）予以公开", "partially_granted": "（二）部分公开",
    "denied_state_secret": "1.属于国家秘密", "denied_law_prohibited": "2.其他法律行政法规禁止公开",
    "denied_safety_stability": "3.危及“三安全一稳定”", "denied_third_party": "4.保护第三方合法权益",
    "denied_internal_affairs": "5.属于三类内部事务信息", "denied_process_info": "6.属于四类过程性信息",
    "denied_enforcement_file": "7.属于行政执法案卷", "denied_admin_query": "8.属于行政查询事项",
    "unable_not_held": "1.本机关不掌握相关政府信息", "unable_needs_creation": "2.没有现成信息需要另行制作",
    "unable_still_unclear": "3.补正后申请内容仍不明确",
    "unprocessed_petition": "1.信访举报投诉类申请", "unprocessed_duplicate": "2.重复申请",
    "unprocessed_publication": "3.要求提供公开出版物", "unprocessed_mass_repeat": "4.无正当理由大量反复申请",
    "unprocessed_confirm_reissue": "5.要求行政机关确认或重新出具已获取信息",
    "other_no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other_unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other_misc": "3.其他", "other_handling": "（六）其他处理",
    "results_total": "（七）总计", "carried_out": "四、结转下年度继续办理",
}
# Group labels that carry no numbers of their own, printed above their first row.
T3_GROUPS = {"granted": ("三、本年度办理结果", 0), "denied_state_secret": ("（三）不予公开", 1),
             "unable_not_held": ("（四）无法提供", 1), "unprocessed_petition": ("（五）不予处理", 1),
             "other_no_correction": ("（六）其他处理", 1)}
T3_COL_LABELS = {
    "natural_person": "自然人", "org_commercial": "商业企业", "org_research": "科研机构",
    "org_public_welfare": "社会公益组织", "org_legal_service": "法律服务机构", "org_other": "其他", "total": "总计",
}
T3_ORG_GROUP = "法人或其他组织"

# The short one-line label of each T3 row (its group's numeral and its own label), for lists and CSV columns.
_GROUP_PREFIX = {"denied": "（三）", "unable": "（四）", "unprocessed": "（五）", "other": "（六）"}


def _t3_short(key: str) -> str:
    prefix = _GROUP_PREFIX.get(key.split("_")[0], "") if key != "other_handling" else ""
    return prefix + T3_ROW_LABELS[key]


APPLICATION_ROWS: list[tuple[str, str]] = [
    (key, _t3_short(key)) for key in T3_ROWS["gb2021"][:-2] + ["other_handling"] + T3_ROWS["gb2021"][-2:]]

# -- T4 review and litigation ---------------------------------------------------------------------------------------
T4_ROW_LABELS = {"admin_review": "行政复议", "litigation_direct": "行政诉讼 · 未经复议直接起诉",
                 "litigation_after_review": "行政诉讼 · 复议后起诉"}
T4_COL_LABELS = {"upheld": "结果维持", "corrected": "结果纠正", "other_result": "其他结果", "pending": "尚未审结",
                 "total": "总计"}

ROW_LABELS = {"active_disclosure": T2_ROW_LABELS, "applications": dict(APPLICATION_ROWS),
              "review_litigation": T4_ROW_LABELS}
COL_LABELS = {"active_disclosure": T2_COL_LABELS, "applications": T3_COL_LABELS, "review_litigation": T4_COL_LABELS}


def row_label(table: str | None, row: str | None) -> str | None:
    return ROW_LABELS.get(table or "", {}).get(row or "")


def col_label(table: str | None, col: str | None) -> str | None:
    return COL_LABELS.get(table or "", {}).get(col or "")


def label_rows() -> list[tuple[str, str, str, int, str]]:
    """(table_key, kind 'row'/'col', key, order, label) for the cell_labels table."""
    out = []
    for table, labels in ROW_LABELS.items():
        out += [(table, "row", k, i + 1, v) for i, (k, v) in enumerate(labels.items())]
    for table, labels in COL_LABELS.items():
        out += [(table, "col", k, i + 1, v) for i, (k, v) in enumerate(labels.items())]
    return out


# -- layout as printed, for the report page ---------------------------------------------------------------------
def t2_blocks(template: str | None) -> list[tuple[str, list[str], list[str]]]:
    """T2 as printed: (block title, its columns, its rows) per 第二十条 block of the template (gb2021 when the
    template is unknown: the cells then still show under their keys)."""
    cols_by_block = T2_DEFAULT_COLS.get(template or "", T2_DEFAULT_COLS["gb2021"])
    out = []
    for block, cols in cols_by_block.items():
        rows = [r for r, b in T2_ROW_BLOCK.items() if b == block]
        if template == "gb2021":
            rows = [r for r in rows if r not in ("other_mgmt_services", "central_procurement")]
        out.append((T2_BLOCK_TITLE.format(block), cols, rows))
    return out


def t3_rows(template: str | None) -> list[str]:
    return T3_ROWS.get(template or "", T3_ROWS["gb2021"])


T3_VALUE_COLS = T3_COLS
T4_ROW_KEYS, T4_COL_KEYS = T4_ROWS, T4_COLS
