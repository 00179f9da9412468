"""The rule files a bundle carries: the exact TOML every opened proposal was decided under.

An auditor recomputing an outcome needs the rule text in force, byte for byte. A
proposal records the rule's name, its policy hash and the agreement that holds it
(``Proposal.Opened``); the agreement's ``Drafted`` event holds the text. That is
governance knowledge, so it plugs into the log's exporter (``ledger.log.bundle.export``)
from here, as the outcome check plugs into ``copro verify``.

It reads the two kinds of record as they stream past and replays no aggregate.
Each file is named by the policy hash the proposal recorded; where two rule texts
share a hash (they differ only in layout or comments), the first agreement's text
in log order is kept: any text that parses to the same rule recomputes the same
outcome. The exporter does not check that a text hashes to its name: a bundle
holds what the log says, and the bundle verifier judges it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from uuid import UUID

from ledger.log.bundle.export import BundleFiles
from ledger.log.bundle.layout import LayoutError, policy_path

DRAFTED = "copro/1/Agreement.Drafted"
OPENED = "copro/1/Proposal.Opened"


def _uuid(value: Any) -> UUID | None:
    """A payload's ``{"_type_": "uuid_hex", "_data_": hex}`` (docs/FORMAT.md section 1), or None."""
    if isinstance(value, dict) and value.get("_type_") == "uuid_hex":
        try:
            return UUID(hex=str(value.get("_data_")))
        except ValueError:
            return None
    return None


class PolicyFiles:
    """Collects the agreements' rule texts and the rule each proposal opened under."""

    def __init__(self) -> None:
        self._texts: dict[UUID, dict[str, str]] = {}  # agreement -> rule name -> TOML text
        self._files: dict[str, bytes] = {}

    def see(self, leaf_index: int, topic: str, originator_id: UUID, payload: bytes) -> None:
        try:
            body = json.loads(payload)
        except ValueError:
            return  # not JSON: the bundle verifier names this record; it names no rule
        if not isinstance(body, dict):
            return
        if topic == DRAFTED and isinstance(body.get("policies"), dict):
            self._texts[originator_id] = {str(k): v for k, v in body["policies"].items() if isinstance(v, str)}
        elif topic == OPENED:
            self._opened(body)

    def _opened(self, body: dict[str, Any]) -> None:
        agreement = _uuid(body.get("agreement_id"))
        text = self._texts.get(agreement, {}).get(str(body.get("policy_name"))) if agreement else None
        if text is None:
            return  # the agreement or its rule is not in the log: the verifier reports the outcome
        try:
            path = policy_path(str(body.get("policy_hash")))
        except LayoutError:
            return  # a malformed hash names no file; the verifier reports the outcome
        self._files.setdefault(path, text.encode("utf-8"))

    def files(self) -> Mapping[str, bytes]:
        return dict(self._files)


POLICY_FILES = BundleFiles(topics=frozenset({DRAFTED, OPENED}), start=PolicyFiles)
