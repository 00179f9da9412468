"""What a ledger holds, in one comparable value: a refused request must leave it exactly as it was.

The signed log (its Merkle tree size and the last notification id) and the side stores
beside it (person keys, erasures, sign-in accounts and invitations) are all read, so a
command that saved, sealed a value (which can create a person key) or touched an account
before refusing is caught, whichever store it wrote to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ledger.governance.service import Governance
from ledger.log.config import LedgerConfig
from ledger.personal.side_store import SideStore

PERSONAL = (
    "SELECT person_id, nonce, wrapped FROM copro_person_keys ORDER BY person_id",
    "SELECT person_id FROM copro_erased_people ORDER BY person_id",
)
ACCOUNTS = (
    "SELECT member_id, collective_id, username, passphrase_hash, epoch FROM copro_accounts ORDER BY member_id",
    "SELECT nonce_hash, member_id, collective_id, used FROM copro_invitations ORDER BY nonce_hash",
)


@dataclass(frozen=True)
class Held:
    log_size: int
    last_notification: int | None
    personal: tuple[tuple[Any, ...], ...]
    accounts: tuple[tuple[Any, ...], ...]


def _rows(store: SideStore, queries: tuple[str, ...]) -> tuple[tuple[Any, ...], ...]:
    rows: list[tuple[Any, ...]] = []
    for sql in queries:
        rows.extend(tuple(bytes(v) if isinstance(v, memoryview) else v for v in row) for row in store.execute(sql))
    return tuple(rows)


def held(gov: Governance, config: LedgerConfig | None = None) -> Held:
    """Everything the ledger holds now. With ``config``, the sign-in accounts too (the web keeps them)."""
    accounts: tuple[tuple[Any, ...], ...] = ()
    if config is not None:
        store = SideStore(config, "accounts")
        try:
            accounts = _rows(store, ACCOUNTS)
        finally:
            store.close()
    return Held(
        log_size=gov.merkle_log.log_size(),
        last_notification=gov.recorder.max_notification_id(),
        personal=_rows(gov.vault.store, PERSONAL),
        accounts=accounts,
    )
