"""Every value on the command line is range-checked: exit 2 and one sentence, before anything is opened."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from copro.cli import build_parser, main

NOT_AN_ID = "not-an-id"
A_UUID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"

# (command line, the option the sentence must name); each value is out of range or malformed.
BAD_VALUES = [
    (["--data", ""], "--data"),
    (["keys", "init", "--origin", "Not A Valid Origin"], "--origin"),
    (["keys", "init", "--origin", "https://example.org/x"], "--origin"),
    (["keys", "export", "--purpose", "seal"], "--purpose"),
    (["keys", "export", "--format", "gpg"], "--format"),
    (["keys", "rotate", "seal"], "purpose"),
    (["keys", "rotate", "event", "--reason", "   "], "--reason"),
    (["keys", "rotate", "event", "--reason", "x" * 1001], "--reason"),
    (["checkpoint", "--output", ""], "--output"),
    (["verify", "--workers", "0"], "--workers"),
    (["verify", "--workers", "-4"], "--workers"),
    (["verify", "--workers", "100000"], "--workers"),
    (["verify", "--workers", "many"], "--workers"),
    (["verify", "--checkpoint", ""], "--checkpoint"),
    (["verify", "--checkpoint-key", "not a key"], "--checkpoint-key"),
    (["serve", "--port", "0"], "--port"),
    (["serve", "--port", "70000"], "--port"),
    (["serve", "--port", "-1"], "--port"),
    (["serve", "--port", "http"], "--port"),
    (["serve", "--host", "two words"], "--host"),
    (["serve", "--host", ""], "--host"),
    (["project", "--interval", "-1"], "--interval"),
    (["project", "--interval", "0"], "--interval"),
    (["project", "--interval", "nan"], "--interval"),
    (["project", "--interval", "inf"], "--interval"),
    (["project", "--interval", "1e12"], "--interval"),
    (["project", "--interval", "soon"], "--interval"),
    (["proof", "--aggregate", NOT_AN_ID, "--version", "1"], "--aggregate"),
    (["proof", "--aggregate", A_UUID, "--version", "0"], "--version"),
    (["proof", "--aggregate", A_UUID, "--version", "-1"], "--version"),
    (["proof", "--aggregate", A_UUID, "--version", "99999999999999999999"], "--version"),
    (["proof", "--aggregate", A_UUID, "--version", "1.5"], "--version"),
    (["proof", "--aggregate", A_UUID, "--version", "9" * 5000], "--version"),
    (["proof", "--aggregate", A_UUID, "--version", "1", "--size", "0"], "--size"),
    (["proof", "--aggregate", A_UUID, "--version", "1", "--size", "-3"], "--size"),
    (["proof", "--aggregate", A_UUID, "--version", "1", "--size", str(2**53)], "--size"),
    (["proof", "--aggregate", A_UUID], "--version"),
    (["proof", "--aggregate", A_UUID, "--version"], "--version"),
    (["erase", NOT_AN_ID], "PERSON_ID"),
    (["erase"], "PERSON_ID"),
    (["no-such-command"], "COMMAND"),
]


def one_sentence(err: str) -> bool:
    text = err.strip()
    return bool(text) and "\n" not in text and text.endswith(".")


@pytest.mark.parametrize(("argv", "option"), BAD_VALUES, ids=[" ".join(a)[:60] for a, _ in BAD_VALUES])
def test_a_bad_value_is_refused_with_one_sentence_and_exit_2(
    argv: list[str], option: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    full = argv if argv[0] == "--data" else ["--data", str(data), *argv]
    code = main(full)
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert one_sentence(err), err
    assert option in err, err
    assert "usage:" not in err and "Traceback" not in err
    assert not data.exists(), "a refused argument opens and writes nothing"


def test_the_sentence_says_what_is_accepted_and_what_was_given(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proof", "--aggregate", A_UUID, "--version", "0"]) == 2
    assert capsys.readouterr().err == (
        "copro proof: --version must be an event version from 1 to 9007199254740991, not '0'; "
        "see 'copro proof --help'.\n"
    )
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port must be a port number from 1 to 65535, not '70000'" in capsys.readouterr().err
    assert main(["project", "--interval", "-1"]) == 2
    assert "--interval must be a number of seconds more than 0" in capsys.readouterr().err


def test_every_argument_of_every_subcommand_is_checked_when_parsed() -> None:
    """A new option without a checking type (or a fixed set of choices) fails here."""
    unchecked: list[str] = []

    def walk(parser: argparse.ArgumentParser, prefix: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    walk(sub, f"{prefix} {name}")
            elif action.nargs == 0 or action.choices is not None:
                continue  # flags (--quiet, --help) and fixed choices
            elif action.type is None or action.type in (int, float, str):
                unchecked.append(f"{prefix} {'/'.join(action.option_strings) or action.dest}")

    walk(build_parser(), "copro")
    assert not unchecked, f"give these a range-checking type from copro.cli_args: {unchecked}"


def test_the_installed_command_refuses_a_bad_value_without_a_traceback(tmp_path: Path) -> None:
    env = {**os.environ, "COPRO_DATA": str(tmp_path / "data")}
    result = subprocess.run(
        [sys.executable, "-m", "copro", "proof", "--aggregate", A_UUID, "--version", "99999999999999999999"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--version must be" in result.stderr
    assert result.stdout == ""


def test_help_still_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["proof", "--help"]) == 0
    assert "--version" in capsys.readouterr().out
