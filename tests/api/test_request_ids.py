"""Fresh request ids (api.middleware.RequestIds): unique within a process and across a fork,
in the `req_` + 32 hex digits shape the responses and logs have always carried."""

from __future__ import annotations

import os
import re

from api.middleware import RequestIds

SHAPE = re.compile(r"^req_[0-9a-f]{32}$")


def test_ids_are_unique_and_keep_their_shape() -> None:
    ids = RequestIds()
    drawn = [ids.fresh() for _ in range(10_000)]
    assert len(set(drawn)) == len(drawn)
    assert all(SHAPE.match(one) for one in drawn)


def test_a_forked_child_draws_ids_the_parent_never_does() -> None:
    ids = RequestIds()
    parent_first = ids.fresh()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child: its next id, then exit at once
        os.write(writer, ids.fresh().encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(child, 0)
    child_id = os.read(reader, 64).decode()
    os.close(reader)
    parent_next = ids.fresh()
    assert SHAPE.match(child_id)
    assert child_id not in (parent_first, parent_next)
    assert child_id[4:20] != parent_next[4:20]  # another prefix, not the same counter's turn
