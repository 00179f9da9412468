"""A newcomer's first ten minutes: what `make demo` prints, the guides' pictures and links, and --help.

The demo's set-up runs in a fresh folder in its own process, as `make demo` runs it
(seeding in the process that serves), up to the screen it prints before serving.
"""

from __future__ import annotations

import hashlib
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from copro.cli import build_parser
from copro.cli_help import commands
from copro.stories import GROUPS, PEOPLE
from tests import test_guide_screenshots

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
GUIDES = sorted((ROOT / "docs" / "guide").glob("*.md"))

SET_UP_AND_SCREEN = """
import sys
from copro.cli import _config, build_parser, cmd_demo
from copro.serve import welcome_screen
from web import create_app

args = build_parser().parse_args(["--data", sys.argv[1], "serve", "--demo"])
args.quiet = True
cmd_demo(args)
config = _config(args)
print("\\n".join(welcome_screen(create_app({"LEDGER_CONFIG": config}), "http://127.0.0.1:5000", config)))
"""


@pytest.fixture(scope="module")
def demo_output(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    folder = tmp_path_factory.mktemp("fresh") / "var"
    done = subprocess.run(
        [sys.executable, "-c", SET_UP_AND_SCREEN, str(folder)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "HOME": str(folder.parent)},
    )
    assert done.returncode == 0, done.stderr
    return (done.stderr + done.stdout).splitlines()


def test_the_demo_says_the_keys_are_unencrypted_once_and_warns_of_nothing_else(demo_output: list[str]) -> None:
    warnings = [line for line in demo_output if re.search(r"warn|deprecat|error|traceback", line, re.I)]
    assert len(warnings) == 1 and "not protected by a passphrase" in warnings[0], warnings


def test_the_demo_screen_names_every_person_with_their_group_and_fits_one_screen(demo_output: list[str]) -> None:
    assert len(demo_output) < 40, "\n".join(demo_output)
    for name, _contact, groups, _needs in PEOPLE:
        row = next((line for line in demo_output if line.strip().startswith(name)), None)
        assert row is not None, f"{name} is not in the table"
        for group in groups:
            assert GROUPS[group] in row, f"{name}'s row does not say they are in {GROUPS[group]}"
        assert "/invite/" in row
    text = "\n".join(demo_output)
    assert "invitation" in text and "Try this first" in text
    assert "lived experience" in text.split("Try this first")[1] and "facilitator" in text.split("Try this first")[1]


def embedded_images(markdown: Path) -> list[Path]:
    return [
        (markdown.parent / target).resolve() for target in re.findall(r"!\[[^\]]*\]\(([^)\s]+)\)", markdown.read_text())
    ]


def test_every_picture_a_guide_embeds_was_taken_by_the_current_screenshot_test() -> None:
    img = ROOT / "docs" / "guide" / "img"
    manifest = json.loads((img / "manifest.json").read_text())
    assert manifest["produced_by"] == (
        "tests/test_guide_screenshots.py::" + test_guide_screenshots.test_take_the_guides_screenshots.__name__
    )
    assert sorted(manifest["files"]) == sorted(test_guide_screenshots.SHOTS), "the manifest is of an older test"
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((img / name).read_bytes()).hexdigest() == digest, f"{name} is not the picture taken"
    embedded = [p for doc in [ROOT / "README.md", *GUIDES] for p in embedded_images(doc)]
    assert embedded, "the guides show pictures"
    for picture in embedded:
        assert picture.parent == img and picture.name in manifest["files"], f"{picture} is not a taken picture"
    for guide in GUIDES:
        if guide.name not in ("README.md", "operators.md"):  # operators work at the command line
            assert embedded_images(guide), f"{guide.name} shows no picture"


def anchors(markdown: Path) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    found = set()
    for heading in re.findall(r"^#+ (.+)$", markdown.read_text(), re.M):
        found.add(re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-"))
    return found


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_link_in_the_readme_and_docs_resolves(doc: Path) -> None:
    text = re.sub(r"```.*?```", "", doc.read_text(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target):
            continue  # a web address: not checked offline
        path, _, anchor = target.partition("#")
        resolved = (doc.parent / path).resolve() if path else doc
        assert resolved.exists(), f"{doc.name} links to {target}, which does not exist"
        if anchor:
            assert anchor in anchors(resolved), f"{doc.name} links to {target}: no such heading"


def test_every_command_says_what_it_does_and_shows_an_example_that_parses() -> None:
    parser = build_parser()
    for words, command in commands(parser).items():
        text = command.format_help()
        example = re.search(r"^example:\n  (?:\w+=\S+ )*(copro .+)$", text, re.M)
        assert example, f"copro {words} --help shows no example"
        assert command.description and command.description.endswith("."), f"copro {words}: no sentence"
        argv = shlex.split(example.group(1))[1:]
        assert argv[: len(words.split())] == words.split() or not words, f"the example is not of copro {words}"
        build_parser().parse_args(argv)  # exits 2 if the example is not a valid command line
