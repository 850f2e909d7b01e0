"""The public catalog: which videos the lists show, filtered and sorted as PeerTube's
clients ask, read by key and index only so a request costs the same in a catalog of a
thousand videos or of millions.

A listable video (published, public, not blocked) is in:
- the partition `videos#public` of the video items' own indexes (`by_list` sorted by
  publication, `by_views`, `by_likes`, `by_name`, `by_duration`): the whole catalog in
  every order;
- one entry item per filter list it belongs to (`catalog#channel#<name>`,
  `catalog#category#3`, `catalog#tag#cats`, `catalog#term#pee`...), sorted by publication:
  the key lists that filters and search start from.

Writing: new entries are put before the transaction that changes the video, old ones are
deleted after it; the transaction itself (the video's state, its `catalog_keys`, the list
counters) is conditional on the video's `catalog_version`, so counters stay exact under
races and redelivery. Reading never trusts an entry: every candidate is checked against
the video item itself, so a stale entry (a crash between the steps) is never shown.
"""
from __future__ import annotations

import heapq
import itertools
import random
import re
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from typing import Callable, Iterable, Iterator

from pynamodb.attributes import UnicodeAttribute, UnicodeSetAttribute
from pynamodb.exceptions import DoesNotExist, TransactWriteError
from pynamodb.transactions import TransactWrite

from .models import Counter, Item, Video, connection, counter_value

PUBLIC = "videos#public"
PUBLISHED, PUBLIC_PRIVACY = 1, 1
# Bounds on the work one request may do when filters cannot be answered from a counter.
MAX_SCAN = 3000
BATCH = 100
MIN_TERM, MAX_TERM, MAX_WORDS = 2, 12, 16

# The filters a key list answers by itself.
LIST_FILTERS = {"channel", "account", "channels", "category_one_of", "licence_one_of",
                "language_one_of", "tags_one_of", "tags_all_of", "nsfw_true", "remote",
                "live"}
SORTS = {
    # PeerTube's sort names -> the index that orders the whole catalog that way.
    "publishedAt": "by_list", "createdAt": "by_list", "originallyPublishedAt": "by_list",
    "match": "by_list", "localVideoFilesSize": "by_list",
    "views": "by_views", "trending": "by_views", "hot": "by_views", "best": "by_views",
    "likes": "by_likes", "name": "by_name", "duration": "by_duration",
}


class CatalogEntry(Item, discriminator="catalog-entry"):
    """A video's place in one filter list: pk `catalog#<list>`, sk `<published>#<uuid>`."""
    uuid = UnicodeAttribute()


class CatalogMonths(Item, discriminator="catalog-months"):
    """The months that have videos in the public list. The public list is split into one
    partition a publication month (`catalog#public#2026-11`) so that no partition grows
    with the catalog (and no single partition takes every write): the newest page reads
    this item and the newest month or two."""
    months = UnicodeSetAttribute(default=set)

    KEY = ("catalog-months#public", "months")


# --- what lists a video is in ----------------------------------------------------------

def listable(video: Video) -> bool:
    return (video.state == PUBLISHED and video.privacy == PUBLIC_PRIVACY
            and not video.blocked)


