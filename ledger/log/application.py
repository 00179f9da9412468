"""The ledger application: an eventsourcing Application whose every event is signed and logged.

This module holds what every use case shares: opening a ledger (keys, database,
genesis), signing checkpoints, serving proofs and rotating keys. The governance
use cases live in their own modules and build on :class:`Ledger`.
"""

from __future__ import annotations

from typing import Any, Self, cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import (
    ApplicationRecorder,
    DatetimeAsISO,
    DecimalAsStr,
    InfrastructureFactory,
    IntegrityError,
    JSONTranscoder,
    Mapper,
    UUIDAsHex,
)
from eventsourcing.utils import Environment

from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError, NotALedgerError
from ledger.log.format import LEDGER_FORMAT
from ledger.log.key_schedule import KEYRING_ID
from ledger.log.keyring import Keyring
from ledger.log.keys import KeyFile, Purpose, b64, raw_public
from ledger.log.keystore import KeysFolder, LedgerKeys
from ledger.log.signed_note import Checkpoint, NoteSigner, sign_note
from ledger.log.signing_mapper import SigningMapper
from ledger.log.storage.log_reader import MerkleLogMixin
from ledger.log.transcoding import CanonicalJSONTranscoder, SealedAsDict


def build_transcoder() -> CanonicalJSONTranscoder:
    """The transcoder every reader and writer of a ledger uses, the verifier included."""
    transcoder = CanonicalJSONTranscoder()
    for transcoding in (UUIDAsHex(), DecimalAsStr(), DatetimeAsISO(), SealedAsDict()):
        transcoder.register(transcoding)
    return transcoder


def merkle_log_of(recorder: object, config: LedgerConfig) -> MerkleLogMixin:
    """The recorder as the Merkle log it must be; anything else is a misconfiguration."""
    if not isinstance(recorder, MerkleLogMixin):
        raise ConfigurationError(
            f"The {config.describe()} is opened through {type(recorder).__name__}, which keeps no Merkle log; "
            "set PERSISTENCE_MODULE to ledger.log.storage.sqlite or ledger.log.storage.postgres."
        )
    return recorder


