"""HTTP views for imports (202, then poll, then commit), the failed rows as CSV, the CSV export of cases and
the organisation's intake settings. Thin: the work is in service/imports/service.py."""

from __future__ import annotations

import json

from flask import Response, request, stream_with_context
from flask.views import MethodView

from service.errors import Problem, validation_error
from service.fields import PageQuerySchema
from service.http import Blueprint, caller, db, documents_errors, page, requires, with_object, writes
from service.imports import exports, service
from service.imports.reading import MAX_FILE_BYTES
from service.imports.schemas import (
    ImportListSchema,
    SavedImportMappingCreateSchema,
    SavedImportMappingListSchema,
    SavedImportMappingPatchSchema,
    SavedImportMappingSchema,
    ImportSchema,
    IntakeSettingsSchema,
)
from service.permissions import can_change_org_settings
from workers.imports import enqueue_import

blp = Blueprint(
    "imports",
    __name__,
    url_prefix="/api/v1",
    description="Spreadsheet imports (CSV, XLSX): a dry run that writes nothing, then a commit; and "
    "the CSV export of cases with the same columns",
)

FORM_FIELDS = {"file", "mapping", "date_order", "reuse_mapping_of"}
UPLOAD_BODY = {
    "required": True,
    "description": "multipart/form-data: `file` (CSV in UTF-8, or XLSX; at most 50 MB; no formulas), optional "
    "`mapping` (JSON {column: field}; default: guessed from the headers), `date_order` "
    "(month_first or day_first; default: the organisation's setting), `reuse_mapping_of` (an "
    "earlier import's id, to use its mapping).",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "mapping": {"type": "string", "description": "JSON object"},
                    "date_order": {"type": "string", "enum": ["month_first", "day_first"]},
                    "reuse_mapping_of": {"type": "integer", "minimum": 1},
                },
            }
        }
    },
}
CSV_RESPONSE = {"200": {"description": "CSV (UTF-8)", "content": {"text/csv": {"schema": {"type": "string"}}}}}


def _form() -> dict:
    if request.mimetype != "multipart/form-data":
        raise Problem(415, "Upload the spreadsheet as multipart/form-data in the field 'file'.")
    if (request.content_length or 0) > MAX_FILE_BYTES + 1024 * 1024:
        raise Problem(413, f"An import may be at most 50 MB ({MAX_FILE_BYTES:,} bytes).")
    request.max_content_length = MAX_FILE_BYTES + 1024 * 1024
    unknown = sorted(str(n) for n in (set(request.files) | set(request.form)) - FORM_FIELDS)
    if unknown:
        raise validation_error({name: ["Unknown field."] for name in unknown})
    upload = request.files.get("file")
    if upload is None:
        raise validation_error({"file": ["Missing the file (multipart field 'file')."]})
    content = upload.stream.read(MAX_FILE_BYTES + 1)
    if len(content) > MAX_FILE_BYTES:
        raise Problem(413, f"An import may be at most 50 MB ({MAX_FILE_BYTES:,} bytes).")
    mapping = None
    if request.form.get("mapping"):
        try:
            mapping = json.loads(request.form["mapping"])
        except ValueError:
            raise validation_error({"mapping": ["Must be JSON, e.g. {\"Borrower Name\": \"client.name\"}."]}) from None
        if not isinstance(mapping, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
        ):
            raise validation_error({"mapping": ["Must be a JSON object from column names to field names."]})
    date_order = request.form.get("date_order") or None
    if date_order not in (None, "month_first", "day_first"):
        raise validation_error({"date_order": ["Must be month_first or day_first."]})
    reuse = request.form.get("reuse_mapping_of") or None
    if reuse is not None:
        if not reuse.isdigit() or not 0 < int(reuse) < 2**31:
            raise validation_error({"reuse_mapping_of": ["Must be an import id."]})
        reuse = int(reuse)
    return {
        "content": content,
        "filename": upload.filename or "upload",
        "mapping": mapping,
        "date_order": date_order,
        "reuse_mapping_of": reuse,
    }


@blp.route("/imports")
class Imports(MethodView):
    @writes
    @blp.response(202, ImportSchema, description="Accepted; the dry run runs in a worker: poll the Location")
    @blp.doc(requestBody=UPLOAD_BODY)
    @documents_errors(blp, 401, 403, 413, 415, 422)
    def post(self):
        """Upload a CSV or XLSX with its column mapping; the dry run checks every row and writes nothing"""
        form = _form()
        row = service.create_import(
            db(),
            caller(),
            form["content"],
            form["filename"],
            form["mapping"],
            form["date_order"],
            form["reuse_mapping_of"],
        )
        db().commit()
        enqueue_import(row.id)
        document = service.import_document(row)
        return document, 202, {"Location": document["url"]}

    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, ImportListSchema)
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """The organisation's imports, newest first"""
        items, total = service.list_imports(db(), caller().org_id, args["page"], args["per_page"])
        return page([service.import_document(i) for i in items], total, args)


