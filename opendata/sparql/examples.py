"""Example queries shown on the query page and in the API documentation.

They name no resource of the service by URI, so they work for any set of
organisations and on any host; each title is a message key (``opendata.i18n``). Those
that list things stop at a ``LIMIT`` and sort nothing: a national catalogue has hundreds
of thousands of names, and sorting them all takes longer than the time limit.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "PREFIX schema: <https://schema.org/>\n"


@dataclass(frozen=True)
class Example:
    key: str
    text: str

    @property
    def title_key(self) -> str:
        return f"sparql.example.{self.key}"


EXAMPLES = (
    Example(
        "organizations",
        PREFIX + "SELECT ?organization ?name WHERE {\n"
        "  ?organization a schema:GovernmentOrganization ;\n"
        "                schema:name ?name .\n"
        '  FILTER(LANG(?name) = "de")\n'
        "}\nLIMIT 100",
    ),
    Example(
        "programmes",
        PREFIX + "SELECT ?programme ?name ?organization WHERE {\n"
        "  ?organization schema:memberOf ?programme .\n"
        "  ?programme a schema:Project ;\n"
        "             schema:name ?name .\n"
        '  FILTER(LANG(?name) = "de")\n'
        "}\nLIMIT 100",
    ),
    Example(
        "contacts",
        PREFIX + "SELECT ?organization ?telephone ?email WHERE {\n"
        "  ?organization schema:contactPoint ?point .\n"
        "  OPTIONAL { ?point schema:telephone ?telephone }\n"
        "  OPTIONAL { ?point schema:email ?email }\n"
        "}\nLIMIT 100",
    ),
    Example(
        "types",
        "SELECT ?type (COUNT(?thing) AS ?count) WHERE {\n"
        "  ?thing a ?type .\n"
        "}\nGROUP BY ?type\nORDER BY DESC(?count) ?type",
    ),
    Example(
        "people",
        PREFIX + "CONSTRUCT {\n"
        "  ?person schema:name ?name ;\n"
        "          schema:jobTitle ?title .\n"
        "} WHERE {\n"
        "  ?person a schema:Person ;\n"
        "          schema:name ?name .\n"
        "  OPTIONAL { ?person schema:jobTitle ?title }\n"
        "}\nLIMIT 100",
    ),
    Example(
        "email",
        PREFIX + "ASK {\n  ?organization schema:contactPoint/schema:email ?email .\n}",
    ),
    Example(
        "describe",
        PREFIX + "DESCRIBE ?organization WHERE {\n"
        "  ?organization a schema:GovernmentOrganization ;\n"
        "                schema:contactPoint ?point .\n"
        "}\nLIMIT 10",
    ),
)
