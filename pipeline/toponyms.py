"""Toponym detection over a spaCy Doc: NER, gazetteer, aliases, datelines, cue words and demonyms.

`find_toponyms(doc, gazetteer)` returns one dict per place mention, ordered by position:

    {"text", "char_start", "char_end", "sentence_idx", "source", "cue", "is_demonym", "country_hint"}

* `source`: "dateline" (a place opening the text or a line: "KARACHI, Pakistan (AP) —", "QUETTA:"), "ner"
  (a GPE/LOC/FAC entity), "alias" (our curated alias table: NWFP, KPK, N Waziristan, demonyms) or "gazetteer"
  (a GeoNames name on capitalised tokens, also inside organisation names: "Karachi Police Office").
* `cue`: how the text places it: "near", "outskirts", "district" ("Lakki Marwat district", "Kurram Agency"),
  "province" ("Sindh province"), "town" ("Chaman town"), "border" ("at Iran border", "border with Iran"),
  "modifier" (names an actor rather than a place: "US drone", "Pakistan army"), "in" (after in/at/inside),
  "from" (an origin: "militants from Miranshah"), or None. Demonyms get a cue too ("firing from the Afghan
  side": an origin, weaker evidence of the event's country).
* `is_demonym`: "Pakistani", "Nigerian": evidence of a country, never a place; `country_hint` is its ISO2.
  A dateline's country ("KARACHI, Pakistan") and an appositive country ("Lakki Marwat, Pakistan") also
  give a `country_hint`.

The statistical NER alone misses places (the small English model tags "Karachi" as ORG in "Karachi police
chief"), so capitalised token sequences are looked up in the gazetteer too, with guards against common
words that are also town names ("Police", "Mobile", "Of"), acronyms ("BRA" is a Baloch group, not Bra in
Italy) and person names ("Shehbaz Sharif": a match inside a PERSON entity counts only when cued).
"""
from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
from spacy.attrs import IDX, IS_ALPHA, IS_PUNCT, LENGTH, SENT_START
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.tokens import Doc

from .gazetteer import Gazetteer, normalize

MAX_NGRAM = 6
PLACE_LABELS = {"GPE", "LOC", "FAC"}
# lower-case words that may sit inside a place name ("Rio de Janeiro", "Bosnia and Herzegovina", "Dera Ismail Khan")
_CONNECTORS = {"de", "del", "da", "do", "dos", "das", "di", "du", "des", "la", "le", "las", "los", "al", "el", "ul",
               "ud", "e", "i", "y", "and", "of", "upon", "on", "sur", "am", "an", "der", "-", "&", "'", "’"}
