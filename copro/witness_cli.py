"""``copro witness``: run a C2SP tlog-witness for other people's logs.

A partner organisation runs ``copro witness init``, gives the printed witness key
to the log's operator, adds the log's checkpoint key with ``copro witness trust``,
and serves ``POST /add-checkpoint`` with ``copro witness serve``.  The HTTP layer
here is deliberately thin: the decision on every request, and what is stored, is
in ``ledger.log.witness``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from copro.cli_args import host_arg, path_arg, port_arg, text_arg
from ledger.log.keys import passphrase_from_env
from ledger.log.witness import MAX_BODY, TEXT_TYPE, WitnessState
from ledger.log.witness_folder import WitnessFolder

__all__ = ["add_witness_parser", "witness_app"]


def witness_app(state: WitnessState) -> Any:
    """The WSGI application of a witness: one endpoint, ``POST /add-checkpoint``."""
    from werkzeug.wrappers import Request, Response

    def plain(status: int, sentence: str, **headers: str) -> Response:
        return Response(sentence + "\n", status=status, content_type=TEXT_TYPE, headers=headers)

    @Request.application
    def app(request: Request) -> Response:
        if request.path != "/add-checkpoint":
            return plain(404, "This witness answers only POST /add-checkpoint.")
        if request.method != "POST":
            return plain(405, "Send the checkpoint with POST.", Allow="POST")
        length = request.content_length
        if length is not None and length > MAX_BODY:
            return plain(413, f"The request is larger than {MAX_BODY} bytes.")
        body = request.stream.read(MAX_BODY + 1)
        answer = state.add_checkpoint(body, int(time.time()))
        return Response(answer.body, status=answer.status, content_type=answer.content_type)

    return app


def cmd_witness_init(args: argparse.Namespace) -> int:
    passphrase = passphrase_from_env()
    assert passphrase is not None
    cosigner = WitnessFolder(Path(args.dir)).init(args.name, passphrase)
    print("Witness created. Give this witness key to the log's operator:")
    print(cosigner.verifier().vkey())
    return 0


def cmd_witness_trust(args: argparse.Namespace) -> int:
    verifier = WitnessFolder(Path(args.dir)).trust(args.vkey)
    print(f"This witness now follows the log {verifier.name}.")
    return 0


def cmd_witness_key(args: argparse.Namespace) -> int:
    print(WitnessFolder(Path(args.dir)).cosigner(passphrase_from_env(required=False)).verifier().vkey())
    return 0


def cmd_witness_serve(args: argparse.Namespace) -> int:
    from werkzeug.serving import make_server

    from copro.serve import bind_socket

    state = WitnessFolder(Path(args.dir)).open(passphrase_from_env(required=False))
    listening = bind_socket(args.host, args.port)
    try:
        server = make_server(args.host, args.port, witness_app(state), threaded=True, fd=listening.fileno())
    finally:
        listening.close()
    logs = ", ".join(sorted(state.logs)) or "no log yet (add one with 'copro witness trust')"
    print(f"Witness {state.cosigner.name} serving on http://{args.host}:{args.port}/ for {logs}.", flush=True)
    server.serve_forever()
    return 0


def add_witness_parser(sub: Any) -> None:
    w = sub.add_parser(
        "witness",
        help="run a witness that cosigns other people's log checkpoints",
        description="Run a C2SP tlog-witness: it cosigns a log's checkpoints only if they extend what it saw before.",
        epilog="Example: copro witness init example.org/witness --dir ./witness",
    )
    wsub = w.add_subparsers(dest="witness_command", required=True, metavar="ACTION")
    i = wsub.add_parser(
        "init", help="create a witness key and folder", epilog="Example: copro witness init example.org/w1 --dir ./w1"
    )
    i.add_argument("name", type=text_arg, help="the witness's name, e.g. example.org/witness")
    i.add_argument("--dir", required=True, type=path_arg, help="the witness's own folder")
    i.set_defaults(handler=cmd_witness_init)
    t = wsub.add_parser(
        "trust",
        help="follow a log, given its checkpoint key",
        epilog="Example: copro witness trust 'example.org/log+1234abcd+AQ...' --dir ./w1",
    )
    t.add_argument("vkey", type=text_arg, help="the log's checkpoint verifier key (copro keys export checkpoint)")
    t.add_argument("--dir", required=True, type=path_arg)
    t.set_defaults(handler=cmd_witness_trust)
    k = wsub.add_parser("key", help="print this witness's public key", epilog="Example: copro witness key --dir ./w1")
    k.add_argument("--dir", required=True, type=path_arg)
    k.set_defaults(handler=cmd_witness_key)
    s = wsub.add_parser(
        "serve",
        help="answer add-checkpoint requests over HTTP",
        epilog="Example: copro witness serve --dir ./w1 --port 7380",
    )
    s.add_argument("--dir", required=True, type=path_arg)
    s.add_argument("--host", default="127.0.0.1", type=host_arg)
    s.add_argument("--port", default=7380, type=port_arg)
    s.set_defaults(handler=cmd_witness_serve)
