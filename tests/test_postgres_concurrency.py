"""Many writers at once on PostgreSQL: every event gets exactly one leaf, densely, in commit order."""

from __future__ import annotations

import threading

import pytest

from ledger.governance.recompute import OUTCOMES
from ledger.log.application import Ledger
from ledger.log.config import LedgerConfig
from ledger.log.keystore import KeysFolder
from ledger.log.verify import verify_log
from tests.conftest import PASSPHRASE
from tests.diary import Diary

THREADS, EACH = 8, 500


@pytest.mark.postgres
def test_eight_threads_appending_500_events_each_give_4000_dense_leaves(make_config) -> None:  # type: ignore[no-untyped-def]
    config: LedgerConfig = make_config("postgres")
    keys = KeysFolder(config.keys_dir).load(PASSPHRASE)
    ledger = Ledger.open(config, keys, create=True)
    errors: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def writer(n: int) -> None:
        try:
            app = Ledger.open(config, keys)
            start.wait()
            for i in range(EACH):
                app.save(Diary(title=f"writer {n} entry {i}"))
            app.close()
        except BaseException as e:  # reported below
            errors.append(e)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    total = 1 + THREADS * EACH
    assert ledger.merkle_log.log_size() == total
    indexes = [row.leaf_index for batch in ledger.merkle_log.scan() for row in batch]
    assert indexes == list(range(total))
    ledger.checkpoint()
    report = verify_log(Ledger.recorder_only(config), outcomes=OUTCOMES, workers=2)
    assert report.ok, [p.sentence() for p in report.problems[:3]]
    assert report.leaves == total
    ledger.close()