# capitalised words common in news that GeoNames also knows as a town somewhere
_COMMON = {
    "police", "army", "navy", "update", "official", "officials", "said", "says", "security", "forces", "force",
    "attack", "attacks", "blast", "bomb", "strike", "strikes", "drone", "killed", "kills", "kill", "dead", "death",
    "news", "reuters", "press", "times", "post", "dawn", "express", "tribune", "nation", "herald", "mail", "today",
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "january", "february", "march",
    "april", "may", "june", "july", "august", "september", "october", "november", "december", "mobile",
    "president", "minister", "prime", "chief", "general", "governor", "spokesman", "spokesperson", "district",
    "province", "state", "city", "town", "village", "central", "north", "south", "east", "west", "northern",
    "southern", "eastern", "western", "upper", "lower", "new", "old", "national", "federal", "provincial",
    "islamic", "republic", "union", "party", "court", "justice", "media", "video", "twitter", "facebook",
    "telegram", "whatsapp", "deputy", "inspector", "station", "office", "headquarters", "mosque", "church",
    "school", "market", "hospital", "university", "college", "bank", "camp", "base", "border", "road", "highway",
    "bridge", "gate", "square", "street", "valley", "river", "lake", "mount", "mountain", "hill", "hills",
    "island", "coast", "sea", "ocean", "airport", "port", "victoria", "liberty", "freedom", "hope", "unity",
    "victory", "peace", "paradise", "eden", "mission", "independence", "progress", "providence",
    "corona",
    "taliban", "qaeda", "al", "ali", "khan", "shah", "mohammad", "muhammad", "ahmed", "ahmad", "hussain",
    "rangers", "frontier", "corps", "levies", "division", "agency", "brigade", "regiment", "battalion",
    "commander", "leader", "group", "militants", "terrorists", "gunmen", "soldiers", "troops", "officer",
    "officers", "militant", "terrorist", "soldier", "policeman", "policemen", "civilians", "people", "men",
    "women", "children", "family", "residents", "local", "locals", "sources", "source", "report", "reports",
    "reported", "claims", "claim", "claimed", "responsibility", "confirmed", "injured", "wounded", "ambush",
    "raid", "operation", "clash", "clashes", "encounter", "firing", "shootout", "explosion", "suicide",
    "gun", "gunfire", "grenade", "rocket", "missile", "mortar", "jets", "helicopter", "helicopters",
    "pic", "here", "there", "what", "multiple", "random", "surge", "explosions", "early", "late", "later",
    "home", "house", "hotel", "embassy", "consulate", "parliament", "assembly", "senate", "council",
}
_NEAR = {"near", "nearby", "close", "around", "outside", "off"}
_OUTSKIRTS = {"outskirts", "suburbs", "suburb", "vicinity", "environs", "periphery"}
_LOCATIVE = {"in", "at", "inside", "within", "into", "across", "throughout"}
_DISTRICT = {"district", "districts", "agency", "tehsil", "subdivision", "sub-division", "division", "county",
             "municipality", "lga", "prefecture", "raion", "sub-district"}
_PROVINCE = {"province", "provinces", "state", "region", "governorate", "oblast", "territory", "department"}
_TOWN = {"city", "town", "village", "area", "locality", "neighbourhood", "neighborhood", "suburb", "bazaar"}
_BORDER = {"border", "borders", "frontier", "border-crossing", "crossing", "boundary"}
# nouns after a country name that make it an actor's nationality, not a place (used without a parse)
_ACTOR_NOUNS = {"forces", "force", "army", "military", "troops", "soldiers", "soldier", "police", "policeman",
                "policemen", "security", "government", "officials", "official", "drone", "drones", "missile",
                "missiles", "jets", "navy", "authorities", "militants", "rangers", "embassy", "envoy", "airstrike",
                "airstrikes", "strike", "strikes", "national", "nationals", "citizens", "warplanes", "aircraft"}

_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
_DATELINE = re.compile(
    r"(?m)^[ \t]*(?P<place>[A-Z][A-Za-z'’.\-]*(?:[ \t]+[A-Z][A-Za-z'’.\-]*){0,3})"
    r"(?:[ \t]*,[ \t]*(?P<country>(?!" + _MONTH + r"[ \t]+\d)[A-Z][A-Za-z.]*(?:[ \t]+[A-Z][A-Za-z.]*){0,2}))?"
    r"(?:[ \t]*,[ \t]*(?P<date>" + _MONTH + r"[ \t]+\d{1,2}))?"  # "KYIV, Aug 29 (Reuters) -"
    r"[ \t]*(?:\((?P<agency>[A-Za-z .&]{1,30})\))?[ \t]*(?P<sep>—|–|--|-|:)[ \t]+"
)
# head nouns that make a place before them the scene of an event ("Shopian gunfight", "Mandera IED blast"),
# not an actor's affiliation ("Kunduz police")
_EVENT_NOUNS = {"attack", "attacks", "blast", "blasts", "bombing", "bombings", "explosion", "explosions", "gunfight",
                "firefight", "clash", "clashes", "fighting", "ambush", "raid", "raids", "encounter", "shootout",
                "shooting", "massacre", "killing", "killings", "violence", "riot", "riots", "unrest", "siege",
                "battle", "offensive", "assault", "kidnapping", "abduction", "incident", "standoff", "protest",
                "protests", "demonstration", "airstrike", "bombardment", "shelling", "bomb", "bombs", "strike",
                "strikes", "airstrikes", "gunbattle"}


