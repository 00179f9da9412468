"""Opening what a command works on: the data folder's configuration and the ledger's keys.

Shared by every command module (``copro.cli``, ``copro.report_cli``), so none of them
imports another.
"""

from __future__ import annotations

import argparse

from ledger.log.config import LedgerConfig
from ledger.log.files import secure_data_folder
from ledger.log.keys import passphrase_from_env
from ledger.log.keystore import KeysFolder, LedgerKeys


def config_of(args: argparse.Namespace) -> LedgerConfig:
    """The configuration for ``--data`` and the environment; an older folder's modes are tightened, once."""
    config = LedgerConfig.from_env(args.data)
    secure_data_folder(config.data_dir)
    return config


def load_keys(config: LedgerConfig) -> LedgerKeys:
    """The ledger's keys, opened with the passphrase from the environment if there is one."""
    return KeysFolder(config.keys_dir).load(passphrase_from_env(required=False))
