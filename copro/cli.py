"""The ``copro`` command line: keys, ledger set-up, checkpoints, verification, export.

Exit codes: 0 success; 1 the ledger failed verification, and nothing else; 2 a
usage, configuration or operational problem (a bad value, a missing folder, a port
in use, an unreachable database: the sentence says what to do); 70 a bug in copro
(the sentence names a private log file holding the details); 130 interrupted;
141 the output was closed before copro finished writing it (piped into ``head``).
No traceback reaches a person. A command that fails writes nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from copro.backup_cli import add_backup_parser
from copro.cli_args import (
    Parser,
    host_arg,
    interval_arg,
    origin_arg,
    path_arg,
    port_arg,
    size_arg,
    text_arg,
    uuid_arg,
    verifier_key_arg,
    version_arg,
    whole_number,
    workers_arg,
)
from copro.cli_help import explain
from copro.log_access_cli import add_log_access_parser
from copro.monitor_cli import add_monitor_parser
from copro.opening import config_of, load_keys
from copro.receipt_cli import add_receipt_parser
from copro.report_cli import add_report_parser
from copro.settings import check_environment
from copro.witness_cli import add_witness_parser
from ledger.log.config import LedgerConfig
from ledger.log.errors import ConfigurationError, CoproError
from ledger.log.keys import Purpose, b64, openssh_public, pem_public, raw_public
from ledger.log.keystore import KeysFolder
from ledger.log.merkle import ProofError
from ledger.log.operational import operational_sentence
from ledger.log.signed_note import NoteError, NoteVerifier, verifier_key

if TYPE_CHECKING:
    from ledger.governance.report.snapshot import Snapshot
    from ledger.log.application import Ledger

Handler = Callable[[argparse.Namespace], int]
DEFAULT_ORIGIN = "copro.localhost/ledger"
EXIT_BUG = 70  # EX_SOFTWARE (sysexits.h): neither the user's mistake nor a broken ledger
EXIT_PIPE = 141  # what a shell reports for a command stopped by SIGPIPE


_config = config_of
_load_keys = load_keys


def _open(args: argparse.Namespace, *, create: bool = False):  # type: ignore[no-untyped-def]
    from ledger.log.application import Ledger

    config = _config(args)
    return Ledger.open(config, _load_keys(config), create=create)


# -- keys ---------------------------------------------------------------------------


def cmd_keys_init(args: argparse.Namespace) -> int:
    from ledger.log.keys import passphrase_from_env

    config = _config(args)
    config.check_writable()
    passphrase = passphrase_from_env(required=True)
    keys = KeysFolder(config.keys_dir).init(args.origin, passphrase)
    print(f"Created the event, checkpoint, report and seal keys for {keys.origin} in {config.keys_dir}.")
    return 0


def cmd_keys_export(args: argparse.Namespace) -> int:
    from ledger.log.key_history import key_id_hex, verifier_key_name

    if args.history:
        return cmd_keys_history(args)
    config = _config(args)
    keys = _load_keys(config)
    purpose = Purpose(args.purpose or Purpose.CHECKPOINT.value)
    key = getattr(keys, purpose.value)
    public = key.public_key
    fmt = args.format or "pem"
    if fmt == "pem":
        print(pem_public(public), end="")
    elif fmt == "c2sp":
        print(verifier_key(verifier_key_name(keys.origin, purpose), public))
    elif fmt == "json":
        raw = raw_public(public)
        doc = {
            "origin": keys.origin,
            "purpose": purpose.value,
            "public_key": b64(raw),
            "key_id": key_id_hex(keys.origin, purpose, raw),
            "c2sp": verifier_key(verifier_key_name(keys.origin, purpose), public),
        }
        print(json.dumps(doc, indent=2))
    elif fmt == "ssh":
        print(openssh_public(public, f"{keys.origin} {purpose.value} key"))
    else:
        raise ConfigurationError(f"--format {fmt} lists keys; use it with --history, or choose pem, ssh, c2sp or json.")
    return 0


def cmd_keys_add_post_quantum(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.asymmetric.mldsa import MLDSA44PrivateKey

    from ledger.log.cosignature import MLDSA44CosignerVerifier
    from ledger.log.keys import passphrase_from_env

    config = _config(args)
    folder = KeysFolder(config.keys_dir)
    key = folder.add_post_quantum(passphrase_from_env(required=False))
    public = MLDSA44PrivateKey.from_seed_bytes(key.secret).public_key().public_bytes_raw()
    print("Every new checkpoint will also carry an ML-DSA-44 signature. Its key, for policy files:")
    print(MLDSA44CosignerVerifier(folder.origin(), public).vkey())
    return 0


def cmd_keys_history(args: argparse.Namespace) -> int:
    """Every key the log's keyring names, with the leaves it was in force; needs only the database."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from ledger.log.application import Ledger
    from ledger.log.key_history import key_history, verifier_key_name

    config = _config(args)
    if config.ledger_state() != "ledger":
        raise ConfigurationError(f"There is no copro ledger in the {config.describe()}; it has no key history.")
    origin, periods = key_history(Ledger.recorder_only(config))
    if args.purpose:
        periods = [p for p in periods if p.purpose.value == args.purpose]
    periods.sort(key=lambda p: (p.first_leaf, list(Purpose).index(p.purpose)))
    fmt = args.format or "text"
    if fmt == "json":
        print(json.dumps({"origin": origin, "keys": [p.as_json(origin) for p in periods]}, indent=2))
        return 0
    if fmt == "text":
        print(f"Every key of {origin}, from the keyring in its log (each in force from its first leaf to its last):")
        print(f"{'purpose':<11} {'key id':<9} {'leaves':<19} public key (base64)")
    for p in periods:
        entry = p.as_json(origin)
        leaves = f"{p.first_leaf} to {p.last_leaf}" if p.last_leaf is not None else f"{p.first_leaf} onward"
        public = Ed25519PublicKey.from_public_bytes(p.public_key)
        if fmt == "text":
            print(f"{p.purpose.value:<11} {entry['key_id']:<9} {leaves:<19} {entry['public_key']}")
        elif fmt == "pem":
            print(f"{p.purpose.value} key {entry['key_id']}, in force at leaves {leaves}")
            print(pem_public(public), end="")
        elif fmt == "ssh":
            span = f"{p.first_leaf}-{p.last_leaf if p.last_leaf is not None else ''}"
            print(openssh_public(public, f"{origin} {p.purpose.value} key, leaves {span}"))
        else:
            print(verifier_key(verifier_key_name(origin, p.purpose), public))
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from ledger.log.keys import passphrase_from_env

    ledger = _open(args)
    passphrase = None if ledger.keys.insecure else passphrase_from_env(required=True)
    new = ledger.rotate_key(Purpose(args.purpose), args.reason, passphrase)
    print(f"Rotated the {args.purpose} key; the new public key is {raw_public(new.public_key).hex()}.")
    return 0


