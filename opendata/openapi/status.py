"""The operators' status route in the OpenAPI description."""

from __future__ import annotations

from .bodies import content, error, get

STATUS = {
    "type": "object",
    "required": ["backend", "version", "sequence", "query_processes"],
    "properties": {
        "backend": {"enum": ["memory", "sparql"], "description": "OPENDATA_STORE"},
        "version": {"type": "string", "description": "The data version this process serves."},
        "sequence": {
            "type": ["integer", "null"],
            "minimum": 0,
            "description": "On the SPARQL store backend, the publish sequence number of "
            "the version (versions are ordered by it); null on the default backend.",
        },
        "query_processes": {
            "type": ["integer", "null"],
            "minimum": 0,
            "description": "SPARQL query processes of the answering process that are "
            "ready for this version and idle; a server starts them before the first "
            "query. Null on the SPARQL store backend (the store evaluates queries).",
        },
    },
}


def status_paths() -> dict[str, dict]:
    return {
        "/status": get(
            "Which data version the answering instance serves (never cached)",
            [],
            {
                "200": {
                    "description": "The backend and the data version served.",
                    "content": content(["application/json"], {"application/json": STATUS}),
                },
                "503": error("The store backend has no data yet and cannot reach the store."),
            },
        )
    }
