"""PDF reports: data gathered by reports.data, HTML from Jinja templates, PDF by WeasyPrint (reports.render)."""