def _sentence_index(doc: Doc, sent_start: np.ndarray | None = None) -> list[int]:
    """token index -> sentence index (0 for all tokens when the Doc has no sentence boundaries).

    The numbering `doc.sents` gives (a sentence begins at each token after the first whose SENT_START is 1),
    counted from one `Doc.to_array(SENT_START)` column instead of a Span per sentence.
    """
    if "sents" in doc.user_hooks:
        out = [0] * len(doc)
        for k, s in enumerate(doc.sents):
            out[s.start:s.end] = [k] * (s.end - s.start)
        return out
    if sent_start is None:
        sent_start = doc.to_array([SENT_START]).reshape(-1)
    starts = sent_start.view(np.int64) == 1
    if len(starts):
        starts[0] = False
    return np.cumsum(starts).tolist()


def _is_cap(text: str) -> bool:
    return bool(text) and (text[0].isupper() or (text[0] in "'’" and len(text) > 1 and text[1].isupper()))


def _tok_is_upper_acronym(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and all(c.isupper() for c in letters) and len(letters) <= 5


class _Finder:
    def __init__(self, doc: Doc, gaz: Gazetteer):
        self.doc = doc
        self.text = doc.text  # Doc.text is rebuilt on every access: read it once
        self.gaz = gaz
        # Token attributes read once into lists (a `doc[i]` makes a new Token object every time).
        arr = doc.to_array([IDX, IS_ALPHA, IS_PUNCT, SENT_START, LENGTH])
        self.sent_of = _sentence_index(doc, arr[:, 3])
        self.idx: list[int] = arr[:, 0].tolist()
        text = self.text
        self.words: list[str] = [text[i:i + n] for i, n in zip(self.idx, arr[:, 4].tolist())]
        self.low: list[str] = [w.lower() for w in self.words]
        self.is_alpha: list[bool] = (arr[:, 1] != 0).tolist()
        self.is_punct: list[bool] = (arr[:, 2] != 0).tolist()
        self.has_pos = doc.has_annotation("POS") or doc.has_annotation("TAG")
        self.has_dep = doc.has_annotation("DEP")
        self.lower_words = {w for w, a in zip(self.words, self.is_alpha) if a and w.islower()}
        # Gazetteer lookups are pure functions of the text: each distinct text is looked up once per document.
        self.is_name = lru_cache(maxsize=None)(gaz.is_name)
        self.name_kinds = lru_cache(maxsize=None)(gaz.name_kinds)
        self.candidates = lru_cache(maxsize=None)(gaz.candidates)
        self.ent_label = [""] * len(doc)
        self.ent_start = [-1] * len(doc)
        for ent in doc.ents:
            for i in range(ent.start, ent.end):
                self.ent_label[i] = ent.label_
                self.ent_start[i] = ent.start
        self.found: list[dict] = []
        self.outlets: list[tuple[int, int]] = []  # char spans of a dateline's "(Garowe Online)": a source's name

    # -- helpers -----------------------------------------------------------------------------------
    def span_text(self, start: int, end: int) -> str:
        """`doc[start:end].text` (start < end), cut from the text by character offsets."""
        return self.text[self.idx[start]:self.idx[end - 1] + len(self.words[end - 1])]

    def _prev_words(self, start: int, n: int = 3) -> list[str]:
        words = []
        low = self.low
        i = start - 1
        while i >= 0 and len(words) < n:
            if low[i] in ("the", "a", "an"):
                i -= 1
                continue
            words.append(low[i])
            i -= 1
        return words

    def cue(self, start: int, end: int) -> str | None:
        low = self.low
        n = len(low)
        nxt = low[end] if end < n else ""
        nxt2 = low[end + 1] if end + 1 < n else ""
        prev = self._prev_words(start)
        p0 = prev[0] if prev else ""
        # "at Iran border", "Pakistan-Afghanistan border", "border with Iran"
        if nxt in _BORDER or (nxt == "-" and nxt2 and end + 2 < n and low[end + 2] in _BORDER):
            return "border"
        if nxt in ("-", "–") and nxt2 in ("based", "born", "backed", "led", "linked", "made", "bound", "allied",
                                          "funded", "sponsored", "trained", "registered", "flagged"):
            return "modifier"  # "Britain-based", "Iran-backed"
        if nxt in ("-", "–") and end + 1 < n and _is_cap(self.words[end + 1]):
            k = end + 2
            if k < n and low[k] in _BORDER:
                return "border"
        if p0 in ("with", "across") and len(prev) > 1 and prev[1] in _BORDER:
            return "border"
        if p0 == "of" and len(prev) > 1 and prev[1] in _OUTSKIRTS:
            return "outskirts"
        if p0 == "of" and len(prev) > 1:
            # "the town of Konduga", "the district of Llochegua", "the province of Brescia"
            for words, cue in ((_TOWN, "town"), (_DISTRICT, "district"), (_PROVINCE, "province")):
                if prev[1] in words:
                    return cue
        if p0 in _NEAR or (p0 in ("to", "from") and len(prev) > 1 and prev[1] in ("close", "near", "next")):
            return "near"
        if p0 in ("from",) and len(prev) > 1 and prev[1].endswith("km"):
            return "near"
        if p0 in ("of", "from") and len(prev) > 1 and prev[1] in ("north", "south", "east", "west", "northeast",
                                                                  "northwest", "southeast", "southwest"):
            return "near"
        if nxt in _DISTRICT or (nxt == "tribal" and nxt2 in _DISTRICT):
            return "district"
        if nxt in _PROVINCE:
            return "province"
        if nxt in _TOWN:
            return "town"
        if self._is_modifier(start, end):
            return "in" if self._names_event_scene(start, end) else "modifier"
        if p0 in _LOCATIVE:
            return "in"
        if p0 == "from":
            return "from"  # an origin ("militants from Miranshah"), weaker than the place of the event
        return None

    def _is_modifier(self, start: int, end: int) -> bool:
        doc = self.doc
        if end >= len(doc):
            return False
        last = doc[end - 1]
        if self.has_dep:
            head = last.head
            return (
                last.dep_ in ("compound", "amod", "nmod")
                and head.i >= end
                and head.pos_ in ("NOUN", "PROPN")
                and head.text.lower() not in _DISTRICT | _PROVINCE | _TOWN | _BORDER
                and doc[end].text not in ("'s", "’s")
            )
        return doc[end].text.lower() in _ACTOR_NOUNS

    def _names_event_scene(self, start: int, end: int) -> bool:
        """A place (not a country: "US drone strike" names the striker) before an event noun."""
        if not self.has_dep:
            return False
        head = self.doc[end - 1].head
        while head.dep_ == "compound" and head.head.i != head.i:
            head = head.head
        if head.text.lower() not in _EVENT_NOUNS:
            return False
        text = self.span_text(start, end)
        return not any(p.feature == "country" for p in self.candidates(text)) and \
            not self.gaz.demonym_country(text)

    def _in_person(self, start: int, end: int) -> bool:
        return any(self.ent_label[i] == "PERSON" for i in range(start, end))

    @staticmethod
    def _strongly_cued(cue: str | None) -> bool:
        return cue in ("near", "outskirts", "district", "province", "town", "in")

    def _hyphenated_name(self, i: int, j: int) -> bool:
        """Tokens i..j sit inside a hyphenated proper name: "Saudi-Ampatuan", "Anglo-Saxon"."""
        words, n = self.words, len(self.words)
        after = j + 1 < n and words[j] == "-" and words[j + 1][:1].isupper()
        before = i >= 2 and words[i - 1] == "-" and words[i - 2][:1].isupper()
        return after or before

    def add(self, start: int, end: int, source: str, *, cue: str | None = None, is_demonym: bool = False,
            country_hint: str | None = None, char_span: tuple[int, int] | None = None) -> None:
        if char_span is None:
            cs, ce = self.idx[start], self.idx[end - 1] + len(self.words[end - 1])
        else:
            cs, ce = char_span
        self.found.append({
            "text": self.text[cs:ce],
            "char_start": cs,
            "char_end": ce,
            "sentence_idx": self.sent_of[start] if start < len(self.sent_of) else 0,
            "source": source,
            "cue": cue,
            "is_demonym": is_demonym,
            "country_hint": country_hint,
            "_tok": (start, end),
        })

    def _source_for(self, text: str) -> str:
        return "alias" if "alias" in self.name_kinds(text) else "gazetteer"

    def _country_hint_after(self, end: int) -> str | None:
        """"Lakki Marwat, Pakistan" -> PK."""
        n_tok = len(self.words)
        if end + 1 < n_tok and self.words[end] == ",":
            for n in (3, 2, 1):
                if end + 1 + n <= n_tok:
                    txt = self.span_text(end + 1, end + 1 + n)
                    c = [p for p in self.candidates(txt) if p.feature == "country" and p.match in ("name", "alias")]
                    if len(c) == 1 and _is_cap(txt):
                        return c[0].country_iso2
        return None

    # -- passes ------------------------------------------------------------------------------------
    def datelines(self) -> None:
        text = self.text
        for m in _DATELINE.finditer(text):
            place = m.group("place").strip()
            # a title-case "Word:" opening a line is a dateline only when the word is a known place; a
            # title-case "Lima (AFP) -" is one by its news agency
            if m.group("sep") != ":" and not place.isupper() and not m.group("agency"):
                continue
            if m.group("agency"):
                self.outlets.append((m.start("agency"), m.end("agency")))
            if not self.is_name(place) and re.search(r"[ \t]+city$", place, re.I):
                place = re.sub(r"[ \t]+city$", "", place, flags=re.I)  # "BUTUAN CITY -", "KUNDUZ CITY (Pajhwok):"
            if not self.is_name(place) or normalize(place) in self.gaz.demonyms:
                continue
            low = normalize(place)
            if low in _COMMON or low in STOP_WORDS:
                continue
            cs = m.start("place")
            ce = cs + len(place)
            span = self.doc.char_span(cs, ce, alignment_mode="expand")
            if span is None:
                continue
            hint = None
            if m.group("country"):
                cands = [p for p in self.candidates(m.group("country")) if p.feature == "country"]
                if cands:
                    hint = cands[0].country_iso2
            self.add(span.start, span.end, "dateline", country_hint=hint, char_span=(cs, ce))

    def entities(self) -> None:
        words, lowered = self.words, self.low
        for ent in self.doc.ents:
            start, end = ent.start, ent.end
            while start < end and lowered[start] in ("the",):
                start += 1
            while end > start and words[end - 1] in ("'s", "’s", "'", "’"):
                end -= 1
            if start >= end:
                continue
            text = self.span_text(start, end)
            dem = self.gaz.demonym_country(text)
            if dem:
                if not self._hyphenated_name(start, end):
                    self.add(start, end, "alias", cue=self.cue(start, end), is_demonym=True, country_hint=dem)
                continue
            known = self.is_name(text)
            if ent.label_ in ("FAC", "NORP") and not known:
                continue  # a facility or group GeoNames does not know: the gazetteer scan looks inside it
            if ent.label_ not in ("GPE", "LOC", "FAC", "NORP"):
                continue
            if not known:
                low = normalize(text)
                if low in STOP_WORDS or low in _COMMON:
                    continue  # "Gunmen" tagged GPE
                if self.has_pos and all(t.pos_ in ("NOUN", "VERB", "ADJ", "NUM") for t in self.doc[start:end]):
                    continue
                # "Khyber Pakhtunkhwa province" as one entity: let the gazetteer scan find the known part
                if any(self.is_name(self.span_text(a, b)) for a in range(start, end)
                       for b in range(a + 1, min(end, a + MAX_NGRAM) + 1) if _is_cap(words[a])):
                    continue
            elif not self._plausible(start, end, text, ner=True):
                continue
            c = self.cue(start, end)
            self.add(start, end, "ner", cue=c, country_hint=self._country_hint_after(end))

    def _plausible(self, start: int, end: int, text: str, *, ner: bool) -> bool:
        """Guards for a gazetteer match (NER-confirmed when `ner`)."""
        key = normalize(text)
        kinds = self.name_kinds(text)
        is_alias = "alias" in kinds
        single = (end - start) == 1
        tok = self.doc[start]
        cands = self.candidates(text)
        admin_name = any(
            p.feature in ("country", "admin1", "admin2") and p.match in ("name", "short", "alias") for p in cands)
        cue = self.cue(start, end)
        if self._in_person(start, end) and not self._strongly_cued(cue):
            # "Shehbaz Sharif", "Murad Ali Shah" are people; "Khyber Pakhtunkhwa" tagged PERSON is still a province
            whole = self.ent_start[start] == start and (end == len(self.doc) or self.ent_start[end] != start)
            big_town = (end - start) > 1 and any(p.population >= 100_000 for p in cands)  # "Khan Younis"
            if not (whole and (admin_name or big_town or (is_alias and cue == "from"))):
                return False
        letters = [w.strip(".") for w in self.words[start:end] if any(c.isalpha() for c in w)]
        if len(letters) > 1 and all(len(w) <= 1 for w in letters) and "&" not in text:
            return False  # "J K" in a list of initials is not J&K
        if is_alias:
            # curated aliases: an acronym must be written as one ("KP", not "Kp"); stop words only upper case
            if _tok_is_upper_acronym(text) or not single:
                return True
            return key not in STOP_WORDS and key not in _COMMON
        if key in STOP_WORDS or key in _COMMON:
            return False
        if single and _tok_is_upper_acronym(tok.text) and len(tok.text) <= 5:
            # acronyms (BLA, BRA, TTP) are groups; only a country name may be written in capitals here
            return any(p.feature == "country" and p.match == "name" for p in cands)
        if not cands:
            return False
        strong = any(p.feature in ("country", "admin1") and p.match in ("name", "short") for p in cands)
        if single:
            if tok.text.lower() in self.lower_words and not strong:
                return False  # the word is also used in lower case here: a common word
            top = max(p.population for p in cands)
            if self.has_pos and tok.pos_ not in ("PROPN", "X") and not strong and top < 100_000 \
                    and cue not in ("district", "province"):
                return False  # tagged as an ordinary word, and not a well-known city ("Karachi police" is ADJ)
            cued = cue in ("near", "outskirts", "district", "province", "town", "in")
            if not ner and not cued and self.gaz.is_english_word(text) and not strong and top < 1_000_000:
                return False  # "Human Rights", "Lady Reading Hospital": an English word, not a place
            big = top >= 10_000 or any(p.feature in ("country", "admin1", "admin2") for p in cands)
            only_alt = all(p.match == "alternate" for p in cands)
            if only_alt and cue is None and not ner:
                return False
            # a small town needs NER's word or a cue, or must be a proper noun outside any entity that is
            # no English word and GeoNames' own name for it ("Kurram district's Parachinar")
            bare_propn = (self.has_pos and tok.pos_ == "PROPN"
                          and self.ent_label[start] not in ("PERSON", "ORG", "NORP")
                          and not self.gaz.is_english_word(text) and any(p.match == "name" for p in cands))
            if not big and not ner and not cued and not bare_propn:
                return False
        return True

    def gazetteer_scan(self) -> None:
        words, sent_of = self.words, self.sent_of
        n = len(words)
        cap = [_is_cap(w) for w in words]
        # per token: may open a name; may end one; may sit inside one (a possessive never does)
        opens = [c and (a or "." in w or "'" in w) for c, w, a in zip(cap, words, self.is_alpha)]
        closes = [c or w.isupper() for c, w in zip(cap, words)]
        inside = [(c or lw in _CONNECTORS or p and w in "-&'’.") and w not in ("'s", "’s")
                  for c, w, lw, p in zip(cap, words, self.low, self.is_punct)]
        i = 0
        while i < n:
            if not opens[i]:
                i += 1
                continue
            # the longest span i..j that stays inside one sentence and whose every token may be inside a name
            limit = min(n, i + MAX_NGRAM)
            k = i
            while k < limit and inside[k] and sent_of[k] == sent_of[i]:
                k += 1
            matched = None
            for j in range(k, i, -1):
                if not closes[j - 1]:
                    continue
                text = self.span_text(i, j)
                if self.gaz.demonym_country(text):
                    matched = (j, "demonym")
                    break
                if self.is_name(text):
                    matched = (j, "place")
                    break
            if matched is None and i + 1 < n and self.low[i + 1] in _DISTRICT | _PROVINCE | _TOWN \
                    and self.is_name("al " + self.low[i]):
                # "the Hawija district": Arabic names lose their article in English copy (GeoNames: Al Hawija)
                self.add(i, i + 1, "gazetteer", cue=self.cue(i, i + 1))
                i += 1
                continue
            if matched is None:
                i += 1
                continue
            j, what = matched
            text = self.span_text(i, j)
            if what == "demonym":
                if not self._hyphenated_name(i, j):  # "Datu Saudi-Ampatuan" is a town, not Saudi Arabia
                    self.add(i, j, "alias", cue=self.cue(i, j), is_demonym=True,
                             country_hint=self.gaz.demonym_country(text))
                i = j
                continue
            ner_place = all(self.ent_label[k] in PLACE_LABELS for k in range(i, j))
            if self._plausible(i, j, text, ner=ner_place):
                self.add(i, j, self._source_for(text), cue=self.cue(i, j), country_hint=self._country_hint_after(j))
                i = j
            else:
                i += 1

    def result(self) -> list[dict]:
        rank = {"dateline": 0, "ner": 1, "alias": 2, "gazetteer": 3}
        # prefer datelines, then longer spans, then NER over gazetteer/alias
        order = sorted(self.found, key=lambda m: (rank[m["source"]] if m["source"] == "dateline" else 1,
                                                  -(m["char_end"] - m["char_start"]), rank[m["source"]],
                                                  m["char_start"]))
        kept: list[dict] = []
        for m in order:
            if any(m["char_start"] < k["char_end"] and k["char_start"] < m["char_end"] for k in kept):
                continue
            if any(s <= m["char_start"] and m["char_end"] <= e for s, e in self.outlets):
                continue  # "MOGADISHU (Garowe Online) -": the outlet's name, not a place of the story
            kept.append(m)
        kept.sort(key=lambda m: (m["char_start"], m["char_end"]))
        for m in kept:
            m.pop("_tok", None)
        return kept


def find_toponyms(doc: Doc, gazetteer: Gazetteer) -> list[dict]:
    """Place mentions in `doc` (see the module docstring), deduplicated and ordered by position."""
    f = _Finder(doc, gazetteer)
    f.datelines()
    f.entities()
    f.gazetteer_scan()
    out = f.result()
    # a NER entity unknown to the gazetteer that covers a known place: keep the known place instead
    return out
