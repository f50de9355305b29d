"""Spreadsheet imports (CSV, XLSX): a dry run that writes nothing, then a commit that creates each case as
the API does. Also the CSV export of cases, with the same columns."""
