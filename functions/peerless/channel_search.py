"""Search over the local channels (`search/video-channels`), from an index of terms.

Each channel has one entry per prefix of the words of its name and display name
(`channel-term#<prefix>`). A search reads the entries of its longest word and checks the
channels themselves against the whole query, so a stale entry is never shown.
"""
from __future__ import annotations

import itertools

from pynamodb.attributes import UnicodeAttribute

from . import catalog
from .models import Channel, Item

MAX_SCAN = 2000


class ChannelTerm(Item, discriminator="channel-term"):
    channel = UnicodeAttribute()

    @staticmethod
    def key(term: str, channel: str) -> tuple[str, str]:
        return f"channel-term#{term}", channel.lower()


def _terms(name: str, display_name: str) -> set[str]:
    return catalog.prefixes(name, display_name)


def index(channel: Channel, before: tuple[str, str] | None = None) -> None:
    """Adds the channel's terms; `before` is its (name, display name) before a change,
    whose terms that are gone are removed."""
    now = _terms(channel.name, channel.display_name)
    old = _terms(*before) if before else set()
    with ChannelTerm.batch_write() as batch:
        for term in now - old:
            batch.save(ChannelTerm(*ChannelTerm.key(term, channel.name), channel=channel.name))
        for term in old - now:
            batch.delete(ChannelTerm(*ChannelTerm.key(term, channel.name)))


def unindex(channel: Channel) -> None:
    with ChannelTerm.batch_write() as batch:
        for term in _terms(channel.name, channel.display_name):
            batch.delete(ChannelTerm(*ChannelTerm.key(term, channel.name)))


def search(query: str, start: int, count: int) -> tuple[int, list[Channel]]:
    """Channels whose name or display name has words starting with every word of
    `query`, by name; the total counts what the (bounded) index read found."""
    term = catalog.search_term(query)
    if term is None:
        return 0, []
    names = [e.channel for e in itertools.islice(
        ChannelTerm.query(f"channel-term#{term}", page_size=100), MAX_SCAN)]
    found = [channel for channel in Channel.batch_get([Channel.key(n) for n in names])
             if catalog.matches_search(query, channel.name, channel.display_name)]
    found.sort(key=lambda c: c.name.lower())
    return len(found), found[start:start + count]
