"""The product's WSGI app plus two floor endpoints on the same server, for bench/api_bench.py:
/bench/floor/<id>: one indexed primary-key read; /bench/floor-auth/<id>: the token lookup + that read."""
from flask import g, request
from sqlalchemy import text

from service.app import create_app
from service.auth import authenticate

app = create_app()


@app.get("/bench/floor/<int:case_id>")
def floor(case_id: int):
    row = g.db.execute(text("SELECT id, stage FROM cases WHERE id = :id"), {"id": case_id}).first()
    return {"id": row[0], "stage": row[1]}


@app.get("/bench/floor-auth/<int:case_id>")
def floor_auth(case_id: int):
    caller = authenticate(g.db, request.headers.get("Authorization"))
    row = g.db.execute(text("SELECT id, stage FROM cases WHERE id = :id AND org_id = :org"),
                       {"id": case_id, "org": caller.org_id}).first()
    return {"id": row[0], "stage": row[1]}