# -- ledger -------------------------------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    ledger = _open(args, create=True)
    print(
        f"The ledger {ledger.keys.origin} is ready in the {ledger.config.describe()}; "
        f"it holds {ledger.merkle_log.log_size()} events."
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from copro.demo import demo_keys, seed_demo, undone_on_failure

    config = _config(args)
    config.check_writable()
    with undone_on_failure(config):  # the seeding only: a closed stdout afterwards undoes nothing
        demo_keys(config)  # loading them below warns, once, that they are unencrypted
        lines = list(seed_demo(config))
    if not getattr(args, "quiet", False):
        for line in lines:
            print(line)
    return 0


class _PendingOutput:
    """A file that will hold a command's result, proven writable before the command changes anything.

    It is written beside its final name and renamed into place at the end, so a
    failure leaves neither a stored result without its file nor a half-written file.
    """

    def __init__(self, target: str) -> None:
        self.target = Path(target)
        if self.target.is_dir():
            raise ConfigurationError(f"{self.target} is a folder; give --output the name of a file to write.")
        self.temporary = self.target.with_name(f".{self.target.name}.{os.getpid()}.tmp")
        try:
            self.fd = os.open(self.temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        except OSError as e:
            raise ConfigurationError(
                f"Cannot write {self.target} ({e.strerror}): choose a file in a folder that exists and that "
                "you can write; nothing was signed or stored."
            ) from None

    def commit(self, text: str) -> None:
        try:
            os.write(self.fd, text.encode("utf-8"))
            os.fsync(self.fd)
        finally:
            os.close(self.fd)
        os.replace(self.temporary, self.target)

    def discard(self) -> None:
        with contextlib.suppress(OSError):  # already closed by a commit that failed part-way
            os.close(self.fd)
        self.temporary.unlink(missing_ok=True)


def cmd_checkpoint(args: argparse.Namespace) -> int:
    # The output file is checked before anything is signed: a checkpoint stored in the ledger
    # is the record, the file only a copy, so a copy that cannot be made must stop the record
    # being made. If writing fails after storing (a full disk), running the command again
    # gives the same stored checkpoint for the same log.
    output = _PendingOutput(args.output) if args.output else None
    inconsistent = False
    try:
        ledger = _open(args)
        note = ledger.checkpoint()
        note, inconsistent = _witness(ledger, note)
        if output is not None:
            output.commit(note)
    except BaseException:
        if output is not None:
            output.discard()
        raise
    print(note, end="")
    return 1 if inconsistent else 0


def _witness(ledger, note: str) -> tuple[str, bool]:  # type: ignore[no-untyped-def]
    """Ask the witnesses in <data>/witnesses.policy to cosign; say on stderr what each answered."""
    from ledger.log.signed_note import Checkpoint
    from ledger.log.witnessing import collect_cosignatures, load_witness_policy

    policy = load_witness_policy(ledger.config.data_dir)
    if policy is None or not policy.urls:
        return note, False
    size = Checkpoint.parse(note[: note.rfind("\n\n") + 1]).size
    note, outcomes = collect_cosignatures(ledger.merkle_log, size, note, policy)
    for outcome in outcomes:
        mark = "ALERT: " if outcome.result == "inconsistent" else ""
        print(f"copro: {mark}{outcome.sentence}", file=sys.stderr)
    return note, any(o.result == "inconsistent" for o in outcomes)


def _check_policy(path: str, note: str, label: str) -> int:
    """``--policy FILE``: the newest checkpoint meets the policy's quorum of witness cosignatures."""
    from ledger.log.tlog_policy import PolicyError, QuorumError, parse_policy

    try:
        policy = parse_policy(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError):
        raise ConfigurationError(f"Cannot read the policy file {path}; give a tlog-policy text file.") from None
    except PolicyError as e:
        raise ConfigurationError(f"{path}: {e}") from None
    if not policy.logs:
        raise ConfigurationError(
            f"The policy {path} names no log; add a line 'log <key>' with the key that "
            "'copro keys export checkpoint --format c2sp' prints."
        )
    try:
        cosigned = policy.check(note)
    except (QuorumError, NoteError) as e:
        print(f"FAILED: {label} does not meet the policy {path}: {e}", file=sys.stderr)
        return 1
    names = ", ".join(sorted(cosigned)) or "no witness (the policy asks for none)"
    print(f"OK: {label} meets the policy {path}: cosigned by {names}.")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    if args.bundle is not None:
        return cmd_verify_bundle(args)
    if args.json or args.since is not None or args.state is not None:
        raise ConfigurationError("--json, --since and --state are for --bundle; add --bundle PATH.")
    from ledger.governance.recompute import OUTCOMES
    from ledger.log.application import Ledger
    from ledger.log.verify import verify_log

    config = _config(args)
    if config.ledger_state() != "ledger":
        raise ConfigurationError(f"There is no copro ledger in the {config.describe()}; nothing to verify.")
    external: list[tuple[str, str]] = []
    for path in args.checkpoint or []:
        try:
            external.append((f"file {path}", Path(path).read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError) as e:
            raise ConfigurationError(
                f"Cannot read the checkpoint file {path}: {e.strerror if isinstance(e, OSError) else 'not UTF-8 text'}."
            ) from None
    verifier = None
    if args.checkpoint_key:
        try:
            verifier = NoteVerifier.parse(args.checkpoint_key)
        except NoteError as e:
            raise ConfigurationError(f"The --checkpoint-key is not a C2SP verifier key: {e}") from None
    recorder = Ledger.recorder_only(config)
    progress_cb, finish = _progress(args.quiet)
    try:
        report = verify_log(
            recorder,
            outcomes=OUTCOMES,
            external_checkpoints=external,
            external_verifier=verifier,
            workers=args.workers,
            progress=progress_cb,
        )
    finally:
        finish()
    if report.ok:
        if not args.quiet:
            print(
                f"OK: {report.origin}: {report.leaves} events, every signature, the Merkle tree and "
                f"{report.checkpoints} checkpoints verify ({report.event_keys} event keys); "
                f"{report.outcomes} recorded outcomes recompute from the rules in force."
            )
        if args.policy is not None:
            stored = recorder.checkpoints()
            if not stored:
                raise ConfigurationError("The ledger has no checkpoint yet; run 'copro checkpoint' first.")
            size, note = stored[-1]
            return _check_policy(args.policy, note, f"the checkpoint of size {size}")
        return 0
    first = report.first
    assert first is not None
    print(f"FAILED: {report.origin}: the first bad record is {first.sentence()}.", file=sys.stderr)
    if len(report.problems) > 1:
        print(f"({len(report.problems) - 1} more problems follow from it or were found elsewhere.)", file=sys.stderr)
    return 1


def _progress(quiet: bool) -> tuple[Callable[[int, int], None] | None, Callable[[], None]]:
    """A progress bar on a terminal; nothing when piped or quiet."""
    if quiet or not sys.stderr.isatty():
        return None, lambda: None
    from rich.progress import Progress

    bar = Progress(transient=True)
    task = bar.add_task("Verifying", total=None)
    bar.start()

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    return update, bar.stop


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve the web front end (werkzeug's server; use gunicorn in production)."""
    from copro.serve import serve

    def config(args: argparse.Namespace) -> LedgerConfig:
        if args.demo:  # seeded in this process, after the port is bound, so the key warning is said once
            args.quiet = True
            cmd_demo(args)
        return _config(args)

    return serve(args, config)


def cmd_project(args: argparse.Namespace) -> int:
    """Bring the read side (tallies, participation) up to date; --follow keeps it there.

    The read side includes the report fold's snapshot (``<data>/cache/report-facts.json``):
    kept fresh here, a report folds only the events since the last poll.
    """
    import time

    from ledger.governance.views import GovernanceViews, open_view

    ledger = _open(args)
    views = GovernanceViews(ledger, open_view(ledger.config))
    done = views.rebuild() if args.rebuild else views.catch_up()
    print(f"{'Rebuilt the views from' if args.rebuild else 'Applied'} {done} events.", flush=True)
    held = _refresh_report_snapshot(ledger, None)
    while args.follow:
        time.sleep(args.interval)
        done = views.catch_up()
        if done:
            print(f"Applied {done} events.", flush=True)
            held = _refresh_report_snapshot(ledger, held)
    return 0


def _refresh_report_snapshot(ledger: Ledger, held: Snapshot | None) -> Snapshot | None:
    """Fold the new events into the report snapshot; a log the report cannot read is said, not fatal:
    the snapshot is a cache, and ``copro verify`` is the place to find what is wrong."""
    from ledger.governance.report.figures import ReportError
    from ledger.governance.report.provenance import ProvenanceError
    from ledger.governance.report_source import refresh

    try:
        return refresh(ledger.merkle_log, ledger.config, held).snapshot
    except (ReportError, ProvenanceError) as e:
        print(f"copro: the report snapshot was not refreshed: {e}", file=sys.stderr, flush=True)
        return None


def cmd_proof(args: argparse.Namespace) -> int:
    if args.consistency is not None:
        return cmd_consistency_proof(args)
    if args.version is None:
        raise ConfigurationError(
            "An inclusion proof needs --version as well as --aggregate (or ask for --consistency OLD NEW)."
        )
    ledger = _open(args)
    if args.size is not None and args.size > ledger.merkle_log.log_size():
        raise ConfigurationError(
            f"--size {args.size} is more than the {ledger.merkle_log.log_size()} events the log holds; "
            "give a size the log has reached, or leave --size out for the whole log."
        )
    try:
        proof = ledger.inclusion_proof(args.aggregate, args.version, args.size)
    except LookupError as e:
        raise ConfigurationError(f"No such event: {e}.") from None
    except ProofError as e:  # the event came after --size
        raise ConfigurationError(f"The event is not in the log at --size {args.size}: {e}") from None
    print(json.dumps(proof, indent=2))
    return 0


def cmd_verify_bundle(args: argparse.Namespace) -> int:
    """``copro verify --bundle PATH``: the numbered checks over an exported bundle, by the auditor's own code."""
    from ledger.governance.audit import governance_replay
    from ledger.log.bundle.verify import run
    from ledger.log.bundle.verify_since import run_incremental

    if args.checkpoint or args.checkpoint_key:
        raise ConfigurationError("--checkpoint and --checkpoint-key are for the live ledger; a bundle brings its own.")
    if args.since is not None or args.state is not None:
        return run_incremental(
            str(args.bundle),
            since=args.since,
            state=args.state,
            as_json=args.json,
            workers=args.workers,
            replay=governance_replay,
        )
    code = run(str(args.bundle), as_json=args.json, workers=args.workers, replay=governance_replay)
    if code != 0 or args.policy is None:
        return code
    from ledger.log.bundle.reader import open_bundle

    return _check_policy(args.policy, open_bundle(args.bundle).checkpoint, "the bundle's checkpoint")


def cmd_verify_update(args: argparse.Namespace) -> int:
    """``copro verify-update OLD NEW``: NEW extends OLD, or self-contained evidence that it does not."""
    from ledger.log.bundle.verify_since import run_update

    return run_update(str(args.old), str(args.new), as_json=args.json, workers=args.workers)


def cmd_export(args: argparse.Namespace) -> int:
    """Write an auditor's bundle (C2SP tlog-tiles layout) of the whole log; needs no keys, only the database."""
    from ledger.governance.bundle_files import POLICY_FILES
    from ledger.log.application import Ledger
    from ledger.log.bundle.export import check_target, export_log

    out = Path(args.out)
    check_target(out, archive=args.archive)  # before the database is opened: a bad OUT writes nothing
    config = _config(args)
    if config.ledger_state() != "ledger":
        raise ConfigurationError(f"There is no copro ledger in the {config.describe()}; nothing to export.")
    summary = export_log(Ledger.recorder_only(config), out, plugins=[POLICY_FILES], archive=args.archive)
    what = "archive" if summary.archive else "folder"
    print(
        f"Exported {summary.tree_size:,} events to the {what} {summary.path} "
        f"({summary.files:,} files, {summary.size_bytes:,} bytes); its checkpoint covers "
        f"{summary.checkpoint_size:,} events."
    )
    if summary.uncovered:
        print(
            f"Note: the last {summary.uncovered:,} events came after the latest checkpoint, so no signed root "
            "covers them yet; run 'copro checkpoint' before exporting to include them."
        )
    return 0


def cmd_consistency_proof(args: argparse.Namespace) -> int:
    """Print the RFC 9162 consistency proof between two tree sizes; needs no keys, only the log."""
    from ledger.log.application import Ledger
    from ledger.log.proofs import ProofRangeError, consistency_bundle

    config = _config(args)
    if config.ledger_state() != "ledger":
        raise ConfigurationError(f"There is no copro ledger in the {config.describe()}; nothing to prove.")
    log = Ledger.recorder_only(config)
    old, new = args.consistency
    try:
        bundle = consistency_bundle(log, log.meta().get("origin", ""), old, new)
    except ProofRangeError as e:
        raise ConfigurationError(str(e)) from None
    except LookupError as e:
        raise ConfigurationError(f"This proof cannot be served: {e}.") from None
    print(json.dumps(bundle, indent=2))
    return 0


tree_size_arg = whole_number(minimum=1, what="a tree size")


def add_proof_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """``copro proof``: an inclusion proof of one event, or a consistency proof between two tree sizes."""
    pr = sub.add_parser("proof", help="print the inclusion proof of one event, or a consistency proof")
    which = pr.add_mutually_exclusive_group(required=True)
    which.add_argument("--aggregate", type=uuid_arg, help="the event's aggregate id (with --version)")
    which.add_argument(
        "--consistency",
        nargs=2,
        type=tree_size_arg,
        metavar=("OLD", "NEW"),
        help="prove that the tree of NEW events extends the tree of OLD events (0 < OLD <= NEW <= log size)",
    )
    pr.add_argument("--version", type=version_arg, default=None)
    pr.add_argument("--size", type=size_arg, default=None)
    pr.set_defaults(handler=cmd_proof)


def cmd_erase(args: argparse.Namespace) -> int:
    """Erase a person: their sign-in and every session first, so nothing more is done in their name, then their key."""
    from ledger.personal.side_store import SideStore
    from ledger.personal.vault import PersonalDataVault
    from web.accounts import AccountStore

    ledger = _open(args)
    accounts = AccountStore(SideStore(ledger.config, "accounts"), secret_key="")  # forgetting signs nothing
    try:
        accounts.forget(args.person)
    finally:
        accounts.close()
    vault = PersonalDataVault.of(ledger.config, ledger.keys.seal.secret)
    try:
        erased = vault.erase(args.person)
    finally:
        vault.close()
    print(
        "Erased: their sign-in and every session are gone, and everything they wrote is unreadable everywhere."
        if erased
        else "Nothing more to erase: no key is held for that person (already erased?); any sign-in is gone."
    )
    return 0


def moment_arg(text: str) -> datetime:
    """``--as-of``: an ISO 8601 date or time with its offset (see ``ledger.governance.history.parse_moment``)."""
    from ledger.governance.history import parse_moment

    try:
        return parse_moment(text)
    except CoproError as e:
        raise argparse.ArgumentTypeError(str(e).rstrip(".")) from None


def cmd_show(args: argparse.Namespace) -> int:
    """Print a collective, proposal, agreement or member as it stood at a moment, from the log (or a bundle)."""
    from ledger.governance.history import describe, sealed_shown

    moment = args.as_of or datetime.now(UTC)
    if args.bundle is not None:
        from ledger.governance.bundle_history import load_bundle

        state = load_bundle(args.bundle).as_of(args.kind, args.id, moment)
        lines = describe(state, sealed_shown)
    else:
        from ledger.governance.history import ViewVersionIndex, load_as_of
        from ledger.governance.service import Governance
        from ledger.governance.views import GovernanceViews, open_view

        config = _config(args)
        gov = Governance.open(config, _load_keys(config))
        try:
            views = GovernanceViews(gov, open_view(config))
            views.catch_up()  # the index holds every event recorded so far
            state = load_as_of(gov.repository, ViewVersionIndex(views.view), args.kind, args.id, moment)
            lines = describe(state, gov.reveal)
        finally:
            gov.close()
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        print(f"{label + ':':<{width + 1}} {value}")
    return 0


def add_show_parser(sub: argparse._SubParsersAction[Parser]) -> None:
    """``copro show``: time travel, the state of one aggregate as of a moment."""
    from ledger.governance.history import KINDS

    sh = sub.add_parser("show", help="print a collective, proposal, agreement or member as it was at a moment")
    sh.add_argument("kind", metavar="KIND", choices=list(KINDS), help=", ".join(KINDS))
    sh.add_argument("id", metavar="ID", type=uuid_arg, help="its id")
    sh.add_argument(
        "--as-of",
        metavar="TIME",
        type=moment_arg,
        help="ISO 8601 date or time with Z or an offset, e.g. 2026-11-02T10:00:00Z (default: now)",
    )
    sh.add_argument(
        "--bundle", metavar="PATH", type=path_arg, help="read an exported bundle (folder or archive) instead"
    )
    sh.set_defaults(handler=cmd_show)


# -- parser -------------------------------------------------------------------------


def add_keys_export_parser(ksub: argparse._SubParsersAction[Parser]) -> None:
    """``copro keys export``: today's public key of one purpose, or (``--history``) every key ever in force."""
    k = ksub.add_parser("export", help="print a public key, or with --history every key the log names")
    k.add_argument(
        "--purpose",
        choices=[p.value for p in Purpose if p is not Purpose.SEAL],
        default=None,
        help="which key (default: checkpoint; with --history: all three)",
    )
    k.add_argument(
        "--format",
        choices=["pem", "c2sp", "ssh", "json", "text"],
        default=None,
        help="pem (the default), ssh, c2sp or json; with --history also text (its default)",
    )
    k.add_argument(
        "--history",
        action="store_true",
        help="every key the log's keyring names, with the leaves in which it was in force (needs no passphrase)",
    )
    k.set_defaults(handler=cmd_keys_export)


def build_parser() -> argparse.ArgumentParser:
    p = Parser(prog="copro", description="A co-production governance ledger.")
    p.add_argument("--data", metavar="DIR", type=path_arg, help="data folder (default: $COPRO_DATA or ./var)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keys = sub.add_parser("keys", help="create, export and rotate the ledger's keys")
    ksub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    k = ksub.add_parser("init", help="create the event, checkpoint, report and seal keys")
    k.add_argument(
        "--origin",
        default=DEFAULT_ORIGIN,
        type=origin_arg,
        help="the log's origin line, e.g. example.org/copro/our-collective",
    )
    k.set_defaults(handler=cmd_keys_init)
    add_keys_export_parser(ksub)
    pq = ksub.add_parser(
        "add-post-quantum",
        help="add an ML-DSA-44 key: every new checkpoint is signed with it too",
        epilog="Example: copro keys add-post-quantum  (prints the key to put in auditors' policy files)",
    )
    pq.set_defaults(handler=cmd_keys_add_post_quantum)
    k = ksub.add_parser("rotate", help="replace a signing key (a logged event)")
    k.add_argument("purpose", choices=[p.value for p in Purpose if p is not Purpose.SEAL])
    k.add_argument("--reason", default="scheduled rotation", type=text_arg)
    k.set_defaults(handler=cmd_keys_rotate)

    sub.add_parser("init", help="create the ledger database").set_defaults(handler=cmd_init)
    sub.add_parser("demo", help="seed a demo ledger in the data folder and exit").set_defaults(handler=cmd_demo)
    c = sub.add_parser("checkpoint", help="sign and store a checkpoint of the log")
    c.add_argument("--output", metavar="FILE", type=path_arg, help="also write the signed note to FILE")
    c.set_defaults(handler=cmd_checkpoint)
    v = sub.add_parser("verify", help="verify every signature, the Merkle tree and every checkpoint")
    v.add_argument(
        "--checkpoint",
        action="append",
        metavar="FILE",
        type=path_arg,
        help="also check a checkpoint you kept (repeatable)",
    )
    v.add_argument(
        "--checkpoint-key",
        metavar="VKEY",
        type=verifier_key_arg,
        help="C2SP verifier key that must have signed those checkpoints",
    )
    v.add_argument(
        "--workers", type=workers_arg, default=None, help="processes for signature checks (default: every core)"
    )
    v.add_argument("--quiet", action="store_true", help="print nothing on success")
    v.add_argument(
        "--bundle", metavar="PATH", type=path_arg, default=None, help="verify an exported bundle instead of the ledger"
    )
    v.add_argument("--json", action="store_true", help="with --bundle: print the numbered checks as JSON")
    v.add_argument(
        "--since", metavar="CHECKPOINT", type=path_arg, default=None, help="with --bundle: check only what is new since"
    )
    v.add_argument(
        "--state",
        metavar="FILE",
        type=path_arg,
        default=None,
        help="with --bundle: remember the last verified checkpoint",
    )
    v.add_argument(
        "--policy",
        metavar="FILE",
        type=path_arg,
        default=None,
        help="also require the newest checkpoint to be cosigned as this C2SP tlog-policy file says",
    )
    v.set_defaults(handler=cmd_verify)
    vu = sub.add_parser("verify-update", help="check that bundle NEW extends bundle OLD (evidence if it does not)")
    vu.add_argument("old", metavar="OLD", type=path_arg)
    vu.add_argument("new", metavar="NEW", type=path_arg)
    vu.add_argument("--json", action="store_true", help="print the checks and any evidence as JSON")
    vu.add_argument("--workers", type=workers_arg, default=None, help="processes for signature checks")
    vu.set_defaults(handler=cmd_verify_update)
    sv = sub.add_parser("serve", help="serve the web front end")
    sv.add_argument("--host", default="127.0.0.1", type=host_arg)
    sv.add_argument("--port", type=port_arg, default=5000)
    sv.add_argument("--demo", action="store_true", help="seed the demo collective first if it is not there yet")
    sv.set_defaults(handler=cmd_serve)
    pj = sub.add_parser("project", help="update the read side (tallies, participation, report snapshot) from the log")
    pj.add_argument("--rebuild", action="store_true", help="drop the views and replay the whole log")
    pj.add_argument("--follow", action="store_true", help="keep applying new events (a projection worker)")
    pj.add_argument("--interval", type=interval_arg, default=1.0, help="seconds between polls with --follow")
    pj.set_defaults(handler=cmd_project)
    add_proof_parser(sub)
    ex = sub.add_parser("export", help="write an auditor's bundle of the whole log (C2SP tlog-tiles layout)")
    ex.add_argument("out", metavar="OUT", type=path_arg, help="a new or empty folder (with --archive: a new file)")
    ex.add_argument(
        "--archive", action="store_true", help="write one .tar.gz file that can be emailed, instead of a folder"
    )
    ex.set_defaults(handler=cmd_export)
    add_show_parser(sub)
    add_report_parser(sub)
    add_witness_parser(sub)
    add_monitor_parser(sub)
    add_receipt_parser(sub)
    add_log_access_parser(sub)
    add_backup_parser(sub)
    e = sub.add_parser("erase", help="erase a person's personal data (deletes their key)")
    e.add_argument("person", metavar="PERSON_ID", type=uuid_arg)
    e.set_defaults(handler=cmd_erase)
    explain(p)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Parse, run one command, and turn every way it can fail into an exit code and one sentence."""
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help (0) or a bad argument (2, already explained in one sentence)
        return e.code if isinstance(e.code, int) else 2
    handler: Handler = args.handler
    try:
        check_environment(data_dir=args.data, mail=False)
        return handler(args)
    except CoproError as e:
        print(f"copro: {e.diagnostics()}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("copro: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader stopped reading (copro proof | head): not an error to explain
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # no second error at exit
        return EXIT_PIPE
    except Exception as e:
        sentence = operational_sentence(e)
        if sentence is not None:
            print(f"copro: {sentence}", file=sys.stderr)
            return 2
        print(f"copro: {_bug_report(e)}", file=sys.stderr)
        return EXIT_BUG


def _bug_report(error: Exception) -> str:
    """Keep the traceback in a private file (it may name paths) and point to it in one sentence."""
    details = "".join(traceback.format_exception(error))
    try:
        fd, name = tempfile.mkstemp(prefix="copro-error-", suffix=".log")  # mode 0600
        with os.fdopen(fd, "w", encoding="utf-8") as log:
            log.write(details)
    except OSError:
        return f"an unexpected error stopped the command ({type(error).__name__}: {error}); please report it."
    return (
        f"an unexpected error stopped the command ({type(error).__name__}); "
        f"the details are in {name}: please send that file with a bug report."
    )


if __name__ == "__main__":
    sys.exit(main())