def _fold(text: str) -> str:
    """Lower case without accents: what search matches on."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def words(text: str) -> list[str]:
    return re.findall(r"[^\W_]+", _fold(text))[:MAX_WORDS]


def prefixes(*texts: str) -> set[str]:
    """Search terms: every prefix (2 to 12 letters) of the words of `texts`, so typing
    the start of a word finds it."""
    found = set()
    for word in (w for text in texts for w in words(text)):
        for length in range(MIN_TERM, min(len(word), MAX_TERM) + 1):
            found.add(word[:length])
    return found


def matches_search(query: str, *texts: str) -> bool:
    """Whether every word of `query` starts a word of `texts`."""
    mine = prefixes(*texts) | {w for text in texts for w in words(text)}
    return all(w[:MAX_TERM] in mine for w in words(query))


def search_term(query: str) -> str | None:
    """The term of `query` to look up first: its longest word, the rarest likely."""
    longest = max(words(query), key=len, default="")
    return longest[:MAX_TERM] or None


def terms(video: Video) -> set[str]:
    """The search terms of a video: from its name and tags."""
    return prefixes(video.name, *(video.tags or []))


def filter_lists(video: Video) -> list[str]:
    """The counted filter lists a listable video belongs to."""
    lists = [f"channel#{video.channel.lower()}", f"account#{video.owner.lower()}"]
    if video.category is not None:
        lists.append(f"category#{video.category}")
    if video.licence is not None:
        lists.append(f"licence#{video.licence}")
    if video.language:
        lists.append(f"language#{video.language}")
    lists += [f"tag#{_fold(tag)}" for tag in sorted(set(video.tags or []))]
    if video.nsfw:
        lists.append("nsfw#true")
    if video.is_remote:
        lists.append("remote#true")
    if video.is_live:
        lists.append("live#true")
    return lists


def _entry_sort_key(video: Video) -> str:
    return f"{video.published_at.isoformat()}#{video.uuid}"


def _month(video: Video) -> str:
    """The public list's partition of a video: its publication month."""
    return video.published_at.strftime("%Y-%m")


def _entry_keys(video: Video) -> set[str]:
    if not listable(video):
        return set()
    sk = _entry_sort_key(video)
    lists = filter_lists(video) + [f"term#{t}" for t in terms(video)] + [
        f"public#{_month(video)}"]
    return {f"catalog#{name}|{sk}" for name in lists}


def _counted(key: str) -> str | None:
    """The list a key's counter counts: term lists are not counted, and the months of the
    public list are counted together by the PUBLIC counter."""
    name = key.split("|", 1)[0][len("catalog#"):]
    return None if name.startswith(("term#", "public#")) else name


# --- writing ---------------------------------------------------------------------------

@dataclass
class _Change:
    video_actions: list
    counters: dict[str, int]
    added: set[str]
    removed: set[str]
    months: set[str]


def _plan(video: Video, listed: bool) -> _Change:
    """What makes the catalog match `video` as it is in memory now."""
    old, new = set(video.catalog_keys or []), _entry_keys(video) if listed else set()
    counters: dict[str, int] = {}
    for key, delta in [(k, -1) for k in old - new] + [(k, 1) for k in new - old]:
        name = _counted(key)
        if name:
            counters[name] = counters.get(name, 0) + delta
    if bool(video.list_pk) != listed:
        counters[PUBLIC] = 1 if listed else -1
    actions = [Video.catalog_keys.set(sorted(new)),
               Video.catalog_version.set((video.catalog_version or 0) + 1)]
    if listed:
        actions += [Video.list_pk.set(PUBLIC), Video.list_sk.set(_entry_sort_key(video)),
                    Video.name_sort.set(f"{_fold(video.name)}#{video.uuid}")]
    else:
        actions += [Video.list_pk.remove(), Video.list_sk.remove()]
    months = {k.split("|", 1)[0][len("catalog#public#"):] for k in new - old
              if k.startswith("catalog#public#")}
    return _Change(actions, {k: v for k, v in counters.items() if v}, new - old, old - new,
                   months)


def _put_entries(keys: Iterable[str]) -> None:
    with CatalogEntry.batch_write() as batch:
        for key in keys:
            pk, sk = key.split("|", 1)
            batch.save(CatalogEntry(pk, sk, uuid=sk.rsplit("#", 1)[1]))


def _delete_entries(keys: Iterable[str]) -> None:
    with CatalogEntry.batch_write() as batch:
        for key in keys:
            batch.delete(CatalogEntry(*key.split("|", 1)))


