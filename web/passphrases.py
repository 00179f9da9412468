"""Passphrases: normalised the same way everywhere, and refused when easy to guess.

A passphrase is NFC-normalised before it is hashed and before every check, so "café"
typed on a phone that sends é as e + combining accent (NFD) matches "café" typed on a
laptop that sends one é (NFC). Strength is judged by zxcvbn (Dropbox's estimator: common
and breached passwords, names, words, keyboard patterns, dates), with the person's sign-in
name and own name counted as known to an attacker; anything below score 3 ("safely
unguessable" against online attacks and a slow hash) is refused with zxcvbn's reason,
in plain words, and what to do instead.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable
from typing import Any

from zxcvbn import zxcvbn

from web.messages import N_, _

PASSPHRASE_MIN = 12
PASSPHRASE_MAX = 1000
MIN_SCORE = 3
# zxcvbn's matching grows faster than linearly with length; the first 100 characters decide.
_JUDGED = 100
# zxcvbn keeps the user inputs in a module-level dictionary: one judgement at a time.
_zxcvbn_lock = threading.Lock()

_PLAIN = {
    "Straight rows of keys are easy to guess.": N_("it is a straight row of keys on the keyboard"),
    "Short keyboard patterns are easy to guess.": N_("it is a short pattern on the keyboard"),
    'Repeats like "aaa" are easy to guess.': N_("it repeats the same character"),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': N_("it repeats the same few characters"),
    'Sequences like "abc" or "6543" are easy to guess.': N_('it is a sequence like "abc" or "6543"'),
    "Recent years are easy to guess.": N_("it uses a recent year"),
    "Dates are often easy to guess.": N_("it uses a date"),
    "This is a top-10 common password.": N_("it is one of the ten most common passwords"),
    "This is a top-100 common password.": N_("it is one of the hundred most common passwords"),
    "This is a very common password.": N_("it is a very common password"),
    "This is similar to a commonly used password.": N_("it is close to a commonly used password"),
    "A word by itself is easy to guess.": N_("a single word is easy to guess"),
    "Names and surnames by themselves are easy to guess.": N_("a name on its own is easy to guess"),
    "Common names and surnames are easy to guess.": N_("it is made of common names"),
}
_WHAT_TO_DO = N_("Choose four or more words that do not belong together and that nobody would link to you.")


_FROM_NAMES = N_("it is built from your sign-in name or your own name, which others know")


class PassphraseError(ValueError):
    """A passphrase that cannot be used; the message says why and what to do."""


def normalise(passphrase: str) -> str:
    """The form that is hashed and checked: NFC, nothing else changed (spaces count)."""
    return unicodedata.normalize("NFC", passphrase)


def check(passphrase: str, *, known: Iterable[str] = ()) -> str:
    """The normalised passphrase, or PassphraseError saying why it cannot be used.

    ``known`` are words an attacker would try first: the sign-in name, the member's name.
    """
    passphrase = normalise(passphrase)
    if len(passphrase) < PASSPHRASE_MIN:
        raise PassphraseError(
            _("Choose a passphrase of at least %(least)s characters; a few words work well.", least=PASSPHRASE_MIN)
        )
    if len(passphrase) > PASSPHRASE_MAX:
        raise PassphraseError(_("That passphrase is too long; keep it under %(most)s characters.", most=PASSPHRASE_MAX))
    inputs = sorted({w for text in known for w in (text, "".join(text.split()), *text.replace(".", " ").split()) if w})
    with _zxcvbn_lock:
        result: dict[str, Any] = zxcvbn(passphrase[:_JUDGED], user_inputs=inputs, max_length=_JUDGED)
    if _only_known_words(passphrase, inputs):
        raise PassphraseError(_too_easy(_FROM_NAMES))
    if result["score"] < MIN_SCORE:
        raise PassphraseError(_too_easy(_reason(result)))
    return passphrase


def _only_known_words(passphrase: str, known: Iterable[str]) -> bool:
    """True when the letters of the passphrase are nothing but the known words ("Amara_Okafor_1"), in any order."""
    letters = "".join(c for c in passphrase.casefold() if c.isalpha())
    words = {w for w in ("".join(c for c in k.casefold() if c.isalpha()) for k in known) if len(w) >= 2}
    if not letters or not words:
        return False
    reachable = [True] + [False] * len(letters)  # reachable[i]: letters[:i] splits into known words
    for end in range(1, len(letters) + 1):
        reachable[end] = any(reachable[end - len(w)] and letters.endswith(w, 0, end) for w in words if len(w) <= end)
    return reachable[-1]


def _reason(result: dict[str, Any]) -> str:
    if any(match.get("dictionary_name") == "user_inputs" for match in result["sequence"]):
        return _FROM_NAMES
    warning = str(result["feedback"].get("warning") or "")
    if warning:
        return _PLAIN.get(warning, warning.rstrip(".").lower())
    return N_("it is short or made of common words")


def _too_easy(why: str) -> str:
    """The refusal, in the member's language: why it is easy to guess, and what to choose instead."""
    return _("That passphrase is too easy to guess: %(why)s. %(what_to_do)s", why=_(why), what_to_do=_(_WHAT_TO_DO))
