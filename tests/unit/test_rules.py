"""Loading and validating the rules files."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.clock.rules import (
    JURISDICTION_CODES,
    RULES_DIR,
    RulesError,
    load_federal_file,
    load_jurisdiction_file,
    load_rulebook,
)

from clock_fixtures import jurisdiction_data

JURISDICTION_FILES = sorted((RULES_DIR / "jurisdictions").glob("*.yaml"))


def test_codes_are_50_states_and_dc():
    assert len(JURISDICTION_CODES) == 51
    assert JURISDICTION_CODES["DC"] == "District of Columbia"
    assert JURISDICTION_CODES["IL"] == "Illinois"


@pytest.mark.parametrize("path", JURISDICTION_FILES, ids=[p.stem for p in JURISDICTION_FILES])
def test_every_present_jurisdiction_file_validates(path):
    j = load_jurisdiction_file(path)
    assert j.code == path.stem
    assert j.foreclosure_process.source.citation
    assert j.deficiency.general.source.citation


def test_federal_rules_load():
    fed = load_federal_file(RULES_DIR / "federal.yaml")
    assert fed["reg_x_120_day_mark"].period.amount == 121
    assert fed["loss_mit_acknowledgment"].sale_window == ("at_least", 45)
    assert fed["loss_mit_evaluation"].sale_window == ("more_than", 37)
    assert fed["notice_of_error_response"].extension.amount == 15
    assert fed["information_request_response"].variants["owner_or_assignee"].period.amount == 10
    for rule in fed.rules.values():
        assert rule.source.citation and rule.source.source_url.startswith("https://")
        assert rule.source.checked_on is not None


def test_fixture_rulebook_loads(rulebook):
    assert set(rulebook.jurisdictions) == {"IL", "MN", "CA", "TX"}
    assert rulebook.jurisdiction("il").name == "Illinois"
    assert "WY" in rulebook.missing


@pytest.mark.parametrize(
    "mutate,field,message",
    [
        (
            lambda d: d["deficiency"]["filing_deadline"].update(
                {"status": "known", "period": {"unit": "days"}, "from": "sale_held", "roll_forward": False}
            ),
            "deficiency.filing_deadline.period",
            "'amount' is a required property",
        ),
        (lambda d: d.pop("answer_period"), "(top level)", "'answer_period' is a required property"),
        (
            lambda d: d["foreclosure_process"].update({"confidence": "pretty sure"}),
            "foreclosure_process.confidence",
            "'pretty sure' is not one of",
        ),
        (
            lambda d: d["redemption"].update({"periods": [{"id": "x"}]}),
            "redemption.periods[0]",
            "is a required property",
        ),
        (lambda d: d.update({"surprise": 1}), "(top level)", "Additional properties are not allowed"),
        (
            lambda d: d["foreclosure_process"].update({"source_url": "ftp://x"}),
            "foreclosure_process.source_url",
            "does not match",
        ),
    ],
)
def test_malformed_file_names_file_and_field(rules_dir, mutate, field, message):
    data = jurisdiction_data("IL")
    mutate(data)
    path = rules_dir.write("IL", data)
    with pytest.raises(RulesError) as info:
        load_jurisdiction_file(path)
    text = str(info.value)
    assert text.startswith(f"{path}: {field}: "), text
    assert message in text


def test_rulebook_load_reports_the_bad_file(rules_dir):
    rules_dir.write("MN", jurisdiction_data("MN"))
    bad = jurisdiction_data("IL")
    del bad["deficiency"]["general"]["summary"]
    rules_dir.write("IL", bad)
    with pytest.raises(RulesError, match=r"jurisdictions/IL\.yaml: deficiency\.general: 'summary' is a required"):
        rules_dir.rulebook()


def test_repo_relative_name_in_errors(tmp_path):
    # files inside the repository are named relative to its root, as the start-up log shows them
    from service.clock.rules import _display

    assert _display(RULES_DIR / "jurisdictions" / "IL.yaml") == "service/rules/jurisdictions/IL.yaml"


def test_code_must_match_file_name(rules_dir):
    path = rules_dir.write("IL", jurisdiction_data("IN"))
    with pytest.raises(RulesError, match="does not match the file name"):
        load_jurisdiction_file(path)


def test_usual_process_must_be_available(rules_dir):
    path = rules_dir.write("IL", jurisdiction_data("IL", foreclosure_process={"usual": "nonjudicial"}))
    with pytest.raises(RulesError, match="foreclosure_process.usual"):
        load_jurisdiction_file(path)


def test_invalid_yaml_and_impossible_date(rules_dir):
    path = rules_dir.write("IL", "code: IL\nname: [unclosed\n")
    with pytest.raises(RulesError, match="not valid YAML"):
        load_jurisdiction_file(path)
    data = jurisdiction_data("IL")
    data["answer_period"]["checked_on"] = "2026-02-30"
    path = rules_dir.write("IL", data)
    with pytest.raises(RulesError, match=r"answer_period\.checked_on: '2026-02-30' is not a"):
        load_jurisdiction_file(path)


def test_yaml_1_1_quirks_do_not_break_files(rules_dir):
    # `on:` is a string key and unquoted dates stay strings
    text = Path(rules_dir.write("IL", jurisdiction_data("IL"))).read_text()
    text = text.replace("on: '2026-11-23'", "on: 2026-11-23").replace(
        "checked_on: '2026-11-23'", "checked_on: 2026-11-23"
    )
    path = rules_dir.write("IL", text)
    j = load_jurisdiction_file(path)
    assert j.reviewed["on"] == "2026-11-23"
    assert str(j.answer_period.source.checked_on) == "2026-11-23"


def test_require_all(rules_dir):
    rules_dir.write("IL", jurisdiction_data("IL"))
    with pytest.raises(RulesError, match="missing jurisdiction files: AK, AL"):
        rules_dir.rulebook(require_all=True)
    assert set(rules_dir.rulebook(require_all=False).jurisdictions) == {"IL"}
    for code in JURISDICTION_CODES:
        rules_dir.write(code, jurisdiction_data(code, JURISDICTION_CODES[code]))
    assert len(rules_dir.rulebook(require_all=True).jurisdictions) == 51


def test_rulebook_is_cached(rules_dir):
    rules_dir.write("IL", jurisdiction_data("IL"))
    first = rules_dir.rulebook()
    assert load_rulebook(rules_dir.path, require_all=False) is first


def test_malformed_federal_file(rules_dir):
    path = rules_dir.path / "federal.yaml"
    path.write_text(path.read_text().replace("  scra_protection:\n", "  scra_protection_x:\n"))
    with pytest.raises(RulesError, match=r"federal\.yaml: rules: 'scra_protection' is a required property"):
        load_federal_file(path)


def test_reviewed_rulebook_loads():
    load_rulebook.cache_clear()
    rb = load_rulebook(require_all=False)
    assert rb.federal["scra_protection"].period.unit == "years"
    assert set(rb.jurisdictions) <= set(JURISDICTION_CODES)


def test_timed_rules_accept_an_optional_when(rules_dir):
    from clock_fixtures import SRC

    data = jurisdiction_data(
        "NE", foreclosure_process={"available": ["judicial", "nonjudicial"], "usual": "nonjudicial"}
    )
    data["deficiency"]["filing_deadline"] = {
        "status": "known",
        "period": {"amount": 3, "unit": "months"},
        "from": "sale_held",
        "roll_forward": True,
        "when": {"process": "nonjudicial"},
        "summary": "after a trustee's sale",
        **SRC,
    }
    data["answer_period"]["when"] = {"max_dwelling_units": 2}
    j = load_jurisdiction_file(rules_dir.write("NE", data))
    assert j.deficiency.filing_deadline.when.process == "nonjudicial"
    assert j.answer_period.when.max_dwelling_units == 2
    # without `when` the rule applies to every case
    assert (
        load_jurisdiction_file(rules_dir.write("IL", jurisdiction_data("IL"))).deficiency.filing_deadline.when is None
    )
    data["deficiency"]["filing_deadline"]["when"] = {"process": "trustee"}
    with pytest.raises(RulesError, match=r"deficiency\.filing_deadline\.when\.process: 'trustee' is not one of"):
        load_jurisdiction_file(rules_dir.write("NE", data))
