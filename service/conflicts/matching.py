"""Whether two parties may be the same person or organisation: pure functions, no database.

Each comparison answers a Match (a reason in words and a score from 0 to 1) or None. The database side
(service/conflicts/service.py) narrows the organisation's parties to candidates with the keys computed
here (stored on each party), then asks `compare` about each candidate.

What counts as the same:
- e-mail addresses equal once trimmed and lower-cased; phone numbers with the same 10 digits;
- people: names equal once case, accents, spacing and punctuation are set aside, in either order
  ("Garcia, Jose" is "Jose Garcia"), a first name that is a nickname of the other (from the `nicknames`
  package's curated list), or close spellings (rapidfuzz) of both first and last name. A first name alone
  never matches: the last names must agree first;
- organisations: names equal once legal suffixes (LLC, Inc., N.A., ...) are dropped and each side of a
  "d/b/a" counts as a name of its own, names an admin entered as aliases of one another, or close spellings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable

from rapidfuzz import fuzz

# Scores: how sure a match is. Identifiers are the surest; close spellings the least.
SAME_EMAIL = 1.0
SAME_NAME = 0.97
SAME_PHONE = 0.95
SAME_ORGANISATION = 0.95
REVERSED_NAME = 0.95
KNOWN_ALIAS = 0.9
NICKNAME = 0.85
FUZZY_CEILING = 0.85  # a close spelling scores its similarity times this, so never above a nickname
FUZZY_THRESHOLD = 88  # rapidfuzz ratio (0..100) at or above which two spellings count as close
LAST_NAME_THRESHOLD = 80  # "Smith" / "Smyth"
ORGANISATION_THRESHOLD = 90

# Legal forms and their abbreviations, as they end an organisation's name (after punctuation is removed).
LEGAL_SUFFIXES = (
    "llc",
    "l l c",
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "lp",
    "l p",
    "llp",
    "l l p",
    "pllc",
    "pc",
    "p c",
    "pa",
    "p a",
    "plc",
    "na",
    "n a",
    "fsb",
    "f s b",
    "national association",
    "trust company",
    "lllp",
)
# "X d/b/a Y": X and Y are both names of the party. Also formerly-known-as and also-known-as.
ALTERNATE_NAME_MARKERS = re.compile(
    r"\b(?:d\s*/\s*b\s*/\s*a|dba|a\s*/\s*k\s*/\s*a|aka|f\s*/\s*k\s*/\s*a|fka|"
    r"doing business as|formerly known as|also known as)\b",
    re.IGNORECASE,
)
ORGANISATION_WORDS = frozenset(
    {
        "bank",
        "mortgage",
        "servicing",
        "services",
        "financial",
        "finance",
        "loans",
        "lending",
        "trust",
        "trustee",
        "credit",
        "union",
        "association",
        "fund",
        "capital",
        "holdings",
        "group",
        "federal",
        "savings",
        "partners",
        "law",
        "firm",
        "attorneys",
        "investments",
        "realty",
        "properties",
        "homes",
        "county",
        "city",
        "department",
    }
)


@dataclass(frozen=True)
class PartyName:
    """A party as the matcher sees it: a name, whether it is an organisation, and identifiers."""

    name: str
    is_organisation: bool = False
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Match:
    reason: str
    score: float


@dataclass
class AliasBook:
    """Groups of organisation names that are one servicer (admins keep them). Keys are organisation keys."""

    groups: dict[str, int] = field(default_factory=dict)
    next_group: int = 1

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> "AliasBook":
        book = cls()
        for name, alias in pairs:
            book.add(name, alias)
        return book

    def add(self, name: str, alias: str) -> None:
        keys = [k for k in organisation_keys(name) + organisation_keys(alias) if k]
        if not keys:
            return
        found = {self.groups[k] for k in keys if k in self.groups}
        if found:
            group = min(found)
        else:
            group, self.next_group = self.next_group, self.next_group + 1
        for key, value in list(self.groups.items()):  # merge the groups this pair joins
            if value in found:
                self.groups[key] = group
        for key in keys:
            self.groups[key] = group

    def same_group(self, left: Iterable[str], right: Iterable[str]) -> bool:
        left_groups = {self.groups[k] for k in left if k in self.groups}
        return any(self.groups.get(k) in left_groups for k in right)

    def keys_like(self, keys: Iterable[str]) -> set[str]:
        """Every key in the same group as one of `keys` (for the candidate query)."""
        groups = {self.groups[k] for k in keys if k in self.groups}
        return {k for k, g in self.groups.items() if g in groups}


# ------------------------------------------------------------------------------------------ normalising


def fold(text: str | None) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces: "José  GARCÍA-Ruiz" -> "jose garcia ruiz"."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    plain = plain.replace("'", "").replace("\u2019", "")  # O'Brien -> obrien, not "o brien"
    plain = re.sub(r"[^0-9a-z]+", " ", plain.lower())
    return " ".join(plain.split())


def normalise_email(email: str | None) -> str:
    return (email or "").strip().lower()


def normalise_phone(phone: str | None) -> str:
    """The last ten digits of a North American number ("+1 (312) 555-0100" -> "3125550100"); fewer than
    seven digits is no phone number at all."""
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    return digits if len(digits) >= 7 else ""


def person_parts(name: str) -> tuple[str, str]:
    """(first, last) of a person's name: "Garcia, José" and "José Garcia" both give ("jose", "garcia").
    Middle names and initials are dropped; suffixes like Jr. too."""
    if "," in name:
        last, _, first = name.partition(",")
        first_tokens, last_tokens = fold(first).split(), fold(last).split()
    else:
        tokens = fold(name).split()
        first_tokens, last_tokens = tokens[:1], tokens[1:]
    suffixes = {"jr", "sr", "ii", "iii", "iv"}
    first_tokens = [t for t in first_tokens if t not in suffixes]
    last_tokens = [t for t in last_tokens if t not in suffixes]
    if not last_tokens and len(first_tokens) > 1:
        first_tokens, last_tokens = first_tokens[:1], first_tokens[1:]
    first = first_tokens[0] if first_tokens else ""
    # "Maria de la Cruz": the whole rest is the surname; "Ana B. Diaz": a lone initial is a middle name.
    if len(last_tokens) > 1 and len(last_tokens[0]) == 1:
        last_tokens = last_tokens[1:]
    return first, " ".join(last_tokens)


CAPACITY = re.compile(r"\s+(?:solely\s+)?as\s+(?:trustee|servicer|nominee|agent|successor)\b.*$")


def _strip_legal_suffixes(folded: str) -> str:
    folded = CAPACITY.sub("", folded)  # "... N.A., as Trustee for ...": the capacity is not the name
    changed = True
    while changed and folded:
        changed = False
        for suffix in LEGAL_SUFFIXES:
            if folded == suffix:
                break
            if folded.endswith(" " + suffix):
                folded = folded[: -len(suffix) - 1].strip()
                changed = True
    if folded.startswith("the "):
        folded = folded[4:]
    return folded


def organisation_keys(name: str) -> list[str]:
    """Each name an organisation goes by, folded and without legal suffixes:
    "Acme Servicing, LLC d/b/a Acme Home Loans" -> ["acme servicing", "acme home loans"]."""
    keys = []
    for part in ALTERNATE_NAME_MARKERS.split(name or ""):
        # "U.S. Bank" folds to "u s bank": join the initials back ("us bank").
        joined = re.sub(r"\b([a-z0-9]) (?=[a-z0-9]\b)", r"\1", fold(part))
        key = _strip_legal_suffixes(joined)
        if key and key not in keys:
            keys.append(key)
    return keys


def looks_like_organisation(name: str) -> bool:
    """A guess for parties entered without the flag: a legal suffix or a word like "Bank" or "Mortgage"."""
    folded = fold(name)
    if not folded:
        return False
    if _strip_legal_suffixes(folded) != folded or ALTERNATE_NAME_MARKERS.search(name):
        return True
    return bool(set(folded.split()) & ORGANISATION_WORDS)


def name_key(name: str, is_organisation: bool) -> str:
    """The key stored on each party for exact lookups and the trigram index: "last first" for people, the
    first organisation key for organisations."""
    if is_organisation:
        keys = organisation_keys(name)
        return keys[0] if keys else ""
    first, last = person_parts(name)
    return f"{last} {first}".strip()


# ------------------------------------------------------------------------------------------- nicknames


@lru_cache(maxsize=1)
def _nicknamer():  # noqa: ANN202
    from nicknames import NickNamer

    return NickNamer()


@lru_cache(maxsize=4096)
def name_family(first: str) -> frozenset[str]:
    """The first name, its nicknames and the names it is a nickname of ("bob" -> robert, bobby, ...)."""
    if not first:
        return frozenset()
    namer = _nicknamer()
    family = {first} | namer.nicknames_of(first) | namer.canonicals_of(first)
    return frozenset(n.lower() for n in family)


def are_nicknames(left: str, right: str) -> bool:
    return bool(left and right and left != right and (right in name_family(left) or left in name_family(right)))


# ------------------------------------------------------------------------------------------- comparing


def compare(prospective: PartyName, existing: PartyName, aliases: AliasBook | None = None) -> Match | None:
    """The strongest reason to think the two are one party, or None."""
    matches = [
        m
        for m in (_compare_identifiers(prospective, existing), _compare_names(prospective, existing, aliases))
        if m is not None
    ]
    if not matches:
        return None
    best = max(matches, key=lambda m: m.score)
    return Match(best.reason, round(best.score, 3))


def _compare_identifiers(prospective: PartyName, existing: PartyName) -> Match | None:
    email = normalise_email(prospective.email)
    if email and email == normalise_email(existing.email):
        return Match(f"same e-mail address ({email})", SAME_EMAIL)
    phone = normalise_phone(prospective.phone)
    if phone and phone == normalise_phone(existing.phone):
        return Match(f"same phone number ({phone[:3]}-{phone[3:6]}-{phone[6:]})", SAME_PHONE)
    return None


def _compare_names(prospective: PartyName, existing: PartyName, aliases: AliasBook | None) -> Match | None:
    if prospective.is_organisation != existing.is_organisation:
        return None
    if prospective.is_organisation:
        return _compare_organisations(prospective.name, existing.name, aliases)
    return _compare_people(prospective.name, existing.name)


def _compare_people(left: str, right: str) -> Match | None:
    left_first, left_last = person_parts(left)
    right_first, right_last = person_parts(right)
    if not (left_first and left_last and right_first and right_last):
        return None  # one name alone (e.g. a first name) is never enough
    same_order = ("," in left) == ("," in right)
    if left_first == right_first and left_last == right_last:
        if fold(left) == fold(right) or not same_order:
            reason = (
                "same name once case, accents, spacing and punctuation are set aside"
                if same_order
                else "same name, one written \"Last, First\""
            )
            return Match(reason, SAME_NAME if same_order else REVERSED_NAME)
        return Match("same first and last name (middle names or initials differ)", SAME_NAME - 0.05)
    last_similarity = fuzz.ratio(left_last, right_last)
    if last_similarity < LAST_NAME_THRESHOLD:
        return None  # the surnames differ: a shared first name is not a match
    if left_last == right_last and are_nicknames(left_first, right_first):
        return Match(
            f"same last name, and \"{left_first.title()}\" and \"{right_first.title()}\" are forms of one first name",
            NICKNAME,
        )
    first_similarity = fuzz.ratio(left_first, right_first)
    if first_similarity < FUZZY_THRESHOLD and not (left_last == right_last and _initial_of(left_first, right_first)):
        return None
    similarity = fuzz.ratio(f"{left_first} {left_last}", f"{right_first} {right_last}")
    if similarity < FUZZY_THRESHOLD:
        return None
    return Match(f"similar spelling of the name ({similarity:.0f}% alike)", similarity / 100 * FUZZY_CEILING)


def _initial_of(left: str, right: str) -> bool:
    return (len(left) == 1 and right.startswith(left)) or (len(right) == 1 and left.startswith(right))


def _compare_organisations(left: str, right: str, aliases: AliasBook | None) -> Match | None:
    left_keys, right_keys = organisation_keys(left), organisation_keys(right)
    if not left_keys or not right_keys:
        return None
    shared = set(left_keys) & set(right_keys)
    if shared:
        if fold(left) == fold(right):
            return Match("same organisation name once case and punctuation are set aside", SAME_NAME)
        return Match(
            f"same organisation name (\"{sorted(shared)[0]}\") once legal suffixes and \"d/b/a\" are set aside",
            SAME_ORGANISATION,
        )
    if aliases is not None and aliases.same_group(left_keys, right_keys):
        return Match("known alias of the same servicer (the organisation's servicer alias table)", KNOWN_ALIAS)
    best = max(fuzz.ratio(a, b) for a in left_keys for b in right_keys)
    if best >= ORGANISATION_THRESHOLD:
        return Match(f"similar spelling of the organisation's name ({best:.0f}% alike)", best / 100 * FUZZY_CEILING)
    return None