def commit(video: Video, actions: list, condition=None, *,
           listed: bool | None = None) -> None:
    """Applies `actions` to the video (they must already be reflected on the in-memory
    object) and brings the catalog in line, in one transaction, conditional on `condition`
    and on nobody having changed the catalog's view of the video since it was read.
    `listed` overrides whether the video belongs in the lists (False before a deletion).
    Raises TransactWriteError when a condition fails."""
    change = _plan(video, listable(video) if listed is None else listed)
    _put_entries(change.added)
    unchanged = Video.catalog_version == video.catalog_version
    if not video.catalog_version:  # items written before the catalog existed
        unchanged = Video.catalog_version.does_not_exist() | unchanged
    with TransactWrite(connection=connection()) as transaction:
        transaction.update(video, actions=actions + change.video_actions,
                           condition=unchanged if condition is None else unchanged & condition)
        for name, delta in change.counters.items():
            transaction.update(Counter(*Counter.key(name)), actions=[Counter.value.add(delta)])
        if change.months:
            # Months are only ever added: an emptied month costs an empty query, no more.
            transaction.update(CatalogMonths(*CatalogMonths.KEY),
                               actions=[CatalogMonths.months.add(change.months)])
    _delete_entries(change.removed)
    video.refresh()


def change(video: Video, mutate: Callable[[Video], list] | None = None, *,
           listed: bool | None = None, tries: int = 10) -> Video:
    """Changes a video and the catalog with it. `mutate` edits the in-memory video and
    returns the matching update actions; on a race it runs again on a fresh copy, after a
    random pause so racers do not collide again."""
    for attempt in range(tries):
        actions = mutate(video) if mutate else []
        try:
            commit(video, actions, listed=listed)
            return video
        except TransactWriteError:
            if attempt == tries - 1:
                raise
            time.sleep(random.uniform(0, 0.05 * 2 ** min(attempt, 4)))
            video.refresh()
    raise AssertionError("unreachable: the last try returns or raises")


# --- reading ---------------------------------------------------------------------------

@dataclass(frozen=True)
class VideoQuery:
    start: int = 0
    count: int = 15
    sort: str = "-publishedAt"
    channel: str | None = None
    account: str | None = None
    channels: list[str] | None = None          # any of these (a subscriptions feed)
    category_one_of: list[int] = field(default_factory=list)
    licence_one_of: list[int] = field(default_factory=list)
    language_one_of: list[str] = field(default_factory=list)
    tags_one_of: list[str] = field(default_factory=list)
    tags_all_of: list[str] = field(default_factory=list)
    is_live: bool | None = None
    is_local: bool | None = None
    nsfw: bool | None = None                   # None: both
    search: str | None = None
    exclude_accounts: frozenset[str] = frozenset()   # muted by the viewer
    duration_min: int | None = None            # seconds, inclusive (search's filters)
    duration_max: int | None = None
    published_after: datetime | None = None    # inclusive, timezone-aware
    published_before: datetime | None = None


def _key_list_options(q: VideoQuery) -> list[tuple[list[str], bool]]:
    """Each way to answer `q` from filter lists: (lists whose union holds every match,
    whether those lists are disjoint so their counters add up)."""
    options = []
    if q.channel:
        options.append(([f"channel#{q.channel.lower()}"], True))
    if q.account:
        options.append(([f"account#{q.account.lower()}"], True))
    if q.channels is not None:
        options.append(([f"channel#{c.lower()}" for c in sorted(set(q.channels))], True))
    for prefix, values in (("category", q.category_one_of), ("licence", q.licence_one_of),
                           ("language", q.language_one_of)):
        if values:
            options.append(([f"{prefix}#{v}" for v in sorted(set(values))], True))
    if q.tags_one_of:
        options.append(([f"tag#{_fold(t)}" for t in sorted(set(q.tags_one_of))],
                        len(set(q.tags_one_of)) == 1))
    for tag in q.tags_all_of:
        options.append(([f"tag#{_fold(tag)}"], True))
    if q.nsfw is True:
        options.append((["nsfw#true"], True))
    if q.is_local is False:
        options.append((["remote#true"], True))
    if q.is_live is True:
        options.append((["live#true"], True))
    return options


