"""TOTP codes and recovery codes, without Flask or a database."""

from __future__ import annotations

import re

import pyotp
import pytest

from service.accounts import twofactor

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
NOW = 1_800_000_000.0  # a fixed instant; step = NOW // 30 = 60_000_000


def code_at(seconds: float) -> str:
    return pyotp.TOTP(SECRET).at(seconds)


@pytest.mark.parametrize(
    "offset, accepted", [(0, True), (-30, True), (30, True), (-60, False), (60, False), (-3600, False)]
)
def test_a_code_counts_one_step_either_side_and_no_further(offset, accepted):
    step = twofactor.verify_code(SECRET, code_at(NOW + offset), None, now=NOW)
    assert (step is not None) is accepted
    if accepted:
        assert step == int((NOW + offset) // 30)


def test_a_code_once_accepted_is_refused_again_and_so_is_an_older_one():
    step = twofactor.verify_code(SECRET, code_at(NOW), None, now=NOW)
    assert step is not None
    assert twofactor.verify_code(SECRET, code_at(NOW), step, now=NOW) is None
    assert twofactor.verify_code(SECRET, code_at(NOW - 30), step, now=NOW) is None
    assert twofactor.verify_code(SECRET, code_at(NOW + 30), step, now=NOW + 30) == step + 1


@pytest.mark.parametrize("typed", ["", "12345", "1234567", "abcdef", "12 34 5x"])
def test_malformed_codes_are_refused(typed):
    assert twofactor.verify_code(SECRET, typed, None, now=NOW) is None


def test_spaces_inside_a_code_are_forgiven():
    code = code_at(NOW)
    assert twofactor.verify_code(SECRET, f"{code[:3]} {code[3:]}", None, now=NOW) is not None


def test_a_code_from_another_secret_is_refused():
    other = pyotp.TOTP("KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU").at(NOW)
    assert other not in {code_at(NOW - 30), code_at(NOW), code_at(NOW + 30)}  # the premise
    assert twofactor.verify_code(SECRET, other, None, now=NOW) is None


def test_the_provisioning_uri_names_the_issuer_and_account():
    uri = twofactor.provisioning_uri(SECRET, "ana@example.org")
    assert uri.startswith("otpauth://totp/Forestall:ana%40example.org?")
    assert f"secret={SECRET}" in uri and "issuer=Forestall" in uri


def test_the_qr_code_is_inline_svg_with_a_name_and_no_script_or_style():
    svg = twofactor.qr_svg(twofactor.provisioning_uri(SECRET, "ana@example.org"))
    assert svg.startswith("<svg ") and svg.rstrip().endswith("</svg>")
    assert 'role="img"' in svg and "aria-label=" in svg
    assert "<script" not in svg and "style=" not in svg and "<?xml" not in svg


def test_recovery_codes_are_many_distinct_and_hard_to_guess():
    codes = twofactor.new_recovery_codes()
    assert len(codes) == 10 and len(set(codes)) == 10
    for code in codes:
        assert re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{2}", code)
    # 32 symbols ** 10 = 2 ** 50 per code.
    assert len(twofactor.RECOVERY_CODE_CHARS) ** 10 >= 2**50


def test_a_recovery_code_digest_forgives_case_spaces_and_dashes_only():
    code = "K7QX-M2PD-9F"
    assert twofactor.recovery_code_digest(code) == twofactor.recovery_code_digest(" k7qx m2pd 9f ")
    assert twofactor.recovery_code_digest(code) != twofactor.recovery_code_digest("K7QX-M2PD-9G")
    assert code not in twofactor.recovery_code_digest(code)
    assert twofactor.looks_like_recovery_code(code) and not twofactor.looks_like_recovery_code("123456")
