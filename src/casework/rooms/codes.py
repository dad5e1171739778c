"""Room codes: six letters a tutor can read aloud and learners can type without mistakes.

Codes are drawn from letters that do not look like digits or like each other's usual
stand-ins (no B, I, L, O, Q, S, U, V, Z). Some letters that remain are still close when read
off a projector (C and G, E and F, M, N and W, K and X, P and R): every code has a
*skeleton* in which each such group is one letter, the store keeps skeletons unique, and a
room is found by its skeleton. So two rooms whose codes could be taken for each other never
exist at once, and a learner who types G for C still reaches the right room. What a learner
may type for a letter the codes never use (a zero or an O for D, a one or an I for J, a V or a U
for W, B or 8 for P) is read as that letter.
"""

from __future__ import annotations

import re
import secrets

#: The letters codes are made of.
ALPHABET = "ACDEFGHJKMNPRTWXY"
#: Letters in a code.
LENGTH = 6
#: Groups of letters that can be taken for one another; a skeleton keeps the first of each.
LOOK_ALIKE_GROUPS = ("CG", "EF", "MNW", "KX", "PR")
#: What a learner may type for a letter the codes use (read before anything else).
TYPED_AS = {
    "0": "D",
    "O": "D",
    "Q": "D",
    "1": "J",
    "I": "J",
    "V": "W",
    "U": "W",
    "B": "P",
    "8": "P",
}

_SKELETON = {letter: group[0] for group in LOOK_ALIKE_GROUPS for letter in group}


def new_code() -> str:
    """A fresh random code (about 24 bits): for a seminar, not a secret."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise_code(text: str) -> str | None:
    """What a learner typed (any case, spaces, dashes, look-alike digits) as a code, or None if
    it cannot be one."""
    letters = re.sub(r"[\s\-_.]", "", text.upper())
    code = "".join(TYPED_AS.get(ch, ch) for ch in letters)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        return None
    return code


def skeleton(code: str) -> str:
    """The code with each group of look-alike letters written as one letter: two codes with
    the same skeleton could be taken for each other, so only one of them may exist."""
    return "".join(_SKELETON.get(ch, ch) for ch in code)


def display_code(code: str) -> str:
    """The code as shown for reading aloud: two groups of three."""
    return f"{code[:3]} {code[3:]}"
