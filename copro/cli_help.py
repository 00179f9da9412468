"""What each ``copro`` command does, in one plain sentence, and an example: shown by its ``--help``.

Kept in one table, apart from the options, so the sentences read as a set and a test can
check that every command has both (tests/test_newcomer.py).
"""

from __future__ import annotations

import argparse

# The command's words after "copro" -> (what it does, an example command line).
HELP: dict[str, tuple[str, str]] = {
    "": ("Record and check a co-production collective's decisions in a signed, append-only log.", "copro demo"),
    "keys": ("Create, export and replace the ledger's keys.", "copro keys export --format ssh"),
    "keys init": (
        "Create the ledger's keys (events, checkpoints, reports, sealing), protected by $COPRO_KEY_PASSPHRASE.",
        "copro keys init --origin example.org/copro/our-collective",
    ),
    "keys export": (
        "Print a public key, for auditors and funders to check signatures with.",
        "copro keys export --purpose report --format ssh",
    ),
    "keys rotate": ("Replace a signing key with a new one; the change is itself recorded.", "copro keys rotate event"),
    "keys add-post-quantum": (
        "Add an ML-DSA-44 key, so every new checkpoint is also signed in a way quantum computers cannot forge.",
        "copro keys add-post-quantum",
    ),
    "witness": (
        "Run a witness: it countersigns another log's checkpoints only if they extend what it saw before.",
        "copro witness init example.org/witness --dir ./witness",
    ),
    "witness init": ("Create a witness's key and folder.", "copro witness init example.org/w1 --dir ./w1"),
    "witness trust": (
        "Follow a log, given its checkpoint key.",
        "copro witness trust 'example.org/log+1234abcd+AQ...' --dir ./w1",
    ),
    "witness key": ("Print this witness's public key.", "copro witness key --dir ./w1"),
    "witness serve": ("Answer logs' requests to countersign, over HTTP.", "copro witness serve --dir ./w1 --port 7380"),
    "monitor": (
        "Follow a collective's public log, check every new entry, and print evidence if its history changes.",
        "copro monitor https://riverside.example/log/ --state riverside.json --key 'riverside.example/log+12ab+AQ...'",
    ),
    "receipt": (
        "Check a member's receipt.",
        "copro receipt verify my-vote.tlog-proof --key 'example.org/log+1234abcd+AQ...'",
    ),
    "receipt verify": (
        "Check that a receipt's record is in the log its checkpoint signs.",
        "copro receipt verify my-vote.tlog-proof --key 'example.org/log+1234abcd+AQ...'",
    ),
    "log-access": ("Show the public log to named auditors only, or say who may read it.", "copro log-access list"),
    "log-access add": (
        "Let a named auditor read the log; prints their token once.",
        "copro log-access add riverside-auditor",
    ),
    "log-access remove": ("Stop an auditor reading the log.", "copro log-access remove riverside-auditor"),
    "log-access list": ("Say who may read the log.", "copro log-access list"),
    "init": ("Create an empty ledger database in the data folder.", "COPRO_DATA=/srv/copro copro init"),
    "demo": ("Fill an empty data folder with a demo collective to try copro with.", "copro demo"),
    "backup": (
        "Copy the ledger, its keys and its settings into a new folder while copro keeps running.",
        "copro backup /backups/copro-2026-12-02",
    ),
    "checkpoint": (
        "Sign and store a checkpoint: proof of what the log held at this moment.",
        "copro checkpoint --output checkpoint.txt",
    ),
    "verify": (
        "Check every signature, the whole log and every checkpoint, or an exported bundle.",
        "copro verify --bundle bundle.tar.gz",
    ),
    "verify-update": ("Check that a newer bundle extends an older one.", "copro verify-update old.tar.gz new.tar.gz"),
    "serve": ("Serve the web pages members use.", "copro serve --port 5000"),
    "project": (
        "Bring the tallies, participation figures and report snapshot up to date from the log.",
        "copro project --follow",
    ),
    "proof": (
        "Print a proof that one event is in the log, or that the log only grew.",
        "copro proof --consistency 10 20",
    ),
    "export": (
        "Write the whole log as a bundle an auditor can check offline.",
        "copro export bundle.tar.gz --archive",
    ),
    "show": (
        "Print a collective, proposal, agreement or member as it was at a moment.",
        "copro show proposal 0f8e6c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b --as-of 2026-03-01",
    ),
    "report": (
        "Write a signed report for funders about a period.",
        "copro report --from 2026-01-01 --to 2026-03-31 --out report-q1/",
    ),
    "report verify": (
        "Check a report's signatures and recompute every figure in it.",
        "copro report verify report-q1/ --previous report-2025-q4/",
    ),
    "erase": (
        "Erase a person's personal data; the record still checks, and their words read [erased].",
        "copro erase 0f8e6c1a-2b3d-4e5f-8a9b-0c1d2e3f4a5b",
    ),
}


def commands(parser: argparse.ArgumentParser, words: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every command under ``parser`` by its words after "copro" ("" is copro itself)."""
    found = {words: parser}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(commands(sub, f"{words} {name}".strip()))
    return found


def explain(parser: argparse.ArgumentParser) -> None:
    """Give every command its sentence (description) and example (epilog); a command missing one is a bug."""
    for words, command in commands(parser).items():
        sentence, example = HELP[words]
        command.description = sentence
        command.epilog = f"example:\n  {example}"
        command.formatter_class = argparse.RawDescriptionHelpFormatter
