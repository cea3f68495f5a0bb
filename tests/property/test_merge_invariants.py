"""Merge invariants: blocking by country and date gives the same events as comparing every pair, and the
result does not depend on the order of the input rows."""
import json
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import merge


def _naive_partition(rows, cfg):
    parent = list(range(len(rows)))

    def find(i):
        while parent[i] != i:
            i = parent[i]
        return i

    for i in range(len(rows)):
        for j in range(i + 1, len(rows)):
            if find(i) != find(j) and merge._same_incident(rows[i], rows[j], cfg):
                parent[find(j)] = find(i)
    groups = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), set()).add(rows[i]["report_id"])
    return sorted(sorted(g) for g in groups.values())


report = st.fixed_dictionaries({
    "doc_id": st.sampled_from(["a", "b", "c", "d", "e"]),
    "iso": st.sampled_from([586, 566]),
    "event_date": st.sampled_from([None, "2023-02-16", "2023-02-17", "2023-02-18", "2023-02-25"]),
    "location": st.sampled_from(["Karachi", "Quetta"]),
    "event_type": st.sampled_from(["Battles", "Explosions/Remote violence", "Protests"]),
    "persons": st.sampled_from([json.dumps(["Javed Alam Odho"]), json.dumps([])]),
    "target_terms": st.sampled_from([json.dumps(["police station"]), json.dumps([])]),
    "target_type": st.sampled_from(["Police", None]),
    "perpetrator_group": st.sampled_from(["", "TTP: Tehreek-i-Taliban Pakistan"]),
})


@settings(max_examples=60, deadline=None)
@given(st.lists(report, min_size=1, max_size=12), st.randoms())
def test_merge_blocking_equals_all_pairs_and_ignores_order(rows, rnd):
    rows = [{**r, "report_id": f"r{i}", "latitude": None, "longitude": None} for i, r in enumerate(rows)]
    cfg = merge.MergeConfig()
    blocked = sorted(sorted(rows[i]["report_id"] for i in c) for c in merge._clusters(rows, cfg))
    assert blocked == _naive_partition(rows, cfg)
    shuffled = rows[:]
    rnd.shuffle(shuffled)
    again = sorted(sorted(shuffled[i]["report_id"] for i in c) for c in merge._clusters(shuffled, cfg))
    assert again == blocked
