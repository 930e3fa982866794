"""The newsroom's memory: runs, records, summaries, checks, reviews and the watch queue."""

from agent.store.store import (
    DB_ENV,
    Event,
    Item,
    QueueEntry,
    RunMeta,
    RunView,
    Store,
    default_db_url,
)

__all__ = ["DB_ENV", "Event", "Item", "QueueEntry", "RunMeta", "RunView", "Store", "default_db_url"]
