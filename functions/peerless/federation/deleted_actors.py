"""A remote actor deleted on its server (Mastodon and PeerTube send a `Delete` whose object
is the actor itself, signed by it): forgotten here with what it brought, as PeerTube's
processDeleteAccount and processDeleteVideoChannel drop the actor and what cascades from it.

What goes: the remote videos and playlists attributed to it (for an account, those of all
its channels, and its channels themselves), its comments (tombstones, so that replies keep their place),
its ratings, its follows of local actors, local actors' follows of it and local users'
subscriptions to it; then the actor. Each step finds only what is left, so a repeat (or a
retry after a failure half way) completes the removal and changes nothing more.
"""
from __future__ import annotations

import logging

from .. import ratings, subscriptions
from . import follows, interactions, remote_actors, remote_playlists, remote_videos
from .remote_actors import RemoteActor

log = logging.getLogger(__name__)


def forget(actor_url: str) -> bool:
    """Forgets the remote actor `actor_url` and what it brought. The inbox worker calls it
    for a Delete whose object is its verified actor: no one else may delete an actor.
    False when the actor is not known here (nothing to do)."""
    actor = remote_actors.known(actor_url)
    if actor is None:
        return False
    if actor.type != "Group":
        for channel in remote_actors.owned_by(actor.url):
            _forget(channel)
    _forget(actor)
    return True


def _forget(actor: RemoteActor) -> None:
    handle = remote_actors.handle(actor)
    for video in remote_videos.attributed_to(actor):
        remote_videos.delete(video.origin_url, sender=actor.url)
    for playlist in remote_playlists.attributed_to(actor):
        remote_playlists.delete(playlist.origin_url, sender=actor.url)
    interactions.forget_author(actor.url)
    ratings.forget_rater(handle)
    follows.forget_remote(actor.url)
    if actor.type == "Group":
        subscriptions.forget_channel(handle)
    remote_actors.forget(actor)
    log.info("forgot the deleted actor %s (%s)", actor.url, handle)
