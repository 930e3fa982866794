"""The newsroom: digest into the store, watch feeds, run workers with bounded concurrency."""
