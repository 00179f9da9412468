"""The report's plain sentences, written after suppression from the values it shows, and nothing else.

A sentence that counted from the raw figures could give away a hidden cell, so each
one here reads the rendered document (or counts of decisions, which are never hidden).
"""

from __future__ import annotations

from typing import Any

from ledger.governance.report.facts import CollectiveFacts

GRIPP2 = [
    ("aim", "Aim of involvement"),
    ("methods", "Methods"),
    ("results", "Results"),
    ("influence", "How far involvement influenced the work"),
    ("reflection", "Critical reflection"),
]
"""The GRIPP2 short form's five items, in its order."""


def plural(n: int, one: str, many: str | None = None) -> str:
    return f"{n} {one if n == 1 else (many or one + 's')}"


def number(value: Any) -> str:
    """A shown Count in a sentence: the number, "fewer than 5", or withheld."""
    return "a withheld number of" if value is None else str(value)


def hours(value: int | None) -> str:
    return "a withheld number of hours" if value is None else plural(value, "hour")


def headline(*, quiet: bool, decisions: int, changed: int, share: int | None, hours_given: int | None) -> str:
    if quiet:
        return (
            "Nothing was recorded for this collective in this period: "
            "no decision, objection, contribution or reflection."
        )
    time_given = f"members gave {hours(hours_given)} of their time"
    if decisions == 0:
        return f"No decision closed in this period; {time_given}."
    turnout = "" if share is None else f"; {share}% of the votes that could be given were given"
    return (
        f"{plural(decisions, 'decision')} closed in this period and involvement changed {changed} "
        f"of them{turnout}; {time_given}."
    )


def influence(decisions: int, changed: int, trail: int) -> str:
    """Where involvement changed something, and, plainly, where it changed nothing (NIHR asks for both)."""
    if decisions == 0:
        return "No decision closed in this period, so there is no influence on a decision to report."
    if changed == 0:
        return f"Involvement changed none of the {plural(decisions, 'decision')} in this period: see no change."
    return (
        f"Involvement changed {changed} of {plural(decisions, 'decision')}: "
        f"{plural(trail, 'thing said', 'things said')} led to a new version or a different outcome. "
        f"In {decisions - changed} it changed nothing (listed under no change)."
    )


def gripp2(out: dict[str, Any], c: CollectiveFacts, narrative: dict[str, str]) -> list[dict[str, Any]]:
    """The five items, each with sentences from the figures and the steward's text (or null)."""
    d, obj, refl, agr = (out[k] for k in ("decisions", "objections", "reflections", "agreements"))
    names = ", ".join(c.groups.values())
    outcomes = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in d["by_outcome"].items() if v)
    rules = ", ".join(r["rule"] for r in d["by_rule"]) or "none"
    total, n = obj["total"], len(d["items"])
    from_ledger = {
        "aim": f"{c.name}: {c.purpose} Its members share decisions across {plural(len(c.groups), 'group')}: {names}.",
        "methods": (
            f"Decisions follow a signed agreement ({plural(len(agr['in_force']), 'agreement')} in force at the end "
            f"of the period); {plural(n, 'decision')} closed by the rules it names ({rules}), "
            f"and members gave {hours(out['headline']['hours_given'])} of time."
        ),
        "results": (
            f"{plural(n, 'decision')} ({outcomes or 'none'}); {plural(d['withdrawn'], 'proposal')} withdrawn; "
            f"{number(total['raised'])} objections or concerns raised, {number(total['upheld'])} upheld and "
            f"{number(total['integrated'])} integrated into a new version."
        ),
        "influence": out["influence"]["statement"],
        "reflection": (
            f"{plural(refl['recorded'], 'reflection')} recorded, with {plural(refl['actions'], 'action')}: "
            f"{refl['actions_done']} done and {refl['actions_open']} still open; "
            f"{plural(agr['reviews_done'], 'review')} of the agreement done and {agr['reviews_overdue']} overdue."
        ),
    }
    return [
        {"item": item, "title": title, "from_ledger": from_ledger[item], "narrative": narrative.get(item) or None}
        for item, title in GRIPP2
    ]


def equality(out: dict[str, Any], c: CollectiveFacts, narrative: dict[str, str]) -> dict[str, Any]:
    """NIHR's mandatory heading: who is a member and who took part, by group, beside the steward's text."""
    took = {r["group"]: r["took_part"] for r in out["decisions"]["participation"]}
    parts = [
        f"{c.groups[g['id']]}: {number(g['members'])} members, {number(took.get(g['id']))} took part in a decision"
        for g in out["groups"]
    ]
    sentence = (
        "Who is a member at the end of the period, and who took part in at least one decision, by group "
        f"(a person may be in more than one group): {'; '.join(parts)}."
    )
    return {"from_ledger": sentence, "narrative": narrative.get("equality") or None}
