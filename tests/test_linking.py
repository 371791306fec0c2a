# The Linking page lists every topic page of a model from the same list the pages are made from.
from __future__ import annotations

from gen.render import pages as P


def test_the_linking_page_lists_every_topic_page(tiny_files, tiny_snapshot):
    text = tiny_files["linking.md"].decode("utf-8")
    topics = [q for q in P.model_pages(tiny_snapshot)
              if q.path.count("/") == 3 and q.path.split("/")[2] not in ("index.md", "visual", "transformer")]
    assert len(topics) >= 12
    missing = [q.path for q in topics if f"| {q.title} | [`{q.path[:-len('index.md')]}`]" not in text]
    assert missing == []
