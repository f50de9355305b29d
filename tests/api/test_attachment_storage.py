"""The attachment storage, both backends (files, and the database's blob tables): objects written and read
chunk by chunk under their SHA-256, stored once, and never served once their bytes no longer match."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import logging
import os

import pytest
from sqlalchemy import func, select, update

from models.storage import Blob, BlobChunk
from service.storage import CHUNK, ObjectCorrupt, ObjectMissing, storage_for
from tests.api.test_communications_attachments import PDF, entry, upload

BACKENDS = ("filesystem", "database")


@pytest.fixture(params=BACKENDS)
def storage_settings(request, settings, tmp_path):
    """The suite's settings with one backend (the files in a directory of the test's own)."""
    return dataclasses.replace(settings, attachments_storage=request.param, attachments_dir=tmp_path / "attachments")


def corrupt(storage, sha256: str) -> None:
    """Change one byte of a stored object, behind the storage's back (a disk or a restore gone wrong)."""
    if storage.name == "filesystem":
        path = storage.path(sha256)
        data = bytearray(path.read_bytes())
        data[-1] ^= 0x01
        path.write_bytes(bytes(data))
    else:
        chunks = BlobChunk.__table__
        with storage.engine.begin() as connection:
            last = connection.scalar(select(func.max(chunks.c.seq)).where(chunks.c.sha256 == sha256))
            data = bytearray(
                connection.scalar(select(chunks.c.data).where(chunks.c.sha256 == sha256, chunks.c.seq == last))
            )
            data[-1] ^= 0x01
            connection.execute(
                update(chunks).where(chunks.c.sha256 == sha256, chunks.c.seq == last).values(data=bytes(data))
            )


def test_round_trip_in_chunks_stored_once_listed_and_deleted(storage_settings):
    storage = storage_for(storage_settings)
    content = os.urandom(2 * CHUNK + 12345)
    sha256 = hashlib.sha256(content).hexdigest()
    assert not storage.exists(sha256)
    assert storage.put(io.BytesIO(content)) == (sha256, len(content))
    assert storage.put(io.BytesIO(content)) == (sha256, len(content))  # the same bytes again: kept once
    chunks = list(storage.open(sha256))
    assert b"".join(chunks) == content and max(len(c) for c in chunks) <= CHUNK
    assert storage.exists(sha256) and sha256 in list(storage.list())
    if storage.name == "database":
        with storage.engine.connect() as connection:
            assert (
                connection.scalar(
                    select(func.count()).select_from(BlobChunk.__table__).where(BlobChunk.sha256 == sha256)
                )
                == 3
            )
            assert connection.scalar(select(Blob.size).where(Blob.sha256 == sha256)) == len(content)
    storage.delete(sha256)
    assert not storage.exists(sha256) and sha256 not in list(storage.list())
    with pytest.raises(ObjectMissing):
        storage.open(sha256)


def test_a_corrupted_object_raises_after_its_last_chunk(storage_settings):
    storage = storage_for(storage_settings)
    content = os.urandom(CHUNK + 10)
    sha256, _ = storage.put(io.BytesIO(content))
    list(storage.open(sha256))  # the negative control: intact, it reads
    corrupt(storage, sha256)
    with pytest.raises(ObjectCorrupt, match=sha256):
        list(storage.open(sha256))
    storage.delete(sha256)


def test_the_api_answers_a_problem_for_a_corrupted_file_and_logs_it(
    storage_settings, org, new_case, app, monkeypatch, caplog
):
    monkeypatch.setitem(app.config, "FORESTALL", storage_settings)
    storage = storage_for(storage_settings)
    communication = entry(org.attorney, new_case()["id"])
    content = PDF + os.urandom(64)
    attachment = upload(org.attorney, communication["id"], content).get_json()
    assert attachment["sha256"] == hashlib.sha256(content).hexdigest() and storage.exists(attachment["sha256"])
    served = org.viewer.get(attachment["url"])
    assert served.status_code == 200 and served.data == content
    assert served.headers["Content-Length"] == str(len(content))

    corrupt(storage, attachment["sha256"])
    with caplog.at_level(logging.ERROR, logger="service.communications.attachments"):
        response = org.viewer.get(attachment["url"])
    assert response.status_code == 500 and response.content_type == "application/problem+json"
    problem = response.get_json()
    assert problem["title"] == "Stored file failed its integrity check"
    assert attachment["sha256"] in problem["detail"] and content not in response.data
    assert any(
        attachment["sha256"] in r.getMessage() and str(attachment["id"]) in r.getMessage() for r in caplog.records
    )

    storage.delete(attachment["sha256"])
    missing = org.viewer.get(attachment["url"])
    assert missing.status_code == 500 and missing.get_json()["title"] == "Stored file missing"


def test_a_refused_upload_leaves_nothing_in_the_database_storage(settings, org, new_case, app, monkeypatch):
    monkeypatch.setitem(app.config, "FORESTALL", dataclasses.replace(settings, attachments_storage="database"))
    storage = storage_for(app.config["FORESTALL"])
    communication = entry(org.attorney, new_case()["id"])

    def leftovers() -> int:
        with storage.engine.connect() as connection:
            return connection.scalar(
                select(func.count()).select_from(BlobChunk.__table__).where(BlobChunk.sha256.like("upload-%"))
            )

    too_big = b"%PDF-" + b"0" * (20 * 1024 * 1024)
    assert upload(org.attorney, communication["id"], too_big).status_code == 413
    not_accepted = b"MZ\x90\x00" + os.urandom(100)
    assert upload(org.attorney, communication["id"], not_accepted).status_code == 422
    assert leftovers() == 0
    assert not storage.exists(hashlib.sha256(not_accepted).hexdigest())
    text = "Fax confirmation – 3 pages\n".encode() + os.urandom(8).hex().encode()
    stored = upload(org.attorney, communication["id"], text, filename="fax.txt")
    assert stored.status_code == 201 and stored.get_json()["content_type"] == "text/plain"
    assert org.viewer.get(stored.get_json()["url"]).data == text
