"""The ``copro`` command line: keys, ledger set-up, checkpoints, verification.

Exit codes: 0 success; 1 the ledger failed verification; 2 a usage or
configuration problem (the message says what to do). No traceback reaches a
person for a mistake they made.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from uuid import UUID

from ledger.config import LedgerConfig
from ledger.errors import ConfigurationError, CoproError
from ledger.keys import INSECURE_WARNING, Purpose, openssh_public, pem_public, raw_public
from ledger.keystore import KeysFolder, LedgerKeys
from ledger.signed_note import NoteError, NoteVerifier, verifier_key

Handler = Callable[[argparse.Namespace], int]
DEFAULT_ORIGIN = "copro.localhost/ledger"
DEMO_ORIGIN = "demo.copro.localhost/collective"


def _config(args: argparse.Namespace) -> LedgerConfig:
    return LedgerConfig.from_env(args.data)


def _load_keys(config: LedgerConfig) -> LedgerKeys:
    from ledger.keys import passphrase_from_env

    folder = KeysFolder(config.keys_dir)
    return folder.load(passphrase_from_env(required=False))


def _open(args: argparse.Namespace, *, create: bool = False):  # type: ignore[no-untyped-def]
    from ledger.application import Ledger

    config = _config(args)
    return Ledger.open(config, _load_keys(config), create=create)


# -- keys ---------------------------------------------------------------------------


def cmd_keys_init(args: argparse.Namespace) -> int:
    from ledger.keys import passphrase_from_env

    config = _config(args)
    config.check_writable()
    passphrase = passphrase_from_env(required=True)
    keys = KeysFolder(config.keys_dir).init(args.origin, passphrase)
    print(f"Created the event, checkpoint, report and seal keys for {keys.origin} in {config.keys_dir}.")
    return 0


def cmd_keys_export(args: argparse.Namespace) -> int:
    config = _config(args)
    keys = _load_keys(config)
    purpose = Purpose(args.purpose)
    key = getattr(keys, purpose.value)
    public = key.public_key
    if args.format == "pem":
        print(pem_public(public), end="")
    elif args.format == "c2sp":
        name = keys.origin if purpose is Purpose.CHECKPOINT else f"{keys.origin}/{purpose.value}"
        print(verifier_key(name, public))
    else:
        print(openssh_public(public, f"{keys.origin} {purpose.value} key"))
    return 0


def cmd_keys_rotate(args: argparse.Namespace) -> int:
    from ledger.keys import passphrase_from_env

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
        f"it holds {ledger.log.log_size()} events."
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from ledger.demo import seed_demo

    config = _config(args)
    config.check_writable()
    folder = KeysFolder(config.keys_dir)
    if not folder.exists:
        print(INSECURE_WARNING.format(path=config.keys_dir), file=sys.stderr)
        folder.init(DEMO_ORIGIN, None)
    elif folder.origin() != DEMO_ORIGIN:
        # Never seed made-up people and decisions into a real collective's history.
        raise ConfigurationError(
            f"The data folder {config.data_dir} holds the ledger {folder.origin()!r}, not a demo; "
            "run the demo in an empty folder (make demo uses ./var)."
        )
    for line in seed_demo(config):
        print(line)
    return 0


def cmd_checkpoint(args: argparse.Namespace) -> int:
    ledger = _open(args)
    note = ledger.checkpoint()
    if args.output:
        Path(args.output).write_text(note)
    print(note, end="")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from ledger.application import Ledger
    from ledger.verify import verify_log

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
    """Serve the web front end (the Flask development server; use gunicorn in production)."""
    from web import create_app
    from web.links import demo_invitations
    from web.serving import CoproRequestHandler

    app = create_app({"LEDGER_CONFIG": _config(args)})
    base = f"http://{args.host}:{args.port}"
    links = demo_invitations(app, base)
    if links:
        print("Sign-in links for the demo members (each works once; open one per browser profile):")
        for name, roles, link in links:
            print(f"  {name:<14} {roles:<24} {link}")
    print(f"Serving copro on {base}/ (Ctrl+C to stop).", flush=True)
    # The handler keeps invitation tokens out of the access log and versions out of the Server header.
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False, request_handler=CoproRequestHandler)
    return 0


def cmd_project(args: argparse.Namespace) -> int:
    """Bring the read side (tallies, participation) up to date; --follow keeps it there."""
    import time

    from ledger.governance.views import GovernanceViews, open_view

    ledger = _open(args)
    views = GovernanceViews(ledger, open_view(ledger.config))
    done = views.rebuild() if args.rebuild else views.catch_up()
    print(f"{'Rebuilt the views from' if args.rebuild else 'Applied'} {done} events.", flush=True)
    while args.follow:
        time.sleep(args.interval)
        done = views.catch_up()
        if done:
            print(f"Applied {done} events.", flush=True)
    return 0


def cmd_proof(args: argparse.Namespace) -> int:
    ledger = _open(args)
    try:
        proof = ledger.inclusion_proof(args.aggregate, args.version, args.size)
    except LookupError as e:
        raise ConfigurationError(f"No such event: {e}.") from None
    print(json.dumps(proof, indent=2))
    return 0


def cmd_erase(args: argparse.Namespace) -> int:
    from ledger.demo import open_vault

    ledger = _open(args)
    vault = open_vault(ledger)
    erased = vault.erase(args.person)
    print(
        "Erased: their personal data is now unreadable everywhere."
        if erased
        else "Nothing to erase: no key is held for that person (already erased?)."
    )
    return 0


# -- parser -------------------------------------------------------------------------


def uuid_arg(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not an id; ids look like 1b4e28ba-2fa1-11d2-883f-0016d3cca427"
        ) from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="copro", description="A co-production governance ledger.")
    p.add_argument("--data", metavar="DIR", help="data folder (default: $COPRO_DATA or ./var)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    keys = sub.add_parser("keys", help="create, export and rotate the ledger's keys")
    ksub = keys.add_subparsers(dest="keys_command", required=True, metavar="ACTION")
    k = ksub.add_parser("init", help="create the event, checkpoint, report and seal keys")
    k.add_argument(
        "--origin", default=DEFAULT_ORIGIN, help="the log's origin line, e.g. example.org/copro/our-collective"
    )
    k.set_defaults(handler=cmd_keys_init)
    k = ksub.add_parser("export", help="print a public key")
    k.add_argument("--purpose", choices=[p.value for p in Purpose if p is not Purpose.SEAL], default="checkpoint")
    k.add_argument("--format", choices=["pem", "c2sp", "ssh"], default="pem")
    k.set_defaults(handler=cmd_keys_export)
    k = ksub.add_parser("rotate", help="replace a signing key (a logged event)")
    k.add_argument("purpose", choices=[p.value for p in Purpose if p is not Purpose.SEAL])
    k.add_argument("--reason", default="scheduled rotation")
    k.set_defaults(handler=cmd_keys_rotate)

    sub.add_parser("init", help="create the ledger database").set_defaults(handler=cmd_init)
    sub.add_parser("demo", help="seed a demo ledger in the data folder and exit").set_defaults(handler=cmd_demo)
    c = sub.add_parser("checkpoint", help="sign and store a checkpoint of the log")
    c.add_argument("--output", metavar="FILE", help="also write the signed note to FILE")
    c.set_defaults(handler=cmd_checkpoint)
    v = sub.add_parser("verify", help="verify every signature, the Merkle tree and every checkpoint")
    v.add_argument(
        "--checkpoint", action="append", metavar="FILE", help="also check a checkpoint you kept (repeatable)"
    )
    v.add_argument("--checkpoint-key", metavar="VKEY", help="C2SP verifier key that must have signed those checkpoints")
    v.add_argument("--workers", type=int, default=None, help="processes for signature checks (default: every core)")
    v.add_argument("--quiet", action="store_true", help="print nothing on success")
    v.set_defaults(handler=cmd_verify)
    sv = sub.add_parser("serve", help="serve the web front end")
    sv.add_argument("--host", default="127.0.0.1")
    sv.add_argument("--port", type=int, default=5000)
    sv.set_defaults(handler=cmd_serve)
    pj = sub.add_parser("project", help="update the read side (tallies, participation) from the log")
    pj.add_argument("--rebuild", action="store_true", help="drop the views and replay the whole log")
    pj.add_argument("--follow", action="store_true", help="keep applying new events (a projection worker)")
    pj.add_argument("--interval", type=float, default=1.0, help="seconds between polls with --follow")
    pj.set_defaults(handler=cmd_project)
    pr = sub.add_parser("proof", help="print the inclusion proof of one event")
    pr.add_argument("--aggregate", required=True, type=uuid_arg)
    pr.add_argument("--version", type=int, required=True)
    pr.add_argument("--size", type=int, default=None)
    pr.set_defaults(handler=cmd_proof)
    e = sub.add_parser("erase", help="erase a person's personal data (deletes their key)")
    e.add_argument("person", metavar="PERSON_ID", type=uuid_arg)
    e.set_defaults(handler=cmd_erase)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except CoproError as e:
        print(f"copro: {e.diagnostics()}", file=sys.stderr)
        return e.exit_code
    except OSError as e:
        where = f" ({e.filename})" if e.filename else ""
        print(f"copro: {e.strerror or e}{where}; check the path and its permissions.", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("copro: interrupted; nothing half-written was kept.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