class Ledger(Application[UUID]):
    """A copro ledger. Construct it with :meth:`open`.

    Saving is eventsourcing's own ``Application.save``. The Merkle log is the
    application recorder itself (``ledger.log.storage``), reached as
    :attr:`merkle_log`: a name of its own, because eventsourcing's ``recorder`` is
    typed ``ApplicationRecorder`` and its (deprecated) ``log`` property is the
    notification log, and neither is overridden with another type here.
    """

    name = "Ledger"
    merkle_log: MerkleLogMixin

    def __init__(self, config: LedgerConfig, keys: LedgerKeys, *, create: bool, tables: bool | None = None) -> None:
        """`create`: make the ledger's identity and keyring if they are missing; `tables` (default: `create`):
        run the table statements. They differ when another process is making the same new ledger
        right now: its tables are there, its identity may be only half written."""
        self.config = config
        self.keys = keys
        super().__init__(env=config.eventsourcing_env(create_tables=create if tables is None else tables))
        self._check_identity(create)

    # -- construction -------------------------------------------------------------

    @classmethod
    def open(cls, config: LedgerConfig, keys: LedgerKeys, *, create: bool = False) -> Self:
        """Open an existing ledger, or create it (``create=True``) if the database is empty."""
        state = config.ledger_state()
        if state != "ledger" and not create:
            raise ConfigurationError(
                f"There is no copro ledger in the {config.describe()}; run 'copro init' (or 'make demo') first."
            )
        if state != "ledger":
            config.check_writable()
        return cls(config, keys, create=create, tables=state != "ledger")

    @classmethod
    def recorder_only(cls, config: LedgerConfig) -> MerkleLogMixin:
        """The log without any keys: what an auditor's ``copro verify`` reads."""
        env = Environment(cls.name, config.eventsourcing_env(create_tables=False))
        return merkle_log_of(InfrastructureFactory.construct(env).application_recorder(), config)

    def construct_recorder(self) -> ApplicationRecorder:
        """eventsourcing's recorder, kept also as :attr:`merkle_log` once it is known to be one."""
        recorder = super().construct_recorder()
        self.merkle_log = merkle_log_of(recorder, self.config)
        return recorder

    def construct_mapper(self) -> Mapper[UUID]:
        return SigningMapper(
            self.construct_transcoder(),
            signer=self.keys.event.signing_key,
            verifiers=self.keys.event_history,
        )

    def construct_transcoder(self) -> JSONTranscoder:
        return build_transcoder()

    def _check_identity(self, create: bool) -> None:
        meta = self.merkle_log.meta()
        if create and not ("format" in meta and "origin" in meta):
            # Each value is written once (the first process to get there wins, ``set_meta_once``): a
            # process that saw another's "format" but not yet its "origin" completes it the same way.
            self.merkle_log.set_meta_once("format", LEDGER_FORMAT)
            self.merkle_log.set_meta_once("origin", self.keys.origin)
            meta = self.merkle_log.meta()
        if meta.get("format") != LEDGER_FORMAT:
            raise NotALedgerError(
                f"The {self.config.describe()} holds format {meta.get('format')!r}, "
                f"not {LEDGER_FORMAT}; use a copro ledger."
            )
        if meta.get("origin") != self.keys.origin:
            raise ConfigurationError(
                f"The keys in {self.config.keys_dir} belong to {self.keys.origin!r} but the "
                f"database belongs to {meta.get('origin')!r}; use the matching keys folder."
            )
        if self.merkle_log.log_size() == 0:
            keyring = Keyring(
                origin=self.keys.origin,
                event_key=self.keys.event.public_text(),
                checkpoint_key=self.keys.checkpoint.public_text(),
                report_key=self.keys.report.public_text(),
            )
            try:
                self.save(keyring)
            except IntegrityError:
                # Another process opening this new ledger at the same moment saved the keyring (its id
                # is fixed, so only one can be event 0); that process read the same keys folder.
                if self.merkle_log.log_size() == 0:
                    raise

    # -- checkpoints and proofs ---------------------------------------------------

    @property
    def checkpoint_signer(self) -> NoteSigner:
        return NoteSigner(self.keys.origin, self.keys.checkpoint.signing_key)

    def checkpoint(self) -> str:
        """Sign and store a checkpoint of the log as it stands; return the signed note."""
        size = self.merkle_log.log_size()
        for stored_size, note in self.merkle_log.checkpoints():
            if stored_size == size:
                return note
        cp = Checkpoint(self.keys.origin, size, self.merkle_log.root(size))
        note = sign_note(cp.to_text(), [self.checkpoint_signer])
        if self.keys.post_quantum is not None:
            note += self._post_quantum_line(cp)
        self.merkle_log.add_checkpoint(size, note)
        return note

    def _post_quantum_line(self, cp: Checkpoint) -> str:
        """The log's ML-DSA-44 signature (a C2SP tlog-cosignature of type 0x06 by the log's own PQ key)."""
        import time

        from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

        from ledger.log.cosignature import MLDSA44Cosigner

        assert self.keys.post_quantum is not None
        signer = MLDSA44Cosigner(self.keys.origin, MLDSA44PrivateKey.from_seed_bytes(self.keys.post_quantum.secret))
        return signer.cosign(cp.to_text(), int(time.time()))

    def inclusion_proof(self, aggregate_id: UUID, version: int, size: int | None = None) -> dict[str, Any]:
        """Everything needed to check offline that an event is in the log at ``size``."""
        index = self.merkle_log.leaf_index_of(aggregate_id, version)
        if index is None:
            raise LookupError(f"aggregate {aggregate_id} version {version} is not in the log")
        size = size if size is not None else self.merkle_log.log_size()
        proof = self.merkle_log.inclusion_proof(index, size)
        return {
            "origin": self.keys.origin,
            "leaf_index": index,
            "tree_size": size,
            "root_hash": b64(self.merkle_log.root(size)),
            "inclusion_path": [b64(h) for h in proof],
        }

    # -- keys ---------------------------------------------------------------------

    def keyring(self) -> Keyring:
        return cast(Keyring, self.repository.get(KEYRING_ID))

    def rotate_key(self, purpose: Purpose, reason: str, passphrase: str | None) -> KeyFile:
        """Replace a signing key. The rotation is logged, signed by the key it replaces."""
        if purpose is Purpose.SEAL:
            raise ConfigurationError("The seal key wraps personal-data keys and is not rotated this way.")
        folder = KeysFolder(self.config.keys_dir)
        new, staged = folder.stage_rotation(purpose, passphrase)
        keyring = self.keyring()
        keyring.rotate(purpose=purpose.value, public_key=b64(raw_public(new.public_key)), reason=reason)
        self.save(keyring)
        folder.commit_rotation(purpose, staged)
        setattr(self.keys, purpose.value, new)
        if purpose is Purpose.EVENT:
            cast(SigningMapper, self.mapper).use_signer(new.signing_key)
        return new