def _matches(video: Video, q: VideoQuery) -> bool:
    """Every filter of `q`, checked on the video item itself."""
    if not listable(video):
        return False
    tags = {_fold(t) for t in video.tags or []}
    if q.channel and video.channel.lower() != q.channel.lower():
        return False
    if q.account and video.owner.lower() != q.account.lower():
        return False
    if q.channels is not None and video.channel.lower() not in {c.lower() for c in q.channels}:
        return False
    if q.category_one_of and video.category not in q.category_one_of:
        return False
    if q.licence_one_of and video.licence not in q.licence_one_of:
        return False
    if q.language_one_of and video.language not in q.language_one_of and not (
            "_unknown" in q.language_one_of and not video.language):
        return False
    if q.tags_one_of and not tags & {_fold(t) for t in q.tags_one_of}:
        return False
    if q.tags_all_of and not {_fold(t) for t in q.tags_all_of} <= tags:
        return False
    if q.nsfw is not None and bool(video.nsfw) != q.nsfw:
        return False
    if q.is_live is not None and bool(video.is_live) != q.is_live:
        return False
    if q.is_local is not None and video.is_remote == q.is_local:
        return False
    if video.owner.lower() in q.exclude_accounts:
        return False
    duration = int(video.duration or 0)
    if q.duration_min is not None and duration < q.duration_min:
        return False
    if q.duration_max is not None and duration > q.duration_max:
        return False
    if q.published_after is not None and video.published_at < q.published_after:
        return False
    if q.published_before is not None and video.published_at > q.published_before:
        return False
    if q.search and not matches_search(q.search, video.name, *(video.tags or [])):
        return False
    return True


def _verified(uuids: Iterator[str], q: VideoQuery, limit: int,
              first_batch: int = BATCH) -> Iterator[Video]:
    """The videos behind candidate uuids, in order, that really match `q`; at most
    `limit` candidates are looked at. Candidates are read in batches that start at the
    size of the page wanted and double, so a page costs about one batch."""
    candidates = itertools.islice(uuids, limit)
    size = max(1, min(first_batch, BATCH))
    while batch := list(itertools.islice(candidates, size)):
        found = {v.uuid: v for v in Video.batch_get([Video.key(u) for u in batch])}
        for uuid in batch:
            video = found.get(uuid)
            if video is not None and _matches(video, q):
                yield video
        size = min(size * 2, BATCH)


def _entries(name: str, descending: bool) -> Iterator[tuple[str, str]]:
    for entry in CatalogEntry.query(f"catalog#{name}", scan_index_forward=not descending,
                                    page_size=BATCH):
        yield entry.sk, entry.uuid


def _merged(names: list[str], descending: bool) -> Iterator[str]:
    """The union of sorted lists, in order, each video once."""
    streams = [_entries(name, descending) for name in names]
    merged = heapq.merge(*streams, reverse=descending) if len(streams) > 1 else streams[0]
    last = None
    for sk, uuid in merged:
        if sk != last:
            yield uuid
        last = sk


def _index_order(index: str, descending: bool) -> Iterator[str]:
    if index == "by_list":
        yield from _public_by_month(descending)
        return
    for video in getattr(Video, index).query(PUBLIC, scan_index_forward=not descending,
                                             page_size=BATCH):
        yield video.uuid


def _public_by_month(descending: bool) -> Iterator[str]:
    try:
        months = CatalogMonths.get(*CatalogMonths.KEY).months or set()
    except DoesNotExist:
        return
    for month in sorted(months, reverse=descending):
        for _, uuid in _entries(f"public#{month}", descending):
            yield uuid


