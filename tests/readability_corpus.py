"""Every piece of text a member reads that the code writes: outcomes, rules and error messages.

- Outcomes: the plain words (policies.plain) for what `decide` gives over realistic
  scenarios: every built-in rule and variants of it, over rosters of three stakeholder
  groups and a spread of ballots and objections, so that every rule that can decide
  (quorum, group quorum, blocks, vetoes, objections, overruling, the methods and the
  thresholds) is met at least once.
- Rules: the plain description of every built-in rule and of the variants.
- Errors: every message a governance error is raised with in ledger/governance and web/
  (read from the source, so a new message is measured the day it is written; a value put
  into an f-string is read as the word "it"), and the web's own refusals.
"""

from __future__ import annotations

import ast
import dataclasses
import itertools
import re
from collections.abc import Iterator
from fractions import Fraction
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg

import policies
from policies import BlockEffect, Method, ObjectionStatus, Position
from policies.model import Ballot, Member, Objection, Policy
from policies.plain import plain_outcome, plain_rule
from web.errors import MESSAGES

ROOT = Path(__file__).resolve().parent.parent
GROUP_NAMES = {"lived_experience": "People with lived experience", "staff": "Staff", "researchers": "Researchers"}
ERROR_CLASSES = {"GovernanceError", "NotFound", "NotAllowed", "Conflict", "Invalid", "BadParameter", "NotUnderstood"}
TRANSLATED = {"_", "gettext", "N_"}
PLACEHOLDER = re.compile(r"%\(\w+\)s")
MARKUP = re.compile(r"<[^>]+>")
# A message of fewer words is a label, heading or button ("Audit trail", "Sign this agreement"): the Flesch
# formula measures sentences, and on two or three words one long word decides the score. Every message of
# this many words or more, from any template or view, is scored.
SENTENCE_WORDS = 8
# The web's refusals that are not governance errors (web/errors.py).
WEB_REFUSALS = ("This form has expired or was not sent from copro. Reload the page and try again.",)


def policies_to_measure() -> list[Policy]:
    """The built-in rules and the variants a group can write in its own rule file."""
    base = [policies.load_builtin(name) for name in policies.builtin_names()]
    majority = policies.load_builtin("majority")
    consent = policies.load_builtin("consent")
    variants = [
        dataclasses.replace(majority, equal_group_voice=True),
        dataclasses.replace(majority, group_weights={"lived_experience": Fraction(2), "staff": Fraction(1)}),
        dataclasses.replace(majority, group_quorum=Fraction(1, 2), abstain_counts_for_quorum=False),
        dataclasses.replace(majority, block_effect=BlockEffect.VETO),
        dataclasses.replace(consent, allow_overrule=True, overrule_process="a two thirds vote of the steering group"),
        dataclasses.replace(consent, block_effect=BlockEffect.DISAGREE, method=Method.CONSENSUS),
    ]
    return base + variants


def _roster() -> list[Member]:
    groups = ["lived_experience", "lived_experience", "staff", "staff", "researchers", "researchers"]
    return [Member(f"m{i}", frozenset({g})) for i, g in enumerate(groups)]


_PATTERNS: tuple[tuple[Position | None, ...], ...] = (
    (None,) * 6,
    (Position.AGREE,) + (None,) * 5,
    (Position.AGREE,) * 6,
    (Position.AGREE,) * 5 + (Position.ABSTAIN,),
    (Position.ABSTAIN,) * 6,
    (Position.AGREE, Position.AGREE, Position.AGREE, Position.AGREE, Position.DISAGREE, Position.DISAGREE),
    (Position.DISAGREE, Position.DISAGREE, Position.AGREE, Position.AGREE, Position.AGREE, Position.AGREE),
    (Position.AGREE, Position.DISAGREE, Position.DISAGREE, Position.DISAGREE, Position.ABSTAIN, Position.AGREE),
    (Position.BLOCK, Position.AGREE, Position.AGREE, Position.AGREE, Position.AGREE, Position.AGREE),
    (Position.AGREE, Position.AGREE, Position.BLOCK, Position.AGREE, Position.AGREE, Position.AGREE),
    (Position.AGREE, Position.AGREE, Position.AGREE, None, None, None),
)

_OBJECTIONS: tuple[tuple[ObjectionStatus, ...], ...] = (
    (),
    (ObjectionStatus.RAISED,),
    (ObjectionStatus.UPHELD,),
    (ObjectionStatus.OVERRULED,),
    (ObjectionStatus.WITHDRAWN, ObjectionStatus.ANSWERED),
)


def decisions() -> Iterator[tuple[Policy, policies.Decision]]:
    """`decide` over every rule, ballot pattern and set of objections above."""
    roster = _roster()
    for policy, pattern, statuses in itertools.product(policies_to_measure(), _PATTERNS, _OBJECTIONS):
        ballots = [Ballot(m.member_id, p) for m, p in zip(roster, pattern, strict=True) if p is not None]
        objections = [Objection(f"o{i}", roster[i].member_id, True, s) for i, s in enumerate(statuses)]
        yield policy, policies.decide(policy, roster, ballots, objections)


def outcome_texts() -> dict[str, tuple[str, str]]:
    """Plain outcome text -> (the rule that decided, the recorded explanation), one per distinct text."""
    found: dict[str, tuple[str, str]] = {}
    for policy, d in decisions():
        found.setdefault(plain_outcome(d.outcome, d.rule, d.figures, policy, GROUP_NAMES), (d.rule, d.explanation))
    return found


