"""Reading spreadsheets and mapping their columns, in plain tables (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from service.imports.mapping import check_mapping, guess_mapping, parse_date, parse_money, parse_row, split_full_name
from service.imports.reading import ImportRefused, read_table


@pytest.mark.parametrize(
    "text, order, expected, warns",
    [
        ("2026-03-02", "month_first", dt.date(2026, 3, 2), None),
        ("March 2, 2026", "month_first", dt.date(2026, 3, 2), None),
        ("2 March 2026", "month_first", dt.date(2026, 3, 2), None),
        ("03/02/2026", "month_first", dt.date(2026, 3, 2), "two ways"),
        ("03/02/2026", "day_first", dt.date(2026, 2, 3), "two ways"),
        ("03/03/2026", "month_first", dt.date(2026, 3, 3), None),  # the same either way
        ("13/04/2026", "month_first", dt.date(2026, 4, 13), "cannot be a month"),
        ("3/4/26", "month_first", dt.date(2026, 3, 4), "Two-digit year"),
    ],
)
def test_dates_as_people_type_them(text, order, expected, warns):
    parsed, error, warning = parse_date(text, order)
    assert (parsed, error) == (expected, None)
    assert (warning is None) if warns is None else (warns in warning)


@pytest.mark.parametrize("text", ["March 2026", "someday", "2026-02-30", "31/31/2026"])
def test_dates_never_guessed(text):
    parsed, error, _ = parse_date(text, "month_first")
    assert parsed is None and error


@pytest.mark.parametrize("text, expected", [("$250,000", "250000.00"), ("1234.5", "1234.50"), ("", None)])
def test_money(text, expected):
    assert parse_money(text) == (expected, None)


@pytest.mark.parametrize("text", ["-5", "lots", "NaN"])
def test_bad_money(text):
    assert parse_money(text)[1]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Garcia, José", ("José", "Garcia")),
        ("Maria de la Cruz", ("Maria", "de la Cruz")),
        ("  Ana   Diaz ", ("Ana", "Diaz")),
        ("Cher", ("Cher", "")),
    ],
)
def test_split_full_name(text, expected):
    assert split_full_name(text) == expected


def test_guess_from_common_headers():
    mapping = guess_mapping(
        [
            "Borrower Name",
            "Sale Date",
            "Servicer",
            "Property Address",
            "ZIP Code",
            "State",
            "Loan #",
            "Unpaid Principal Balance",
            "Date of Default",
            "Favourite colour",
        ]
    )
    assert mapping == {
        "Borrower Name": "client.name",
        "Sale Date": "event:sale_scheduled",
        "Servicer": "loan.servicer",
        "Property Address": "property.street",
        "ZIP Code": "property.zip",
        "State": "property.state",
        "Loan #": "loan.loan_number",
        "Unpaid Principal Balance": "loan.unpaid_principal",
        "Date of Default": "event:first_missed_payment",
    }


def test_mapping_errors_name_the_column():
    headers = ["Name", "State"]
    assert check_mapping({"Name": "client.name", "State": "property.state"}, headers) == {}
    assert "mapping.Nom" in check_mapping({"Nom": "client.name", "State": "property.state"}, headers)
    assert "mapping.State" in check_mapping({"Name": "client.name", "State": "client.name"}, headers)
    assert "mapping" in check_mapping({"State": "property.state"}, headers)
    assert "mapping" in check_mapping([], headers)


def test_a_row_becomes_a_case_body_with_events_and_errors_by_column():
    headers = ["Name", "ST", "Zip", "Served", "Sold", "Price", "Units"]
    mapping = {
        "Name": "client.name",
        "ST": "property.state",
        "Zip": "property.zip",
        "Served": "event:complaint_served",
        "Sold": "event:sale_held",
        "Price": "event:sale_held.sale_price",
        "Units": "property.dwelling_units",
    }
    row = parse_row(
        2,
        ["Ana Diaz", "il", 2134, dt.datetime(2026, 1, 5), "2026-05-01", "$180,000", "two"],
        headers,
        mapping,
        "month_first",
    )
    assert row.body["client"] == {"first_name": "Ana", "last_name": "Diaz"}
    assert row.body["property"] == {"state": "IL", "zip": "02134"}
    assert {e["type"]: e["occurred_on"] for e in row.events} == {
        "complaint_served": dt.date(2026, 1, 5),
        "sale_held": dt.date(2026, 5, 1),
    }
    assert next(e for e in row.events if e["type"] == "sale_held")["details"] == {"sale_price": "180000.00"}
    assert list(row.errors) == ["Units"]


def test_keys_are_stable_and_follow_the_id_column():
    headers, mapping = ["Id", "Name", "ST"], {"Id": "key", "Name": "client.name", "ST": "property.state"}
    assert parse_row(2, ["7", "Ana Diaz", "IL"], headers, mapping, "month_first").key == "id:7"
    no_id = {"Name": "client.name", "ST": "property.state"}
    one = parse_row(2, ["7", "Ana Diaz", "IL"], headers, no_id, "month_first").key
    assert one == parse_row(9, ["7", "Ana Diaz", "IL"], headers, no_id, "month_first").key
    assert one != parse_row(2, ["8", "Ana Diaz", "IL"], headers, no_id, "month_first").key


@pytest.mark.parametrize(
    "content, message",
    [
        (b"Name,Name\nA,B\n", "Two columns"),
        (b"Name,\xe9\n", "Windows-1252"),
        (b"\xff\xfeN\x00", "UTF-16"),
        (b"\xd0\xcf\x11\xe0old excel", ".xls"),
        (b"Name,State\n@SUM(A1),IL\n", None),  # "@" alone is text here; only "=" starts a formula we refuse
    ],
)
def test_reading_refusals(content, message):
    if message is None:
        assert read_table(content).rows == [["@SUM(A1)", "IL"]]
        return
    with pytest.raises(ImportRefused) as refused:
        read_table(content)
    assert message in refused.value.message


def test_semicolon_csv_and_bom_are_read():
    table = read_table("\ufeffName;State\nJosé García;IL\n".encode())
    assert table.headers == ["Name", "State"] and table.rows == [["José García", "IL"]]
