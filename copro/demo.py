"""``copro demo``: a realistic co-produced project, so every screen and report shows something true.

This module guards where the demo may write (only a data folder it owns), undoes a
demo that fails part-way, and seeds the stories of ``copro.stories`` once: running
it twice seeds nothing twice.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import UUID

from copro.stories import PEOPLE, seed
from ledger.governance.recompute import OUTCOMES
from ledger.governance.service import Governance
from ledger.governance.views import GovernanceViews, open_view
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError
from ledger.log.files import data_folder_files
from ledger.log.keys import Purpose, passphrase_from_env
from ledger.log.keystore import KeysFolder
from ledger.log.verify import verify_log

DEMO_MARK = "demo_collective"
DEMO_ORIGIN = "demo.copro.localhost/collective"
EMPTY_FOLDER = "run the demo in an empty folder (make demo uses ./var)"


def demo_keys(config: LedgerConfig) -> list[Path]:
    """Write the demo's unencrypted keys, only into a data folder the demo owns; the files written.

    The demo owns a folder holding no ledger and no key files at all (it writes the
    keys now), or one whose keys it wrote before (origin ``DEMO_ORIGIN``: it writes
    nothing). Anything else may be a real collective's, and an unencrypted key beside
    it would let anyone who reads it forge that collective's history.
    """
    folder = KeysFolder(config.keys_dir)
    state = config.ledger_state()  # refuses a database that is not a copro ledger
    if folder.exists:
        origin = folder.origin()
        if origin != DEMO_ORIGIN:
            # Never seed made-up people and decisions into a real collective's history.
            raise ConfigurationError(
                f"The data folder {config.data_dir} holds the ledger {origin!r}, not a demo; {EMPTY_FOLDER}."
            )
        return []
    if config.keys_dir.exists() and any(config.keys_dir.iterdir()):
        raise ConfigurationError(
            f"The keys folder {config.keys_dir} holds files but no ledger.json, so it may hold a real "
            f"collective's keys; the demo writes its unencrypted keys only where there are none: {EMPTY_FOLDER}."
        )
    if state == "ledger":
        raise ConfigurationError(
            f"The {config.describe()} holds a ledger whose keys are not in {config.keys_dir}; the demo "
            f"will not write keys for a ledger it did not make: {EMPTY_FOLDER}."
        )
    folder.init(DEMO_ORIGIN, None)
    return [folder.key_path(p) for p in Purpose]


@contextmanager
def undone_on_failure(config: LedgerConfig) -> Iterator[None]:
    """If the demo fails part-way, remove the files it created, so no half-seeded demo is left.

    Only files that did not exist before are removed; a database that was there before
    is left as it was. On PostgreSQL nothing is removed: copro never drops a database's
    tables, and the keys stay with the events they signed; a later run refuses the
    half-seeded ledger with a sentence.
    """
    before = {p for p in data_folder_files(config.data_dir) if p.exists()}
    try:
        yield
    except BaseException as e:
        if config.database_url is not None:
            if isinstance(e, ConfigurationError):
                raise  # refused before anything was written
            print(
                f"copro: the demo did not finish; the {config.describe()} may hold part of it: "
                "empty that database before running the demo again.",
                file=sys.stderr,
            )
            raise
        new = {p for p in data_folder_files(config.data_dir) if p.exists() and p not in before}
        created = sorted(p for p in new if p.parent not in new)  # a new folder goes with what is in it
        for path in created:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
        if created:
            print(
                f"copro: the demo did not finish; removed what it had created in {config.data_dir} "
                f"({', '.join(p.name for p in created)}), so nothing half-seeded is left.",
                file=sys.stderr,
            )
        raise


def seed_demo(config: LedgerConfig) -> Iterator[str]:
    keys = KeysFolder(config.keys_dir).load(passphrase_from_env(required=False))
    gov = Governance.open(config, keys, create=True)
    try:
        existing = gov.merkle_log.meta().get(DEMO_MARK)
        if existing:
            yield f"The demo collective is already seeded ({existing}); nothing added."
        elif gov.merkle_log.log_size() > 1:  # more than the keyring: a demo that stopped part-way, or not a demo
            raise ConfigurationError(
                f"The {config.describe()} holds {gov.merkle_log.log_size()} events but no finished demo "
                "(a demo that stopped part-way?); empty it, or delete the data folder, and run the demo again."
            )
        else:
            cid = seed(gov)
            gov.merkle_log.set_meta_once(DEMO_MARK, cid.hex)
            yield f"Seeded the demo collective {cid} with {len(PEOPLE)} members."
        views = GovernanceViews(gov, open_view(config))
        views.catch_up()
        gov.checkpoint()
        size = gov.merkle_log.log_size()
        yield f"Ledger {keys.origin} in the {config.describe()}: {size} signed events, checkpointed."
    finally:
        gov.close()
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES)
    yield (
        f"Verified: {report.leaves} events, {report.checkpoints} checkpoints, "
        f"{report.outcomes} outcomes recomputed: {'OK' if report.ok else 'FAILED'}."
    )


def demo_people(gov: Governance) -> list[tuple[str, UUID]]:
    """(name, member id) of every demo member, for sign-in links."""
    cid = gov.merkle_log.meta().get(DEMO_MARK)
    if not cid:
        return []
    collective = gov.collective(UUID(cid))
    return [(gov.member_name(m), m) for m in collective.active_members()]
