"""The coding dictionaries turned into fast matchers over a parsed Doc.

Built once per process from `data/dictionaries/` (validated by `schemas.dictionaries`). Phrases are matched
on both surface form (LOWER) and lemma (LEMMA), so "opened fire" and "open fire", "police stations" and
"police station" all match one entry.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span


@dataclass
class PhraseLexicon:
    """Phrase -> attributes, matched on LOWER and LEMMA; longest match wins."""

    name: str
    lower: PhraseMatcher
    lemma: PhraseMatcher
    attrs: dict[str, dict]

    @classmethod
    def build(cls, nlp: Language, name: str, rows: pd.DataFrame, key: str) -> "PhraseLexicon":
        lower = PhraseMatcher(nlp.vocab, attr="LOWER")
        lemma = PhraseMatcher(nlp.vocab, attr="LEMMA")
        attrs: dict[str, dict] = {}
        terms = [str(t).strip().lower() for t in rows[key]]
        records = rows.to_dict("records")
        # Lemmatised pattern docs need the tagger + lemmatizer, not the parser or NER.
        with nlp.select_pipes(enable=[p for p in ("tok2vec", "tagger", "attribute_ruler", "lemmatizer")
                                      if p in nlp.pipe_names]):
            lemma_docs = list(nlp.pipe(terms))
        for term, rec, ldoc in zip(terms, records, lemma_docs):
            if not term:
                continue
            label = f"{name}:{term}"
            attrs[label] = rec
            lower.add(label, [nlp.make_doc(term)])
            lemma.add(label, [ldoc])
        return cls(name, lower, lemma, attrs)

    def find(self, span: Span | Doc) -> list[tuple[Span, dict]]:
        doc = span.doc if isinstance(span, Span) else span
        found: dict[tuple[int, int], str] = {}
        for matcher in (self.lower, self.lemma):
            for match_id, s, e in matcher(span):  # offsets are doc-relative, also for a Span
                found.setdefault((s, e), doc.vocab.strings[match_id])
        spans = sorted(found, key=lambda se: (-(se[1] - se[0]), se[0]))
        taken: set[int] = set()
        out = []
        for s, e in spans:
            if taken & set(range(s, e)):
                continue
            taken.update(range(s, e))
            out.append((doc[s:e], self.attrs[found[(s, e)]]))
        return sorted(out, key=lambda x: x[0].start)


@dataclass
class Lexicons:
    triggers: dict[tuple[str, str], tuple[str, str]]  # (lemma, POS) -> (event_class, strength)
    tactics: PhraseLexicon
    targets: PhraseLexicon
    generic_actors: PhraseLexicon
    nonviolent: PhraseLexicon
    actors: dict[str, dict]  # canonical name -> {inter, country, actor_id}
    state_forces: pd.DataFrame
    version: str = ""
    country_names: set[str] = field(default_factory=set)
    country_iso: dict[str, str] = field(default_factory=dict)  # "united states", "u.s." -> "US"

    def __post_init__(self):
        # indexes derived once from the dictionaries
        # (country, force) -> ([(start, end, name)] in file order, the name of the latest period)
        self._forces_by_key = {
            k: ([(s, e, str(n)) for s, e, n in zip(g["start"], g["end"], g["name"])],
                str(g.sort_values("start").iloc[-1]["name"]))
            for k, g in self.state_forces.groupby(["country", "force"])
        }
        by_id = {a["actor_id"]: n for n, a in self.actors.items()}
        self.actor_by_id: dict[str, dict] = {a["actor_id"]: a for a in self.actors.values()}
        self._children: dict[str, list[tuple[str, str]]] = {}
        for n, a in self.actors.items():
            if a.get("parent") in by_id:
                self._children.setdefault(by_id[a["parent"]], []).append((n, a["country"]))

    def affiliate_in(self, name: str, iso2: str | None) -> str | None:
        """The one affiliate of a parent organisation active in a country: "Islamic State" in DR Congo is
        ISCAP, in Mozambique its Mozambique province (ACLED codes IS by province). None when not exactly one."""
        if not iso2 or name not in self.actors:
            return None
        # only provincial structures ("... Province"): a Taliban faction or a JNIM member group is not "the"
        # Taliban or JNIM in that country
        local = [n for n, c in self._children.get(name, []) if c == iso2 and "province" in n.lower()]
        return local[0] if len(local) == 1 else None

    def trigger(self, lemma: str, pos: str) -> tuple[str, str] | None:
        lemma = lemma.lower()
        hit = self.triggers.get((lemma, pos))
        if hit is None and pos in ("ADJ", "AUX", "PROPN"):
            hit = self.triggers.get((lemma, "VERB")) or self.triggers.get((lemma, "NOUN"))
        return hit

    def state_force_name(self, iso2: str | None, force: str, day: date | None) -> str | None:
        """ACLED's regime-period name, e.g. Police Forces of Pakistan (2022-), for the event's date."""
        if not iso2:
            return None
        periods, latest = self._forces_by_key.get((iso2, force), ([], None))
        if not periods:
            return None
        if day is not None:
            iso = day.isoformat()
            for start, end, name in periods:
                if isinstance(start, str) and start <= iso and isinstance(end, str) and (end == "" or end >= iso):
                    return name
        return latest


def build_lexicons(nlp: Language, dictionaries: dict[str, pd.DataFrame], version: str = "") -> Lexicons:
    trig = dictionaries["triggers"]
    triggers = {
        (str(l).lower(), str(p)): (str(c), str(s))
        for l, p, c, s in zip(trig["lemma"], trig["pos"], trig["event_class"], trig["strength"])
    }
    actors = {
        str(r["name"]): {"inter": int(r["inter"]), "country": str(r["country"]), "actor_id": str(r["actor_id"]),
                         "parent": str(r.get("parent", "") or "")}
        for r in dictionaries["actors"].to_dict("records")
    }
    import pycountry

    country_iso = {}
    for c in pycountry.countries:
        for attr in ("name", "common_name", "official_name"):
            if getattr(c, attr, None):
                country_iso.setdefault(getattr(c, attr).lower(), c.alpha_2)
    # the short forms news uses for the states whose forces most often strike abroad
    country_iso.update({"us": "US", "u.s.": "US", "usa": "US", "u.s.a.": "US", "america": "US", "uk": "GB",
                        "u.k.": "GB", "britain": "GB", "russia": "RU", "iran": "IR", "turkey": "TR",
                        "syria": "SY", "israel": "IL", "pakistan": "PK", "india": "IN"})
    country_names = set(country_iso) - {"u.s.", "u.k.", "u.s.a."}
    return Lexicons(
        triggers=triggers,
        tactics=PhraseLexicon.build(nlp, "tactic", dictionaries["attack_types"], "term"),
        targets=PhraseLexicon.build(nlp, "target", dictionaries["target_types"], "term"),
        generic_actors=PhraseLexicon.build(nlp, "actor", dictionaries["generic_actors"], "term"),
        nonviolent=PhraseLexicon.build(nlp, "context", dictionaries["nonviolent_contexts"], "term"),
        actors=actors,
        state_forces=dictionaries["state_forces"],
        version=version,
        country_names=country_names,
        country_iso=country_iso,
    )
