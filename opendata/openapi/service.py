"""What the description states about one running service, and its examples."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..sparql.engine import Limits


@dataclass(frozen=True)
class Service:
    """What the description states about one running service, and its examples."""

    limits: Limits
    thing: tuple[str, str]  # (kind, slug) of a published thing
    card: tuple[str, str]  # (kind, slug) of a thing with a vCard
    newest: dt.date  # the day the most recently changed dataset changed
    page_size: int  # datasets on a catalogue page
    feed_size: int  # entries in the Atom feed
    max_url_length: int  # characters of path and query; longer URLs get 414