@blp.route("/imports/<id:import_id>")
class ImportItem(MethodView):
    @with_object(service.get_import, "import_id", "row")
    @blp.response(200, ImportSchema)
    @documents_errors(blp, 401, 404)
    def get(self, row):
        """The import's state and counts, each row's errors by column, and the dry run's preview"""
        return service.import_document(row, with_preview=row.state != "queued")


@blp.route("/imports/<id:import_id>/commit")
class ImportCommit(MethodView):
    @with_object(service.get_import, "import_id", "row", write=True)
    @blp.response(202, ImportSchema, description="Accepted; the commit runs in a worker: poll the Location")
    @documents_errors(blp, 401, 403, 404, 409)
    def post(self, row):
        """Create the rows that passed the dry run (in batches; rows imported before are skipped)"""
        service.request_commit(db(), caller(), row)
        db().commit()
        enqueue_import(row.id)
        document = service.import_document(row)
        return document, 202, {"Location": document["url"]}


@blp.route("/imports/<id:import_id>/failed-rows.csv")
class ImportFailedRows(MethodView):
    @with_object(service.get_import, "import_id", "row")
    @blp.doc(responses=CSV_RESPONSE)
    @documents_errors(blp, 401, 404)
    def get(self, row):
        """The rows that did not pass or failed, with an Errors column: fix them and import again"""
        response = Response(exports.failed_rows_csv(db(), row), mimetype="text/csv")
        response.headers["Content-Disposition"] = f'attachment; filename="import-{row.id}-failed-rows.csv"'
        return response


@blp.route("/exports/cases.csv")
class CasesExport(MethodView):
    @blp.doc(responses=CSV_RESPONSE)
    @documents_errors(blp, 401)
    def get(self):
        """Every case of the organisation as CSV, with the columns an import reads back"""
        session, org_id = db(), caller().org_id
        response = Response(stream_with_context(exports.export_cases_csv(session, org_id)), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="cases.csv"'
        response.headers["Cache-Control"] = "private, no-store"
        return response


@blp.route("/intake-settings")
class IntakeSettings(MethodView):
    @blp.response(200, IntakeSettingsSchema)
    @documents_errors(blp, 401)
    def get(self):
        """How imports read an ambiguous date like 03/04/2026"""
        return {"date_order": service.date_order_of(db(), caller().org_id)}

    @requires(can_change_org_settings, "change the organisation's settings (organisation admins only)")
    @blp.arguments(IntakeSettingsSchema)
    @blp.response(200, IntakeSettingsSchema)
    @documents_errors(blp, 401, 403, 413, 415, 422)
    def put(self, data):
        """Change them (administrators)"""
        service.set_date_order(db(), caller(), data["date_order"])
        db().commit()
        return {"date_order": data["date_order"]}


@blp.route("/import-mappings")
class ImportMappings(MethodView):
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, SavedImportMappingListSchema)
    @documents_errors(blp, 401, 422)
    def get(self, args):
        """Column mappings saved under a name, by name"""
        items, total = service.list_mappings(db(), caller().org_id, args["page"], args["per_page"])
        return page([service.mapping_document(m) for m in items], total, args)

    @writes
    @blp.arguments(SavedImportMappingCreateSchema)
    @blp.response(201, SavedImportMappingSchema)
    @documents_errors(blp, 401, 403, 409, 413, 415, 422)
    def post(self, data):
        """Save a column mapping under a name (administrators)"""
        row = service.save_mapping(db(), caller(), data["name"], data["mapping"])
        db().commit()
        return service.mapping_document(row), {"Location": f"/api/v1/import-mappings/{row.id}"}


@blp.route("/import-mappings/<id:mapping_id>")
class ImportMappingItem(MethodView):
    @with_object(service.get_mapping, "mapping_id", "row")
    @blp.response(200, SavedImportMappingSchema)
    @documents_errors(blp, 401, 404)
    def get(self, row):
        """One saved mapping"""
        return service.mapping_document(row)

    @with_object(service.get_mapping, "mapping_id", "row", write=True)
    @blp.arguments(SavedImportMappingPatchSchema)
    @blp.response(200, SavedImportMappingSchema)
    @documents_errors(blp, 401, 403, 404, 409, 413, 415, 422)
    def patch(self, data, row):
        """Rename a saved mapping (administrators)"""
        service.rename_mapping(db(), caller(), row, data["name"])
        db().commit()
        return service.mapping_document(row)

    @with_object(service.get_mapping, "mapping_id", "row", write=True)
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404)
    def delete(self, row):
        """Remove a saved mapping (administrators); imports made with it keep their copy"""
        service.delete_mapping(db(), caller(), row)
        db().commit()
        return None
