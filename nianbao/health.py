"""`nianbao status`: portal health as a table for the terminal. The rules and columns live in one SQL statement,
storage.serving.health (also the `portal_health` view Datasette serves)."""
from __future__ import annotations


def format_health(rows: list[dict]) -> str:
    """A plain table for the terminal."""
    if not rows:
        return ""
    header = f"{'adcode':<8} {'name':<12} {'status':<15} {'last ok':<11} {'last new report':<16} {'due':<11} overdue"
    lines = [header]
    for r in rows:
        status = r["status"] + (f" {r['block_code']}" if r.get("block_code") else "") + \
            (f" ({r['shortfall']})" if r.get("shortfall") and r["shortfall"] != r["status"] else "")
        lines.append(f"{r['adcode'] or '':<8} {(r['name'] or '')[:10]:<12} {status:<15} "
                     f"{(r['last_ok'] or '-')[:10]:<11} {(r['last_new_report'] or '-')[:10]:<16} "
                     f"{r['due_date']:<11} {'' if r['days_overdue'] is None else str(r['days_overdue']) + ' days'}")
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    late = sum(1 for r in rows if r["days_overdue"] is not None)
    lines.append(f"{len(rows)} portals: " + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
                 + f"; {late} without the government report due {rows[0]['due_date']}")
    return "\n".join(lines)
