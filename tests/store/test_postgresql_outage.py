"""While PostgreSQL is down, requests stop waiting the full timeout for a connection."""

from __future__ import annotations

import pytest

from vxmlkit.store import StoreUnavailable, open_store
from vxmlkit.store.postgresql import OUTAGE_WAIT


def test_an_outage_shortens_the_wait_until_the_server_answers_again(postgres, pg_server):
    store = open_store(postgres.new_store_url(), timeout=3.0)
    try:
        store.ping()
        assert store.connection_wait() == 3.0
        pg_server.stop()
        try:
            with pytest.raises(StoreUnavailable):
                store.ping()
            # The outage is known: the next requests wait a moment, not the whole timeout.
            assert store.down_since is not None
            assert store.connection_wait() == OUTAGE_WAIT
            with pytest.raises(StoreUnavailable):
                store.ping()
        finally:
            pg_server.start()
        # The pool reconnects by itself; the first connection it hands out ends the outage.
        for _ in range(200):
            try:
                store.ping()
                break
            except StoreUnavailable:
                continue
        assert store.down_since is None
        assert store.connection_wait() == 3.0
    finally:
        store.close()
