"""The conflict matcher, in plain tables: what it must find, and what it must not flag."""

from __future__ import annotations

import pytest

from service.conflicts.matching import (
    AliasBook,
    PartyName,
    compare,
    looks_like_organisation,
    name_key,
    normalise_phone,
    organisation_keys,
    person_parts,
)


def person(name: str, **kw) -> PartyName:
    return PartyName(name, False, **kw)


def org(name: str, **kw) -> PartyName:
    return PartyName(name, True, **kw)


FOUND = [
    # (prospective, existing, words the reason must contain)
    (person("José García"), person("JOSE GARCIA"), "accents"),
    (person("  jose   garcia "), person("José García"), "accents"),
    (person("Mary-Jo O'Brien"), person("mary jo obrien"), "punctuation"),
    (person("Garcia, José"), person("Jose Garcia"), "Last, First"),
    (person("Bob Smith"), person("Robert Smith"), "forms of one first name"),
    (person("Liz Taylor"), person("Elizabeth Taylor"), "forms of one first name"),
    (person("Jonathan Smyth"), person("Jonathan Smith"), "similar spelling"),
    (person("Maria Gonzales"), person("Maria Gonzalez"), "similar spelling"),
    (person("Ana B. Diaz"), person("Ana Diaz"), "middle names"),
    (org("Acme Servicing, LLC"), org("ACME SERVICING"), "legal suffixes"),
    (org("Wells Fargo Bank, N.A."), org("wells fargo bank"), "legal suffixes"),
    (org("Nationstar Mortgage LLC d/b/a Mr. Cooper"), org("Mr. Cooper"), "d/b/a"),
    (org("U.S. Bank National Association, as Trustee for XYZ Trust 2006-1"), org("US Bank"), "legal suffixes"),
    (org("Midland Mortgage Co."), org("Midland Mortgag"), "similar spelling"),
    (person("Pat Doe", email="PAT@Example.com "), person("Patricia Roe", email="pat@example.com"), "same e-mail"),
    (person("Pat Doe", phone="+1 (312) 555-0100"), person("Someone Else", phone="312.555.0100"), "same phone"),
    (org("Acme LLC", email="legal@acme.example"), person("Dana Ray", email="legal@acme.example"), "same e-mail"),
]


@pytest.mark.parametrize("prospective, existing, reason", FOUND)
def test_finds(prospective, existing, reason):
    match = compare(prospective, existing)
    assert match is not None, (prospective, existing)
    assert reason in match.reason
    assert 0 < match.score <= 1


NOT_FOUND = [
    (person("Maria Gonzalez"), person("Maria Lopez")),  # a common first name alone
    (person("Maria"), person("Maria Gonzalez")),  # one name only
    (person("Robert Smith"), person("Robert Jones")),
    (person("John Smith"), person("Jane Smith")),  # one family, two people
    (person("Jose Garcia"), org("Garcia Law Firm")),  # a person is not an organisation
    (org("Wells Fargo Bank, N.A."), org("Wells Fargo Home Mortgage")),  # without an alias, two names
    (org("Acme Servicing LLC"), org("Apex Servicing LLC")),
    (person("Pat Doe", phone="555-01"), person("Pat Roe", phone="555-01")),  # too short to be a phone number
]


@pytest.mark.parametrize("prospective, existing", NOT_FOUND)
def test_does_not_flag(prospective, existing):
    assert compare(prospective, existing) is None


def test_servicer_aliases_join_names_the_matcher_would_not():
    book = AliasBook.from_pairs([("Ocwen Loan Servicing", "PHH Mortgage"), ("PHH Mortgage Corp", "Onity Group")])
    match = compare(org("Ocwen Loan Servicing, LLC"), org("ONITY GROUP INC"), book)
    assert match is not None and "alias" in match.reason
    assert compare(org("Ocwen Loan Servicing, LLC"), org("Midland Mortgage"), book) is None


def test_scores_rank_identifiers_over_spellings():
    same = compare(person("José García"), person("Jose Garcia")).score
    nickname = compare(person("Bob Smith"), person("Robert Smith")).score
    fuzzy = compare(person("Jonathan Smyth"), person("Jonathan Smith")).score
    assert 1 >= same > nickname > fuzzy > 0


@pytest.mark.parametrize(
    "name, expected",
    [
        ("José García", ("jose", "garcia")),
        ("Garcia, José", ("jose", "garcia")),
        ("Maria de la Cruz", ("maria", "de la cruz")),
        ("Robert Smith Jr.", ("robert", "smith")),
    ],
)
def test_person_parts(name, expected):
    assert person_parts(name) == expected


@pytest.mark.parametrize(
    "name, keys",
    [
        ("Acme Servicing, LLC", ["acme servicing"]),
        ("Nationstar Mortgage LLC d/b/a Mr. Cooper", ["nationstar mortgage", "mr cooper"]),
        ("The Bank of New York Mellon, N.A., as Trustee", ["bank of new york mellon"]),
        ("Freedom Mortgage Corporation", ["freedom mortgage"]),
    ],
)
def test_organisation_keys(name, keys):
    assert organisation_keys(name) == keys


@pytest.mark.parametrize(
    "name, expected",
    [("Acme Servicing, LLC", True), ("First Federal Savings", True), ("Maria Gonzalez", False), ("", False)],
)
def test_looks_like_organisation(name, expected):
    assert looks_like_organisation(name) is expected


def test_keys_agree_for_the_names_they_should():
    assert name_key("Garcia, José", False) == name_key("JOSE GARCIA", False) == "garcia jose"
    assert name_key("Acme Servicing, LLC", True) == name_key("ACME SERVICING", True)
    assert normalise_phone("1-312-555-0100") == normalise_phone("(312) 555 0100") == "3125550100"
