"""HTTP views for communications, their attachments, and the servicer-compliance view."""

from __future__ import annotations

from flask import current_app, request, send_file
from flask.views import MethodView

from service import disclaimers
from service.communications import attachments, compliance, service
from service.communications.schemas import (
    AttachmentListSchema,
    AttachmentSchema,
    CommunicationCreateSchema,
    CommunicationListQuerySchema,
    CommunicationListSchema,
    CommunicationPatchSchema,
    CommunicationSchema,
    CompliancePageQuerySchema,
    ServicerComplianceSchema,
)
from service.errors import Problem, validation_error
from service.fields import PageQuerySchema
from service.limits import UPLOADS, per_organisation
from service.http import Blueprint, caller, db, documents_errors, page, with_object, with_case, settings
from service.rulebook import local_today
from service.storage import storage_for

blp = Blueprint(
    "communications",
    __name__,
    url_prefix="/api/v1",
    description="Lender communications, proof of submission, and the servicer's clocks",
)

UPLOAD_BODY = {
    "required": True,
    "description": "multipart/form-data with the file in the field `file`: PDF, PNG, JPEG, TIFF or UTF-8 plain "
    "text (detected from the content), at most 20 MB.",
    "content": {
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}},
            }
        }
    },
}
FILE_RESPONSE = {
    "200": {
        "description": "The file's bytes, with its type; X-Content-SHA256 carries its SHA-256 (hex)",
        "headers": {
            "X-Content-SHA256": {"schema": {"type": "string"}},
            "Content-Disposition": {"schema": {"type": "string"}},
        },
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in attachments.ALLOWED_TYPES},
    },
}


@blp.route("/cases/<id:case_id>/communications")
class CaseCommunications(MethodView):
    @with_case()
    @blp.arguments(CommunicationListQuerySchema, location="query")
    @blp.response(200, CommunicationListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """The case's communications log, oldest first"""
        rows, total = service.list_communications(
            db(), case, args["page"], args["per_page"], args.get("category"), args.get("direction")
        )
        return page(service.views(db(), rows), total, args)  # CommunicationSchema dumps the views

    @with_case(write=True)
    @blp.arguments(CommunicationCreateSchema)
    @blp.response(201, CommunicationSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def post(self, data, case):
        """Log a communication (an outbound notice of error, request for information, QWR or complete
        application starts the servicer's clocks; an inbound acknowledgment or response with in_reply_to
        stops them)"""
        row = service.create_communication(db(), caller(), case, data)
        db().commit()
        return service.view(db(), row), {"Location": f"/api/v1/communications/{row.id}"}


@blp.route("/communications/<id:communication_id>")
class CommunicationItem(MethodView):
    @with_object(service.get_communication, "communication_id", "row")
    @blp.response(200, CommunicationSchema)
    @documents_errors(blp, 401, 404)
    def get(self, row):
        """One communication, with its attachments and any corrections"""
        return service.view(db(), row)

    @with_object(service.get_communication, "communication_id", "row", write=True)
    @blp.arguments(CommunicationPatchSchema)
    @blp.response(200, CommunicationSchema)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422)
    def patch(self, data, row):
        """Correct an entry (the original stays in the audit history; the entry shows it was corrected)"""
        service.update_communication(db(), caller(), row, data)
        db().commit()
        return service.view(db(), row)

    @with_object(service.get_communication, "communication_id", "row", write=True)
    @blp.response(204)
    @documents_errors(blp, 401, 403, 404)
    def delete(self, row):
        """Remove an entry logged by mistake (kept in the audit history; its clock events go)"""
        service.delete_communication(db(), caller(), row)
        db().commit()
        return None


@blp.route("/communications/<id:communication_id>/attachments")
class CommunicationAttachments(MethodView):
    @with_object(service.get_communication, "communication_id", "row")
    @blp.arguments(PageQuerySchema, location="query")
    @blp.response(200, AttachmentListSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, row):
        """The entry's attachments, with SHA-256, size and type"""
        rows, total = attachments.list_attachments(db(), row, args["page"], args["per_page"])
        return page(rows, total, args)  # AttachmentSchema dumps the rows

    @with_object(service.get_communication, "communication_id", "row", write=True)
    @per_organisation(UPLOADS)
    @blp.response(201, AttachmentSchema)
    @blp.doc(requestBody=UPLOAD_BODY)
    @documents_errors(blp, 401, 403, 404, 413, 415, 422, 429)
    def post(self, row):
        """Attach a file (multipart/form-data, field `file`): proof of what was sent or received"""
        if request.mimetype != "multipart/form-data":
            raise Problem(415, "Upload the file as multipart/form-data in the field 'file'.")
        if (request.content_length or 0) > current_app.config["MAX_CONTENT_LENGTH"]:
            raise Problem(413, "An attachment may be at most 20 MB (20,971,520 bytes).")
        upload = request.files.get("file")
        if upload is None:
            raise validation_error({"file": ["Missing the file (multipart field 'file')."]})
        unknown = sorted((set(request.files) | set(request.form)) - {"file"})
        if unknown:
            raise validation_error({name: ["Unknown field."] for name in unknown})
        attachment = attachments.store_attachment(
            db(), caller(), row, upload.stream, upload.filename, storage_for(settings(), db())
        )
        db().commit()
        return attachment, {"Location": f"/api/v1/attachments/{attachment.id}"}


@blp.route("/attachments/<id:attachment_id>")
class AttachmentFile(MethodView):
    @with_object(attachments.get_attachment, "attachment_id", "row")
    @blp.doc(responses=FILE_RESPONSE)
    @documents_errors(blp, 401, 404, 500)
    def get(self, row):
        """The file itself, with its content type and SHA-256 (checked against the stored bytes before it is
        served: a file that no longer matches answers 500, "Stored file failed its integrity check")"""
        response = send_file(
            attachments.verified_file(storage_for(settings()), row),
            mimetype=row.content_type,
            as_attachment=True,
            download_name=row.filename,
            etag=row.sha256,
            conditional=False,
            max_age=0,
        )
        response.content_length = row.size  # the bytes matched the SHA-256, so the size too
        response.headers["X-Content-SHA256"] = row.sha256
        response.headers["Cache-Control"] = "private, no-store"
        return response


@blp.route("/cases/<id:case_id>/servicer-compliance")
class ServicerCompliance(MethodView):
    @with_case()
    @blp.arguments(CompliancePageQuerySchema, location="query")
    @blp.response(200, ServicerComplianceSchema)
    @documents_errors(blp, 401, 404, 422)
    def get(self, args, case):
        """Each servicer clock (acknowledgment, response, loss-mitigation acknowledgment and evaluation) with its
        result: open, on_time, late (by N business days) or missed, and its citation"""
        today = local_today(caller().timezone)
        clocks = compliance.servicer_clocks(db(), case, today)  # ServicerClockSchema dumps them
        start = (args["page"] - 1) * args["per_page"]
        return {
            "items": clocks[start : start + args["per_page"]],
            "total": len(clocks),
            "page": args["page"],
            "per_page": args["per_page"],
            "as_of": today,
            "summary": compliance.compliance_summary(clocks),
            "disclaimer": disclaimers.COMMUNICATIONS,
        }