def list_videos(q: VideoQuery) -> tuple[int, list[Video]]:
    """A page of the public catalog and how many videos match in all."""
    descending = q.sort.startswith("-")
    index = SORTS.get(q.sort.lstrip("-"), "by_list")
    options = _key_list_options(q)
    if q.search:
        term = search_term(q.search)
        if term:
            options.append(([f"term#{term}"], False))
        elif not options:
            return 0, []
    if not options:
        videos = _verified(_index_order(index, descending), q, MAX_SCAN, q.start + q.count)
        residual = _has_residual_filters(q, set())
        # The common lists "without NSFW", "local only" and "not live" are counted by
        # subtraction, when at most one of the lists subtracted has videos (two could
        # overlap).
        subtracted = [name for name, on in (("nsfw#true", q.nsfw is False),
                                            ("remote#true", q.is_local is True),
                                            ("live#true", q.is_live is False)) if on]
        by_subtraction = subtracted and not _has_residual_filters(
            q, {"nsfw", "is_local", "not_live"})
        if by_subtraction and len(subtracted) > 1:
            by_subtraction = sum(counter_value(n) > 0 for n in subtracted) <= 1
        page, seen = _take(videos, q.start, q.count,
                           count_all=residual and not by_subtraction)
        if not residual:
            return counter_value(PUBLIC), page
        if by_subtraction:
            return counter_value(PUBLIC) - sum(counter_value(n) for n in subtracted), page
        return seen, page
    # The smallest key list is the cheapest place to start.
    lists, disjoint = min(options, key=lambda o: sum(counter_value(n) if not n.startswith("term#")
                                                     else MAX_SCAN for n in o[0]))
    if index == "by_list":
        videos = _verified(_merged(lists, descending), q, MAX_SCAN, q.start + q.count)
        counted = disjoint and len(options) == 1 and not _has_residual_filters(
            q, LIST_FILTERS)
        page, seen = _take(videos, q.start, q.count, count_all=not counted)
        return (sum(counter_value(n) for n in lists) if counted else seen), page
    # Another order within a filter list: gather the (bounded) list, sort it here.
    everything = list(_verified(_merged(lists, descending=True), q, MAX_SCAN))
    attribute = {"by_views": "views", "by_likes": "likes", "by_duration": "duration",
                 "by_name": "name_sort"}[index]
    everything.sort(key=lambda v: getattr(v, attribute) or 0, reverse=descending)
    return len(everything), everything[q.start:q.start + q.count]


def _has_residual_filters(q: VideoQuery, answered: set[str]) -> bool:
    """Whether `q` filters on more than the lists in `answered` already guarantee."""
    present = {
        "channel": bool(q.channel), "account": bool(q.account),
        "channels": q.channels is not None, "category_one_of": bool(q.category_one_of),
        "licence_one_of": bool(q.licence_one_of), "language_one_of": bool(q.language_one_of),
        "tags_one_of": bool(q.tags_one_of), "tags_all_of": bool(q.tags_all_of),
        "nsfw_true": q.nsfw is True, "nsfw": q.nsfw is False,
        "live": q.is_live is True, "not_live": q.is_live is False,
        "is_local": q.is_local is True,
        "remote": q.is_local is False,
        "search": bool(q.search), "exclude": bool(q.exclude_accounts),
        "duration": q.duration_min is not None or q.duration_max is not None,
        "published": q.published_after is not None or q.published_before is not None,
    }
    return any(on and name not in answered for name, on in present.items())


def _take(videos: Iterator[Video], start: int, count: int, *,
          count_all: bool) -> tuple[list[Video], int]:
    """The page [start, start+count) and how many matched: all of them when `count_all`
    (bounded by the scan), else just as far as the page."""
    page, seen = [], 0
    for video in videos:
        if start <= seen < start + count:
            page.append(video)
        seen += 1
        if not count_all and seen >= start + count:
            break
    return page, seen