def recorded_explanations() -> set[str]:
    """The explanations `decide` records (signed into the log; shown under Technical details)."""
    return {d.explanation for _, d in decisions()}


def rule_texts() -> list[str]:
    return [plain_rule(p, GROUP_NAMES) for p in policies_to_measure()]


def error_texts() -> list[str]:
    """Every message a governance error is raised with, read from the source, and the web's refusals."""
    found: list[str] = [*MESSAGES.values(), *WEB_REFUSALS]  # N_-marked: read as they are
    for path in sorted([*(ROOT / "ledger" / "governance").rglob("*.py"), *(ROOT / "web").glob("*.py")]):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in ERROR_CLASSES and node.args:
                text = _text(node.args[0], constants)
                if text:
                    found.append(text)
    return sorted(set(found))


def ledger_error_texts() -> list[str]:
    """The fixed sentences ledger/governance raises its errors with (no value put into them)."""
    found: set[str] = set()
    for path in sorted((ROOT / "ledger" / "governance").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in ERROR_CLASSES and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
                elif isinstance(first, ast.Name) and first.id in constants:
                    found.add(constants[first.id])
    return sorted(found)


def ledger_error_templates() -> list[str]:
    """The templates ledger/governance marks with ``N_`` for its refusals with values (``say(N_("..."), ...)``)."""
    found: set[str] = set()
    for path in sorted((ROOT / "ledger" / "governance").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and _name(node.func) == "N_" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.add(first.value)
    return sorted(found)


def ledger_refusal_words() -> list[str]:
    """The fixed words ledger/governance puts into a refusal: field names given to ``clean``, the
    labels it names parts by (``*_LABELS`` tables), the kind of thing ``_get`` looks up, the action
    ``check_may_change`` refuses and each ``key_word("...")``."""
    found: set[object] = set()
    for path in sorted((ROOT / "ledger" / "governance").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name, args = _name(node.func), node.args
                at = {"clean": 1, "_get": 2, "key_word": 0}.get(name)
                if at is not None and len(args) > at:
                    given = args[at]
                    if isinstance(given, ast.Constant):
                        found.add(given.value)
                if name == "check_may_change":
                    found.update(k.value.value for k in node.keywords if isinstance(k.value, ast.Constant))
            labels = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("_LABELS") for t in node.targets
            )
            if labels and isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
                found.update(v.value for v in node.value.values if isinstance(v, ast.Constant))
    return sorted(w for w in found if isinstance(w, str))


def ledger_errors_built_otherwise() -> list[str]:
    """Where ledger/governance raises an error with a sentence neither fixed nor a `say` template.

    An f-string, ``+``, ``%`` or ``.format`` would reach a member in English whatever their
    language; each is named as ``path:line``."""
    found: list[str] = []
    for path in sorted((ROOT / "ledger" / "governance").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in ERROR_CLASSES and node.args:
                first = node.args[0]
                fixed = isinstance(first, ast.Constant) or (isinstance(first, ast.Name) and first.id in constants)
                templated = (
                    isinstance(first, ast.Call)
                    and _name(first.func) == "say"
                    and bool(first.args)
                    and isinstance(first.args[0], ast.Call)
                    and _name(first.args[0].func) == "N_"
                )
                if not (fixed or templated):
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _constants(tree: ast.Module) -> dict[str, str]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            value = node.value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                out[node.targets[0].id] = value.value
    return out


def _text(node: ast.expr, constants: dict[str, str]) -> str:
    if isinstance(node, ast.Call) and _name(node.func) in TRANSLATED and node.args:
        return PLACEHOLDER.sub("it", _text(node.args[0], constants))  # _("... %(what)s ...", what=...)
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value if isinstance(v, ast.Constant) and isinstance(v.value, str) else "it" for v in node.values
        )
    if isinstance(node, ast.Name):
        return constants.get(node.id, "")
    return ""


def english_catalogue() -> Catalog:
    """The English source catalogue, in memory, as `pybabel extract -F babel.cfg -k N_ -k say_count:1,2` would."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)  # type: ignore[no-untyped-call]
    catalogue = Catalog(locale="en")
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "pgettext": ((1, "c"), 2),
        "N_": None,
        "say_count": (1, 2),
    }
    for file, line, message, _comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords
    ):
        found = catalogue.get(message, context)
        if found is not None:
            found.locations.append((file, line))
        else:
            catalogue.add(message, None, locations=[(file, line)], context=context)
    return catalogue


def english_messages() -> list[str]:
    """Every msgid (the singular and plural of each plural message) of the English source catalogue."""
    out: list[str] = []
    for m in english_catalogue():
        if m.id:
            out.extend(str(x) for x in (m.id if isinstance(m.id, (tuple, list)) else [m.id]))
    return out


def as_read(message: str) -> str:
    """A catalogue message as a member reads it: markup dropped, each placeholder read as the word "it"."""
    return " ".join(PLACEHOLDER.sub("it", MARKUP.sub("", message)).split())


def catalogue_texts() -> list[str]:
    """Every message of the English catalogue long enough to be a sentence (SENTENCE_WORDS), as read.

    The sentences of policies/ are left out here: members read them joined, as a whole outcome
    explanation or rule description, and each whole one is scored (outcome_texts, rule_texts)."""
    texts = set()
    for m in english_catalogue():
        if not m.id or all(str(file).startswith("policies") for file, _line in m.locations):
            continue
        for message in m.id if isinstance(m.id, (tuple, list)) else [m.id]:
            texts.add(as_read(str(message)))
    return sorted(t for t in texts if len(t.split()) >= SENTENCE_WORDS)
