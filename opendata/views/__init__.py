"""Blueprints, one per user-facing concern, in the order they are registered."""

from . import (
    api,
    catalog,
    discovery,
    dumps,
    home,
    legal,
    resources,
    search,
    sparql,
    status,
    vocab,
)

BLUEPRINTS = tuple(
    view.bp
    for view in (
        home,
        search,
        resources,
        vocab,
        legal,
        catalog,
        dumps,
        discovery,
        sparql,
        api,
        status,
    )
)
