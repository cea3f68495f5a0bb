"""Extract + code stage: event reports from parsed articles, coded the ACLED/GTD way.

Reads  `articles`, and the NLP tables `tokens`, `entities`, `toponyms` (rebuilt into Docs, never re-parsed).
Writes `reports`: one row per incident an article reports as news, with every coded value and its evidence
       (sentence index, character offsets, text) in `evidence` (JSON), and the article's place mentions
       with their role (event / dateline / article) in `place_mentions` (JSON) for the geocoder.
       `no_event` (extra table): articles in which no political-violence incident was found, with why.
Rejects nothing: an article either yields reports or lands in `no_event`.

How an article is read:
1. Each sentence is classified: background (dated well before publication, or a trend/anniversary
   statement), non-violent context (sport, accident, court), event triggers from the parse (trigger lexicon
   on lemmas, negated or hypothetical triggers dropped), tactics, targets, actors, casualty figures, claims.
2. Event sentences are grouped into incidents: a new incident starts at "in a separate attack"-style cues or
   at a trigger sentence that names another place with its own figures; other sentences attach to the
   incident they follow.
3. Each incident is coded: event/sub-event type by ACLED precedence, attacker and target sides, perpetrator
   (claimant > named/suspected group > Unidentified Armed Group), claim status and mode, GTD target and
   attack types, fatalities (ACLED's lowest credible figure, attackers included), wounded, and date.
Actor *names* that depend on the country (Civilians (Pakistan), Police Forces of Pakistan (2022-)) are
filled by `name_actors` once the geocoder knows the country.
"""
from __future__ import annotations

import hashlib
import json
import re
from bisect import bisect_left
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from spacy.tokens import Doc, Span, Token

from . import casualties as cas
from .lexicons import Lexicons
from .nlp import TokenDocs
from .stage import StageResult, make_rejects
from schemas.events import interaction_label

from .timex import TimeRef, find_time_refs, parse_published

STAGE, STAGE_VERSION = "code", "1"


@dataclass(frozen=True)
class CodeConfig:
    # A dated mention older than this (days before publication) is background, not the reported event.
    background_days: int = 7
    max_incidents_per_article: int = 12
    # larger figures in one sentence are tallies of a conflict, not of one incident
    max_event_fatalities: int = 1000


INTER_TEXT = {1: "State forces", 2: "Rebel group", 3: "Political militia", 4: "Identity militia", 5: "Rioters",
              6: "Protesters", 7: "Civilians", 8: "External/Other forces"}

SUB_EVENT = {  # sub_event_type -> (event_type, disorder_type)
    "Armed clash": ("Battles", "Political violence"),
    "Government regains territory": ("Battles", "Political violence"),
    "Non-state actor overtakes territory": ("Battles", "Political violence"),
    "Air/drone strike": ("Explosions/Remote violence", "Political violence"),
    "Suicide bomb": ("Explosions/Remote violence", "Political violence"),
    "Shelling/artillery/missile attack": ("Explosions/Remote violence", "Political violence"),
    "Remote explosive/landmine/IED": ("Explosions/Remote violence", "Political violence"),
    "Grenade": ("Explosions/Remote violence", "Political violence"),
    "Chemical weapon": ("Explosions/Remote violence", "Political violence"),
    "Attack": ("Violence against civilians", "Political violence"),
    "Abduction/forced disappearance": ("Violence against civilians", "Political violence"),
    "Sexual violence": ("Violence against civilians", "Political violence"),
    "Peaceful protest": ("Protests", "Demonstrations"),
    "Protest with intervention": ("Protests", "Demonstrations"),
    "Excessive force against protesters": ("Protests", "Political violence; Demonstrations"),
    "Violent demonstration": ("Riots", "Demonstrations"),
    "Mob violence": ("Riots", "Political violence"),
    "Arrests": ("Strategic developments", "Strategic developments"),
    "Disrupted weapons use": ("Strategic developments", "Strategic developments"),
    "Looting/property destruction": ("Strategic developments", "Strategic developments"),
}

ATTACK_CLASSES = {"attack", "clash", "kill", "explode", "shoot", "bomb", "strike", "shell", "abduct", "hostage",
                  "burn", "hijack", "lynch", "assassinate", "wound", "capture", "retake"}
CLASH_WORDS = {"clash", "gunbattle", "gunfight", "firefight", "shootout", "battle", "fight", "exchange", "skirmish",
               "encounter", "ambush", "engage", "repulse", "repel", "retaliate", "return"}
HYPOTHETICAL_HEADS = {"threaten", "plan", "vow", "warn", "fear", "plot", "intend", "prevent", "thwart", "avert",
                      "foil", "urge", "call", "condemn", "deny", "allege", "prepare", "want", "try", "demand", "fail"}
MODALS = {"could", "would", "might", "may", "will", "shall", "should", "can"}
EXPLOSIVE_ORDER = ["chemical", "air_strike", "suicide_bomb", "shelling", "remote_explosive", "grenade"]
SUB_BY_TACTIC = {
    "chemical": "Chemical weapon", "air_strike": "Air/drone strike", "suicide_bomb": "Suicide bomb",
    "shelling": "Shelling/artillery/missile attack", "remote_explosive": "Remote explosive/landmine/IED",
    "grenade": "Grenade",
}
ATTACK_TYPE_BY_TACTIC = {
    "suicide_bomb": "Bombing/Explosion", "remote_explosive": "Bombing/Explosion", "grenade": "Bombing/Explosion",
    "air_strike": "Bombing/Explosion", "shelling": "Bombing/Explosion", "chemical": "Unarmed Assault",
    "firearms": "Armed Assault", "melee": "Armed Assault", "kidnapping": "Hostage Taking (Kidnapping)",
    "hostage_barricade": "Hostage Taking (Barricade Incident)", "arson": "Facility/Infrastructure Attack",
    "hijacking": "Hijacking", "unarmed": "Unarmed Assault",
}
PROMINENT = {"mayor", "governor", "minister", "lawmaker", "legislator", "judge", "politician", "candidate",
             "councillor", "councilor", "senator", "mp", "commander", "leader", "cleric", "activist", "journalist",
             "reporter", "chairman", "official", "prosecutor", "chief", "deputy", "general", "colonel", "imam",
             "priest", "elder", "administrator", "commissioner", "lawyer", "sarpanch", "chairperson", "mp",
             "magistrate", "editor", "anchor", "columnist", "blogger", "sheikh", "mufti", "bishop", "pastor",
             "publisher", "writer", "author", "professor", "scholar"}
STATE_ATTACKER_WORDS = {"army", "military", "troops", "soldiers", "forces", "police", "jets", "aircraft",
                        "warplanes", "air force", "drone", "helicopter", "gunships", "navy", "commandos", "policemen"}

_BACKGROUND_CUES = re.compile(
    r"\b(anniversary|in the past|last year|so far this year|this year|earlier this year|in recent (?:years|months|weeks)|"
    r"over the past|over the last|the latest in|deadliest since|worst since|has (?:seen|witnessed|suffered|been hit)|"
    r"have (?:seen|witnessed|suffered|been hit)|history of|were convicted|was convicted|sentenced|years? of|"
    r"months? of|decades?|remembered|commemorat|mark(?:s|ed|ing)? the|since the|since then|since taking|ever since|"
    r"the majority of|in the run-up|used to|over the years|repeatedly|regularly|frequently|routinely|"
    r"ha(?:ve|s) become (?:\w+ )?common|increasingly|(?:been|was|were) (?:rocked|shaken|roiled|gripped|plagued) by|"
    r"(?:a|the) (?:wave|spate|string|series) of|analysts?|researchers?|think tank|consultancy)\b", re.I)
# "The attack came a week after a bombing killed 19": the clause is about an earlier incident, however recent
_EARLIER_INCIDENT = re.compile(
    r"\b(?:came|comes|come|follows|followed) (?:just |only )?(?:\w+ ){0,2}(?:hours?|days?|weeks?|months?) "
    r"(?:after|before)\b", re.I)
_AGGREGATE = re.compile(r"\b(ha[sv]e?|had) (?:\w+ )?(killed|claimed the lives|left|displaced)\b.*\b(since|over|in the past|"
                        # "killed 1,800 people in the northeast", not "killed 16 people in an attack on a village"
                        r"this year|so far|people in(?! an? (?:\w+ )?(?:attack|raid|ambush|assault|blast|bombing|"
                        r"explosion|shooting|strike)\b)|thousands|across)\b|"
                        r"\b(since|so far this year|in total|altogether)\b.*"
                        r"\b(killed|dead|deaths)\b|"
                        # "the death toll from the unrest now stands at 60": a campaign's tally
                        r"\btoll (?:from|in|of) the (?:unrest|conflict|war|insurgency|protests|crisis|uprising|"
                        r"hostilities)\b", re.I)
_SPORT = re.compile(r"\b(\d{1,2}-\d{1,2} (?:win|victory|defeat|draw)|stadium|wickets?|innings|bowl(?:ed|er|ing)|"
                    r"batting|batsm[ae]n|midfield\w*|striker|goalkeeper|half-time|kick-?off|league|tournament|"
                    r"championship|coach|referee|penalty|scored|the match|fixture|fans|rugby|cricket|football|"
                    r"premier|semi-final|quarter-final|final whistle|runs|sixes|powerplay|not out|\d+-ball|"
                    r"top of the table|points? clear|clean sheet|hat-trick|scoreline|equali[sz]er|free kick|goals|"
                    r"scored a goal|play-?offs?|wicketkeeper|all-rounder|opening spell|the visitors|home side)\b", re.I)
_REACTION = re.compile(r"\b(condemn\w*|claim\w*|mourn\w*|vow\w*|denounc\w*|pledg\w*|called (?:the|it)|"
                       r"described (?:the|it)|funeral|buried)\b", re.I)
_SEPARATE_CUES = re.compile(
    r"\b(in a separate|separately|in another (?:attack|incident|raid|blast|bombing|ambush|clash)|elsewhere|"
    r"in a second (?:attack|incident)|in a related (?:attack|incident)|in a different (?:attack|incident)|"
    r"meanwhile|also on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)|^\W*also (?:yesterday|today|"
    r"on|late|early|last|in)|^\W*(?:elsewhere|separately|in another)|a day (?:earlier|later|before)|"
    r"^\W*(?:about |some |nearly |around )?\w+ hours? (?:later|earlier)|"
    r"the previous day|earlier (?:in the day|on (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)))\b",
    re.I)
_SUSPECT_CUES = re.compile(
    r"\b(suspect\w*|blam\w*|believed|accus\w*|attribut\w*|hallmarks?|link\w* to|alleg\w*|behind the|"
    r"thought to be|likely|presumed|pointed (?:the finger )?at|point(?:s|ed|ing)? (?:towards?|to)|"
    r"investigators? (?:say|said|believe))\b", re.I)
_CLAIM_MODES = [
    (re.compile(r"\b(amaq|telegram|website|online|social media|twitter|x account|facebook|posted|channel|"
                r"propaganda outlet|news agency of)\b", re.I), "Posted to website, blog, etc."),
    (re.compile(r"\bvideo\b", re.I), "Video"),
    (re.compile(r"\b(phon(?:e|ed)|telephon\w*|called|calling|call to)\b", re.I), "Call (post-incident)"),
    (re.compile(r"\be-?mail", re.I), "E-mail"),
    (re.compile(r"\bletter\b", re.I), "Letter"),
    (re.compile(r"\bnote\b", re.I), "Note left at scene"),
    (re.compile(r"\b(whatsapp|text message|sms|message|statement|communiqu)", re.I), "Other"),
    (re.compile(r"\b(told|said|speaking|interview)\b", re.I), "Personal claim"),
]


def _claim_mode(text: str, at: int, personal: bool = True) -> str:
    """The channel named closest to the claim word: "telephoned Hiiraan Online" is a call, "claimed it in a
    video that circulated on social media" a video. A bare "said"/"told" is a personal claim only when asked."""
    specific, fallbacks = _CLAIM_MODES[:-2], _CLAIM_MODES[-2:] if personal else _CLAIM_MODES[-2:-1]
    found = [(min(abs(m.start() - at), abs(m.end() - at)), rank, mode)
             for rank, (rx, mode) in enumerate(specific) for m in rx.finditer(text)]
    if found:
        return min(found)[2]
    # "in a statement", "told reporters": no medium named, the generic modes in their order
    return next((mode for rx, mode in fallbacks if rx.search(text)), "Unknown")


# --- per-sentence reading ---------------------------------------------------------------------------

@dataclass
class Claim:
    status: str  # claimed | unclaimed | denied
    actor: str | None
    mode: str | None
    sentence_idx: int
    char_start: int
    char_end: int
    text: str


@dataclass
class SentInfo:
    idx: int
    span: Span
    background: bool = False
    nonviolent: set = field(default_factory=set)
    triggers: list = field(default_factory=list)  # (Token, event_class, strength)
    tactics: list = field(default_factory=list)  # (Span, attrs)
    targets: list = field(default_factory=list)  # (Span, attrs)
    generic: list = field(default_factory=list)  # (Span, attrs)
    actors: list = field(default_factory=list)  # (Span, canonical name)
    times: list = field(default_factory=list)  # TimeRef
    report_times: list = field(default_factory=list)  # TimeRef of "said on Monday": when it was reported
    counts: list = field(default_factory=list)  # casualties.Count
    claims: list = field(default_factory=list)  # Claim
    places: list = field(default_factory=list)  # toponym dicts
    force_origins: list = field(default_factory=list)  # toponyms that name a state force's country
    separate: bool = False
    is_event: bool = False
    place_keys: frozenset | None = None  # filled by `_place_keys` on first use
    tokens: list = field(default_factory=list)  # the sentence's Token objects, made once per article
    text: str = ""  # the sentence's text, cut once from the article's
    names: list = field(default_factory=list)  # (start, end) of organisation and work names in the sentence

    @property
    def classes(self) -> set[str]:
        return {c for _, c, _ in self.triggers}

    @property
    def tactic_set(self) -> set[str]:
        return {a["tactic"] for _, a in self.tactics}


def _actor_spans(doc: Doc, entities: pd.DataFrame) -> list[tuple[Span, str]]:
    out = []
    rows = entities[entities["source"] == "dictionary"]
    for start, end, kb_id in zip(rows["char_start"].tolist(), rows["char_end"].tolist(), rows["kb_id"].tolist()):
        span = doc.char_span(int(start), int(end), alignment_mode="expand")
        if span is not None and kb_id:
            out.append((span, str(kb_id)))
    return out


def _in_subtree_of_old_clause(token: Token, old_refs: list[TimeRef]) -> bool:
    """True when `token` sits inside an "after/since <old time>" clause ("weeks after a blast killed 80")."""
    doc = token.doc
    for ref in old_refs:
        span = doc.char_span(ref.char_start, ref.char_end, alignment_mode="expand")
        if span is None:
            continue
        anchor = span.root
        # climb to the preposition/marker ("after", "since", "ago"), then to the clause it governs
        for _ in range(3):
            if anchor.lower_ in ("after", "since", "before", "ago", "in", "during", "last") or anchor.dep_ in ("prep", "mark"):
                break
            anchor = anchor.head
        clause = anchor.head if anchor.dep_ == "mark" else anchor
        if clause.i <= token.i < clause.i + 1 or token in clause.subtree:
            return True
    return False


_CROWD_HEADS = {"hundred", "thousand", "dozen", "score", "crowd", "throng"}


def _crowd_subject(verb: Token) -> bool:
    """"more than 500 people marched", "dozens of journalists staged a sit-in, chanting slogans": a counted
    crowd of civilians doing a protest verb is a demonstration."""
    if verb.pos_ != "VERB":
        return False
    v = verb
    while not any(c.dep_ == "nsubj" for c in v.children) and v.dep_ in ("advcl", "conj", "xcomp") and v.head is not v:
        v = v.head
    subj = next((c for c in v.children if c.dep_ == "nsubj"), None)
    if subj is None:
        return False
    people = [subj] + [t for c in subj.children if c.dep_ == "prep" and c.lower_ == "of"
                       for t in c.children if t.dep_ == "pobj"]
    if any(p.lemma_.lower() in cas.ATTACKERS | cas.SECURITY for p in people):
        return False  # "hundreds of troops marched on the town"
    return subj.lemma_.lower() in _CROWD_HEADS or any(c.dep_ == "nummod" for c in subj.children)


_DURATION = {"hour", "day", "week", "month", "year"}


def _in_earlier_clause(token: Token) -> bool:
    """"regained the town, four days after jihadists overran its camp": a clause set a span of time before
    the main one tells another, earlier incident."""
    for anc in [token, *token.ancestors]:
        if anc.dep_ == "advcl":
            marks = [c for c in anc.children if c.dep_ == "mark" and c.lower_ in ("after", "before")]
        elif anc.dep_ == "pobj" and anc.head.lower_ in ("after", "before"):
            marks = [anc.head]
        else:
            continue
        spans = [c for m in marks for c in [*m.children, *anc.children] if c.dep_ == "npadvmod"]
        if any(c.lemma_.lower() in _DURATION for c in spans):
            return True
    return False


def _risk_of(token: Token) -> bool:
    """"tired of being kidnapped", "the fear of being killed": a risk, not an incident."""
    return token.dep_ == "pcomp" and token.head.lower_ == "of" and any(
        c.dep_ == "auxpass" and c.lower_ == "being" for c in token.children)


# what a force does to a crowd; only these words are checked for negation ("failing to arrest")
_INTERVENTION_WORDS = {"disperse", "teargas", "tear", "baton", "cannon", "arrest", "detain", "lathi", "rubber",
                       "crackdown", "scuffle"}


def _negated_or_hypothetical(token: Token) -> bool:
    if any(c.dep_ == "neg" for c in token.children):
        return True
    if _risk_of(token):
        return True
    if any(c.dep_ == "aux" and c.lower_ in MODALS for c in token.children):
        return True
    head = token.head
    for _ in range(2):
        if head.lemma_.lower() in HYPOTHETICAL_HEADS and head.i != token.i:  # spaCy makes a new Token per access
            return True
        head = head.head
    return False


_REPORTING = re.compile(r"\b(said|says|told(?: \w+){0,2}|added|confirmed|announced|stated|reported|"
                        r"acknowledged|admitted|claimed|denied|wrote|tweeted|"
                        r"(?:broadcast|aired|published|posted|released)[^.;]{0,35}|"
                        r"quoted as saying|statement|briefing|press conference|speaking|"
                        r"(?:rose|risen|climbed|increased|reached|jumped|stood) (?:to|at) (?:[\d,]+|\w+))"
                        r"\W*(?:\w+\W+)?$", re.I)


_SET_ON_FIRE = re.compile(r"\bset (?:[\w'’-]+\W+){0,7}?(?:on fire|alight|ablaze)|\bset(?:ting)? fire to|\bsetting "
                          r"(?:[\w'’-]+\W+){0,7}?(?:on fire|alight|ablaze)|\btorch(?:ed|ing)\b", re.I)
_LESS_LETHAL = re.compile(r"\b(tear[- ]?gas|teargas|rubber bullets?|rubber-coated|water cannons?|smoke (?:bombs?|grenades?)|"
                         r"stun grenades?|flash-?bangs?|pepper spray|pellet guns?|sound bombs?|batons?|lathi|"
                         r"in the air|into the air|warning shots?)", re.I)
_DATELINE_DATE = re.compile(r"^\W{0,2}(?:\([^)]{1,30}\))?\s*(?:[-–—:]|\.-)")


def _reporting_time(ref: TimeRef, text: str, sent_start: int = 0) -> bool:
    """"police said on Monday", "KYIV, Aug 29 (Reuters) -": the day of the report, not of the incident. The
    "said" must be in the same sentence: "..., the source said. On Monday, soldiers seized" dates the seizure."""
    return bool(_REPORTING.search(text[max(sent_start, ref.char_start - 40):ref.char_start])) or \
        _dateline_date(ref, text)


def _dateline_date(ref: TimeRef, text: str) -> bool:
    """"KYIV, Aug 29 (Reuters) -": the filing date, which says nothing the publication date does not."""
    line_start = text.rfind("\n", 0, ref.char_start) + 1
    return ref.char_start - line_start <= 40 and bool(_DATELINE_DATE.match(text[ref.char_end:ref.char_end + 40]))


_LOWER_TWINS: dict[re.Pattern, re.Pattern] = {}


def _lower_twin(pattern: re.Pattern) -> re.Pattern:
    """`pattern` without IGNORECASE, to run on lower-cased text: Python's case-insensitive matching of a long
    alternation is three times slower. Only for patterns with no upper-case letter of their own."""
    twin = _LOWER_TWINS.get(pattern)
    if twin is None:
        if re.search(r"(?<!\\)[A-Z]", pattern.pattern):
            raise ValueError(f"pattern has upper-case letters: {pattern.pattern[:40]!r}")
        twin = _LOWER_TWINS[pattern] = re.compile(pattern.pattern, pattern.flags & ~re.IGNORECASE)
    return twin


def _read_sentence(idx: int, sent: Span, lex: Lexicons, actors: list, toponyms: list[dict], pub: date | None,
                   ref_day: date, cfg: CodeConfig, doc_text: str | None = None,
                   matches: dict | None = None) -> SentInfo:
    doc_text = doc_text if doc_text is not None else sent.doc.text  # Doc.text is rebuilt on every access
    sent_text = doc_text[sent.start_char:sent.end_char]  # = sent.text, which spaCy rebuilds on every access
    low = sent_text.lower()
    same_offsets = len(low) == len(sent_text)  # lower() lengthens a few characters ("İ"): offsets would move

    def search(pattern: re.Pattern):
        return _lower_twin(pattern).search(low) if same_offsets else pattern.search(sent_text)

    def finditer(pattern: re.Pattern):
        return _lower_twin(pattern).finditer(low) if same_offsets else pattern.finditer(sent_text)
    matches = matches if matches is not None else _doc_matches(sent.doc, lex)

    def inside(name):
        # the article's matches are sorted by start: the sentence's lie in one run of them
        found, starts = matches[name], matches["starts"][name]
        lo, hi = bisect_left(starts, sent.start), bisect_left(starts, sent.end)
        return [(sp, a) for sp, a in found[lo:hi] if sp.end <= sent.end]

    info = SentInfo(idx=idx, span=sent)
    info.actors = [(s, n) for s, n in actors if s.start >= sent.start and s.end <= sent.end]
    info.nonviolent = {a["context"] for _, a in inside("nonviolent")}
    less_lethal = [(m.start() + sent.start_char, m.end() + sent.start_char) for m in finditer(_LESS_LETHAL)]

    def crowd_control(item) -> bool:  # "fired tear gas shells", "smoke bombs": dispersal, not an attack
        start = item.idx if isinstance(item, Token) else item.start_char
        return any(a - 30 <= start < b + 12 for a, b in less_lethal)

    # "a bomb-disposal team", "the bomb squad": the people who deal with bombs, not a bomb that was used
    info.tactics = [(sp, a) for sp, a in inside("tactics") if not crowd_control(sp) and not _seized(sp.root)
                    and not (sp.root.dep_ == "compound" and sp.root.head.lemma_.lower() in _DISPOSAL)
                    and not _risk_of(sp.root)]
    # "set a school on fire", "set fire to houses": arson, not gunfire
    arson_at = [(m.start() + sent.start_char, m.end() + sent.start_char) for m in finditer(_SET_ON_FIRE)]

    def set_alight(item) -> bool:
        start = item.idx if isinstance(item, Token) else item.start_char
        return any(a <= start < b for a, b in arson_at)

    if arson_at:
        info.tactics = [(sp, a) for sp, a in info.tactics if not (a["tactic"] == "firearms" and set_alight(sp))]
        if not any(a["tactic"] == "arson" for _, a in info.tactics):
            first = sent.doc.char_span(*arson_at[0], alignment_mode="expand")
            info.tactics.append((first, {"tactic": "arson", "weapon_type": "Incendiary", "term": first.text.lower()}))
    info.targets = [(sp, a) for sp, a in inside("targets")
                    if not _is_the_weapon(sp, info.tactics) and not _names_a_place(sp, toponyms)]
    info.generic = inside("generic")
    info.names = [(a, b) for a, b in matches["names"] if a >= sent.start_char and b <= sent.end_char]
    tokens = matches["tokens"][sent.start:sent.end]
    info.tokens = tokens
    info.text = sent_text
    info.counts = [c for c in cas.find_counts(sent, tokens, sent_text) if c.value <= cfg.max_event_fatalities]
    if search(_AGGREGATE):
        info.counts = []  # "the insurgency has killed more than 1,800 people": a tally, not this incident
    if pub and info.counts:
        # "led a 2014 raid on a police station in which four officers were killed": an earlier year's toll
        past = [t.head for t in tokens if t.dep_ in ("nummod", "compound", "amod") and t.head.pos_ == "NOUN"
                and re.fullmatch(r"(?:19|20)\d\d", t.text) and int(t.text) < pub.year]
        spans = [(min(x.idx for x in n.subtree), max(x.idx + len(x) for x in n.subtree)) for n in past]
        info.counts = [c for c in info.counts if not any(a <= c.char_start and c.char_end <= b for a, b in spans)]
    all_times = find_time_refs(sent_text, sent.start_char, pub)
    info.times = [t for t in all_times if not _reporting_time(t, doc_text, sent.start_char)]
    info.report_times = [t for t in all_times if t not in info.times and not _dateline_date(t, doc_text)]
    info.separate = bool(search(_SEPARATE_CUES))
    actor_chars = [(s.start_char, s.end_char) for s, _ in info.actors]
    info.places = [
        t for t in toponyms
        if t["char_start"] >= sent.start_char and t["char_end"] <= sent.end_char
        and not any(a <= t["char_start"] < b for a, b in actor_chars)
    ]
    # "taken to a hospital in Cali", "airlifted to Raipur": where the wounded went, not where it happened;
    # "the minister told journalists in Maputo": where someone spoke
    info.places = [t for t in info.places
                   if not _DESTINATION.search(doc_text[max(sent.start_char, t["char_start"] - 60):t["char_start"]])
                   and not _SPEECH_PLACE.search(doc_text[max(sent.start_char, t["char_start"] - 50):t["char_start"]])]
    # "Kyiv said on Monday", "Farah said": a capital speaking for its government, or a person, is not a place
    info.places = [t for t in info.places if not _speaks(t, sent)]
    # "US drone strike", "Pakistani jets": the country names the striker, not where it happened
    info.force_origins = [t for t in info.places if _is_country_word(t, lex) and _names_a_force(t, sent.doc)]
    info.places = [t for t in info.places if t not in info.force_origins]
    # background: relative to the publication date, or to a far-future stand-in when there is none
    bg_times = info.times if pub else find_time_refs(sent_text, sent.start_char, ref_day)
    base = pub or ref_day

    def age(r) -> int:
        # a week-precise time ("last week") stands for its middle day; its last day may be days nearer
        return (base - r.day).days - (3 if r.precision == 2 else 0)
    old = [r for r in bg_times if age(r) > cfg.background_days]
    if any(not r.relative for r in old):
        # "On October 17, 2017, ... a day after troops killed": "a day after" counts from 2017, not from today
        bg_times = [r for r in bg_times if not (r.relative and re.search(r"after|before|earlier|later|since",
                                                                         r.text, re.I))]
    fresh = [r for r in bg_times if 0 <= age(r) <= cfg.background_days and r.relative or
             (pub and 0 <= age(r) <= cfg.background_days)]
    cue = search(_BACKGROUND_CUES)
    triggers = []
    for token in tokens:
        hit = lex.trigger(token.lemma_, token.pos_)
        if not hit:
            continue
        if token.dep_ in ("compound", "amod") and token.pos_ == "NOUN" and not lex.trigger(token.head.lemma_, token.head.pos_):
            continue  # "blast walls", "bomb squad", "attack helicopters": a modifier, not an event
        if _negated_or_hypothetical(token):
            continue
        if arson_at and hit[0] == "shoot" and set_alight(token):
            hit = ("burn", hit[1])
        if less_lethal and hit[0] in ("shoot", "shell", "bomb", "explode") and (
                crowd_control(token) or any(crowd_control(c) for c in token.children if c.dep_ == "dobj")):
            continue  # "police fired tear gas": the crowd was dispersed, not shot at
        if hit == ("protest", "weak") and token.lemma_.lower() != "gather" and _crowd_subject(token):
            hit = ("protest", "strong")  # "more than 500 people marched", "dozens of journalists ... chanting"
        if old and fresh and _in_subtree_of_old_clause(token, old):
            continue
        if _in_earlier_clause(token):
            continue
        if hit[0] in ("bomb", "shell", "shoot", "explode") and token.pos_ == "NOUN" and _seized(token):
            continue  # "soldiers seized rifles and explosives": the weapons were taken, not used
        if hit[0] == "capture" and token.pos_ == "NOUN" and token.dep_ == "pobj" and token.head.lower_ == "under":
            continue  # "Kabkabiya, which is under RSF control": who holds the place, not a capture
        if hit[0] == "capture" and hit[1] != "strong" and token.pos_ == "VERB" and not _takes_territory(token, info):
            continue  # "police seized documents and handguns": a seizure, not territory taken
        triggers.append((token, hit[0], hit[1]))
    info.triggers = triggers
    semi = sent_text.find(";")
    if semi > 0 and _is_headline(info):
        # "Journalist shot dead in Mehrabpur; colleagues protest": a headline's second half sums up another
        # incident, which the body tells; it must not type or place the first
        cut = sent.start_char + semi
        info.triggers = [x for x in info.triggers if x[0].idx < cut]
        info.tactics = [x for x in info.tactics if x[0].start_char < cut]
        info.targets = [x for x in info.targets if x[0].start_char < cut]
        info.generic = [x for x in info.generic if x[0].start_char < cut]
        info.counts = [c for c in info.counts if c.char_start < cut]
        info.places = [p for p in info.places if p["char_start"] < cut]
    info.background = bool((old and not fresh) or (cue and not fresh) or search(_EARLIER_INCIDENT))
    specific = set(_most_specific([n for _, n in info.actors], lex))
    named = [(sp, n) for sp, n in info.actors if n in specific]
    info.claims = _claims(sent, idx, named, tokens, sent_text) or _group_statement_claim(sent, idx, named, triggers, tokens)
    if info.background and named and _blame_in_main_clause(sent, old, cue):
        # "residents blamed the RSF, which has shelled the city since May": the blame is for this incident;
        # the history sits in the relative clause
        info.background = False
    if info.background and not old and info.claims and _CLAIM_OF_THIS.search(sent_text):
        # "claimed responsibility for the attack, saying it avenged killings in recent weeks": the claim is
        # about this incident; the background cue belongs to the reason given
        info.background = False
    return info


_CARRY = {"carry", "transport", "ferry"}
_LOADED = {"packed", "laden", "loaded", "rigged", "filled", "stuffed", "fitted", "wired"}
_BLAST_VERBS = {"explode", "detonate", "plant", "lay", "trigger", "step", "hit", "strike", "go", "blow"}
_SETTLEMENTS = {"city", "town", "village", "capital", "district", "area", "region", "province", "hub"}


def _names_a_place(span: Span, toponyms: list[dict]) -> bool:
    """"the port city of Mariupol", "Port-au-Prince", "the West Bank", "anti-aircraft": a word in a place's name
    or description, or the tail of a hyphenated word, is not a target."""
    doc = span.doc
    if span.start >= 2 and doc[span.start - 1].text == "-" and not doc[span.start - 2].whitespace_ and \
            not doc[span.start - 1].whitespace_:
        return True  # "anti-aircraft guns", "pro-government militia": the word only qualifies another
    if any(t["char_start"] <= span.start_char and span.end_char <= t["char_end"] and
           t["char_end"] - t["char_start"] > span.end_char - span.start_char for t in toponyms):
        return True
    root = span.root
    return root.dep_ in ("compound", "amod") and root.head.lemma_.lower() in _SETTLEMENTS


def _is_the_weapon(span: Span, tactics: list) -> bool:
    """"a car bomb", "military aircraft", "a car packed with explosives": the vehicle named is how the attack was
    made, not what it hit (a hijacked bus or a house set on fire is the target, though)."""
    if any(t.start <= span.start and span.end <= t.end and a["tactic"] not in ("hijacking", "arson")
           for t, a in tactics):
        return True
    root = span.root
    if root.lemma_.lower() in _EXPLOSIVE_OBJECTS and (root.head.lemma_.lower() in _BLAST_VERBS or any(
            c.lower_ in ("roadside", "land") for c in root.children)):
        return True  # "detonated a roadside mine": a landmine, not a mine that was attacked
    return any(c.dep_ in ("acl", "amod") and c.lower_ in _LOADED and any(
        p.lower_ == "with" and any(o.lemma_.lower() in _EXPLOSIVE_OBJECTS for o in p.children if o.dep_ == "pobj")
        for p in c.children if p.dep_ == "prep") for c in span.root.children)


_DISPOSAL = {"disposal", "squad", "expert", "technician", "shelter", "threat", "scare", "hoax", "detection"}
_SEIZE_VERBS = {"seize", "recover", "confiscate", "find", "discover", "defuse", "impound", "uncover", "intercept"}


def _seized(token: Token) -> bool:
    """A weapon named as what was seized or found: "seized four rifles, rounds of ammunition and explosives"."""
    t = token
    while t.dep_ in ("conj", "appos", "compound") or (t.dep_ == "pobj" and t.head.lower_ == "of") or (
            t.dep_ == "dobj" and t.head.dep_ == "relcl"):  # "defused the device, which contained explosives"
        t = t.head.head if t.dep_ in ("pobj", "dobj") else t.head
    return t.dep_ in ("dobj", "nsubjpass") and t.head.lemma_.lower() in _SEIZE_VERBS


_BLAME = re.compile(r"\b(blam\w*|accus\w*|suspect\w*|attribut\w*|pointed)\b", re.I)


def _blame_in_main_clause(sent: Span, old: list, cue) -> bool:
    text = sent.text
    cut = re.search(r",\s+(?:which|who|whose)\b", text)
    if cut is None:
        return False
    at = cut.start()
    blame = _BLAME.search(text[:at])
    history = [r for r in old if r.char_start - sent.start_char < at]
    cue_before = cue is not None and cue.start() < at
    return bool(blame) and not history and not cue_before


_CLAIM_OF_THIS = re.compile(
    r"\b(?:for|claimed|claiming|behind) (?:the|this|that|[A-Z]\w+'s) (?:\w+ )?(?:attack|bombing|blast|ambush|killing|"
    r"assault|raid|explosion|shooting|abduction|kidnapping|strike|massacre|murder|assassination)\b", re.I)


_STATEMENT_VERBS = {"say", "announce", "acknowledge", "admit", "confirm", "state", "tell", "boast"}
_GROUP_ANAPHORS = {"group", "outfit", "movement", "organisation", "organization", "rebels", "insurgents",
                   "guerrillas", "militia"}
_SELF_WORDS = {"it", "they", "we", "its", "their", "our", "his", "her", "group", "movement", "organisation", "organization", "outfit"}


def _group_statement_claim(sent: Span, idx: int, actors: list, triggers: list, tokens: list) -> list[Claim]:
    """A group saying it did it is a claim: "the AA said its fighters had overrun the base".

    The reporting verb's subject is the group (or its spokesman), and the clause it reports has an attack
    trigger whose own subject is the group itself, "it", "its fighters" or "we".
    """
    if not actors or not triggers:
        return []
    violent = {t.i: t for t, c, _ in triggers if c in ATTACK_CLASSES and c != "wound"}
    for token in tokens:
        if token.lemma_.lower() not in _STATEMENT_VERBS or token.pos_ != "VERB":
            continue
        # "a man ... telephoned the radio and said ...": a conjoined verb shares its head's subject
        subject_verb = token.head if token.dep_ == "conj" and not any(
            c.dep_ == "nsubj" for c in token.children) else token
        if any(c.dep_ == "neg" for c in token.children):
            continue
        if _group_subject(subject_verb, actors):
            speaker = _claim_actor(subject_verb, actors)
        elif any(c.dep_ == "nsubj" and c.lemma_.lower() in _GROUP_ANAPHORS for c in subject_verb.children):
            speaker = None  # "PDF members detonated a mine ..., the group said": the group is the one named there
        else:
            continue
        for clause in (c for c in token.children if c.dep_ == "ccomp"):
            for trig in (t for t in clause.subtree if t.i in violent):
                # "took control", "carried out the attack": a noun trigger's verb has the subject
                pred = trig if trig.pos_ == "VERB" else trig.head if trig.dep_ == "dobj" else None
                if pred is None:
                    continue
                subj = [c for c in pred.children if c.dep_ in ("nsubj", "agent")]
                if not subj:
                    continue
                words = {t.lower_ for c in subj for t in c.subtree}
                subj_idx = {t.i for c in subj for t in c.subtree}
                named = [n for sp, n in actors if any(i in subj_idx for i in range(sp.start, sp.end))]
                if speaker is None:
                    speaker, own = (named[0], True) if named else (None, False)
                else:
                    own = bool(words & _SELF_WORDS) or speaker in named
                if own:
                    # "said" alone names no channel: the statement's medium may come in another sentence
                    mode = _claim_mode(sent.text, token.idx - sent.start_char, personal=False)
                    return [Claim("claimed", speaker, mode, idx, sent.start_char, sent.end_char, sent.text)]
    return []


_TERRITORY = {"town", "village", "city", "base", "area", "territory", "district", "position", "checkpoint", "post",
              "camp", "outpost", "headquarters", "hill", "road", "highway", "bridge", "airport", "port", "border",
              "crossing", "county", "province", "region", "locality", "neighbourhood", "neighborhood", "control",
              "garrison", "barracks", "township", "settlement", "island", "mine", "oilfield", "field", "capital"}


def _takes_territory(verb: Token, info: SentInfo) -> bool:
    """Whether "seized"/"occupied"/"took" has a place for its object (a town, a base, a named place)."""
    objs = [c for c in verb.children if c.dep_ in ("dobj", "nsubjpass")]
    if not objs:
        return True  # "the town was seized" parses with the place as subject; keep what we cannot judge
    places = [(p["char_start"], p["char_end"]) for p in info.places]
    for obj in objs:
        for t in obj.subtree:
            if t.lemma_.lower() in _TERRITORY or any(a <= t.idx < b for a, b in places) or t.ent_type_ in ("GPE", "LOC", "FAC"):
                return True
    return False


def _speaks(place: dict, sent: Span) -> bool:
    span = sent.doc.char_span(place["char_start"], place["char_end"], alignment_mode="expand")
    if span is None:
        return False
    root = span.root
    return root.dep_ == "nsubj" and root.head.lemma_.lower() in _SPEECH and not any(
        c.dep_ in ("det", "amod", "compound") for c in root.children)


def _doc_matches(doc: Doc, lex: Lexicons) -> dict[str, list]:
    """Every lexicon matched once over the whole article (not once per sentence)."""
    found = {"nonviolent": lex.nonviolent.find(doc), "tactics": lex.tactics.find(doc),
             "targets": lex.targets.find(doc), "generic": lex.generic_actors.find(doc)}
    return {**found, "starts": {k: [sp.start for sp, _ in v] for k, v in found.items()},
            "names": [(e.start_char, e.end_char) for e in doc.ents if e.label_ in _NAME_LABELS],
            "tokens": list(doc)}  # Token objects made once: iterating a Span makes new ones every time


def _claims(sent: Span, idx: int, actors: list, tokens: list, text: str | None = None) -> list[Claim]:
    text = text if text is not None else sent.text  # spaCy rebuilds Span.text on every access
    low = text.lower()
    out: list[Claim] = []
    if "unclaimed" in low:
        out.append(Claim("unclaimed", None, None, idx, sent.start_char, sent.end_char, text))
        return out
    signed = _SIGNED_NOTE.search(text)
    if signed and actors:
        # "soldiers found pamphlets signed by the Militarized Communist Party": a note left at the scene
        after = [(sp, n) for sp, n in actors if sp.start_char >= sent.start_char + signed.start()]
        if after:
            mode = "Letter" if signed.group(1).lower().startswith("letter") else "Note left at scene"
            return [Claim("claimed", after[0][1], mode, idx, sent.start_char, sent.end_char, text)]
    if actors and _SPOKESMAN_CLAIM.search(text) and not re.search(r"\b(not|never|denied)\b", low):
        # "a spokesman for the NPA's command said the guerrillas had carried out the ambush"
        mode = "Call (post-incident)" if re.search(r"phone|call", low) else "Personal claim"
        return [Claim("claimed", actors[0][1], mode, idx, sent.start_char, sent.end_char, text)]
    for token in tokens:
        lemma = token.lemma_.lower()
        is_claim = lemma == "claim" and token.pos_ in ("VERB", "NOUN")
        is_take = lemma in ("take", "accept", "assume", "own") and any(
            c.lemma_.lower() in ("responsibility", "credit") for c in token.children)
        is_deny = lemma in ("deny", "reject", "disown") and re.search(r"involvement|responsib|role|claim|link|part in", low)
        if not (is_claim or is_take or is_deny):
            continue
        if is_claim:
            objs = [c for c in token.children if c.dep_ in ("dobj", "pobj", "prep", "attr", "nsubjpass")]
            obj_words = {t.lemma_.lower() for c in objs for t in c.subtree}
            # the next few words, for headlines the parser gets wrong ("al-Shabaab claims killing")
            obj_words |= {t.lemma_.lower() for t in token.doc[token.i + 1:min(token.i + 4, sent.end)]}
            group_speaks = _group_subject(token, actors)
            if "life" in obj_words or (any(c.dep_ == "ccomp" for c in token.children) and not group_speaks):
                continue  # "police claimed that six militants died" is not a claim of responsibility
            if not (group_speaks and any(c.dep_ == "ccomp" for c in token.children)) and not (
                    re.search(r"responsib|credit", low) or obj_words & {
                    "attack", "assault", "bombing", "killing", "blast", "strike", "ambush", "abduction", "raid",
                    "explosion", "kidnapping", "assassination", "operation", "shooting", "bombings", "attacks"}):
                continue
        negated = (
            any(c.dep_ == "neg" for c in token.children)
            or any(t.lower_ in ("no", "nobody", "none") for t in tokens if t.i < token.i and token.i - t.i <= 6)
            or re.search(r"\b(yet to|not yet|no claim|no group|no one|nobody|has not|have not|did not)\b",
                         low[max(0, token.idx - sent.start_char - 40):token.idx - sent.start_char + 20])
        )
        status = "denied" if is_deny else ("unclaimed" if negated else "claimed")
        actor = _claim_actor(token, actors)
        mode = None
        if status == "claimed":
            mode = _claim_mode(text, token.idx - sent.start_char)
        out.append(Claim(status, actor, mode, idx, sent.start_char, sent.end_char, text))
        break
    return out


def _most_specific(names: list[str], lex: Lexicons) -> list[str]:
    """Drop a parent organisation when its affiliate is named too (ISKP over Islamic State, JNIM over al-Qaeda)."""
    by_id = lex.actor_by_id
    ancestors: set = set()
    for n in names:
        parent, seen = lex.actors.get(n, {}).get("parent"), 0
        while parent and seen < 5:  # EMC -> FARC dissidents -> FARC
            ancestors.add(parent)
            parent, seen = by_id.get(parent, {}).get("parent"), seen + 1
    return [n for n in names if lex.actors.get(n, {}).get("actor_id") not in ancestors] or names


def _group_subject(token: Token, actors: list) -> bool:
    """The verb's subject is an armed group or its spokesman ("a Taliban spokesman claimed ...")."""
    subj = [t.i for c in token.children if c.dep_ in ("nsubj",) for t in c.subtree]
    return any(any(i in subj for i in range(sp.start, sp.end)) for sp, _ in actors)


_SIGNED_NOTE = re.compile(r"\b(pamphlets?|leaflets?|notes?|letters?|flyers?|banners?|graffiti|messages? painted)\b"
                          r"[^.;]{0,60}?\b(?:signed by|bearing the (?:name|signature|logo) of|in the name of|attributed "
                          r"to|from)\b", re.I)
_SPOKESMAN_CLAIM = re.compile(r"\bspokes(?:man|woman|person)\b.*\b(?:said|told|says|say)\b.*\b(?:carried out|were behind|"
                              r"was behind|conducted|launched|staged)\b", re.I)


def _claim_actor(token: Token, actors: list) -> str | None:
    if not actors:
        return None
    subtree = {t.i for c in token.children if c.dep_ in ("nsubj", "nsubjpass", "agent") for t in c.subtree}
    for span, name in actors:
        if any(i in subtree for i in range(span.start, span.end)):
            return name
    before = [(s, n) for s, n in actors if s.start < token.i]
    return (before[-1] if before else actors[0])[1]


# --- incidents ---------------------------------------------------------------------------------------

@dataclass
class Incident:
    anchor: SentInfo
    sentences: list = field(default_factory=list)
    place_keys: set = field(default_factory=set)
    day: date | None = None  # the first day the incident's own sentences name


_RESPONSE = re.compile(r"\b(returned fire|fought back|fired back|retaliated|repulsed|repelled|in response|"
                       r"counter-?attack(?:ed)?|gave chase|pursued|exchange of fire)\b", re.I)
_SPEECH_PLACE = re.compile(r"\b(?:told (?:\w+ ){0,2}(?:reporters|journalists|parliament|lawmakers|a news conference)|"
                           r"speaking|spoke|addressing|news conference|press conference|briefing|interview)"
                           r"[^.;,]{0,25}\b(?:in|at|from)\s*$", re.I)
_DESTINATION = re.compile(
    r"\b(?:hospital|clinic|morgue|mortuary|(?:taken|rushed|evacuated|airlifted|flown|transferred|referred|moved|"
    r"shifted|brought) to|fled (?:to|towards?|into)|towards?)\b[^.;]{0,40}$", re.I)
_NAME_LABELS = {"ORG", "WORK_OF_ART", "EVENT", "PRODUCT", "LAW"}
_NAME_HEADS = {"front", "radio", "cartel", "brigade", "battalion", "regiment", "newspaper", "television", "tv",
               "daily", "club", "university", "movement", "party", "online", "times", "tribune", "news"}


def _place_keys(info: SentInfo, lex: Lexicons) -> set[str]:
    """Places that tell incidents apart: not countries, and not a place word inside a name ("the Dagoberto
    Ramos front", "Caracol Radio"), which says nothing about where anything happened. Read once per sentence."""
    if info.place_keys is None:
        info.place_keys = _read_place_keys(info, lex)
    return set(info.place_keys)


def _read_place_keys(info: SentInfo, lex: Lexicons) -> frozenset[str]:
    names = info.names
    text = info.text
    base = info.span.start_char

    def in_a_name(p):
        if any(a <= p["char_start"] and p["char_end"] <= b and b - a > p["char_end"] - p["char_start"]
               for a, b in names):
            return True
        after = text[p["char_end"] - base:p["char_end"] - base + 12].split()
        return bool(after) and after[0].lower().strip(",.") in _NAME_HEADS

    keys = [p for p in info.places
            if not p.get("is_demonym") and p["text"].lower() not in lex.country_names and not in_a_name(p)]
    # "GUAYAQUIL, Ecuador (AP) - Attackers hurled a grenade ... in the city of Duran": the dateline says where
    # the reporter filed from when the sentence names another place
    if any(p.get("source") != "dateline" for p in keys):
        keys = [p for p in keys if p.get("source") != "dateline"]
    return frozenset(p["text"].lower() for p in keys)


def _protest_sentence(info: SentInfo) -> bool:
    """A sentence about demonstrators: a strong protest word, or protesters doing something."""
    return any(c == "protest" and st == "strong" for _, c, st in info.triggers) or any(
        a["role"] == "protesters" and a.get("term") != "activists" for _, a in info.generic)


def _is_event_sentence(info: SentInfo, article_sport: bool) -> bool:
    if info.background:
        return False
    strong = [c for _, c, s in info.triggers if s == "strong"]
    weak = [c for _, c, s in info.triggers if s != "strong"]
    armed = bool(info.actors) or any(a["role"] in ("armed_group",) for _, a in info.generic)
    explosive = bool(info.tactic_set & {"suicide_bomb", "remote_explosive", "air_strike", "shelling", "grenade"})
    blocking = info.nonviolent & {"court", "commemoration"}
    soft_block = info.nonviolent - {"court", "commemoration"}
    if blocking and not (strong and armed):
        return False  # "gunmen killed a court judge" is an attack, "sentenced for the bombing" is not
    if article_sport and not info.actors:
        return False  # match reports "blast", "shoot down" and "attack" in every paragraph
    if soft_block and not (armed or explosive):
        return False
    if strong:
        return True
    if not weak:
        return False
    # "Policeman guarding polio team killed": a stated victim of a killing, with nothing saying accident,
    # disease or sport, is violence worth coding
    counted_killing = any(c.kind == "killed" and c.value > 0 and c.estimate != "bodies" for c in info.counts) \
        and not info.nonviolent
    # "soldiers at a checkpoint seized four rifles and explosives": forces disrupting weapons use
    seizure = bool(set(weak) & {"seize_weapons", "defuse"}) and any(
        a["role"] in ("military", "police") for _, a in info.generic)
    return armed or bool(info.tactics) or counted_killing or seizure


_POLICY_FRAME = re.compile(r"\b(peace talks|peace process|truce|cease-?fire|negotiat\w+|talks|summit|agreement|"
                           r"accord|trial|verdict|court|tribunal|sentenc\w+|anniversary|commemorat\w+|memorial|"
                           r"floods?|earthquake|landslide|collapse|robbery|heist|robbers|remember\w*|years on|"
                           r"years since|years after|mourn\w* the|vigil|peace|dialogue|committee|mediat\w+)\b", re.I)


def _framing(infos: list[SentInfo]) -> set[str]:
    """What the headline and lead say the story is about, when it is not an attack: a trial, an
    anniversary, peace talks, sport, a disaster, ordinary crime. Such stories recall old violence at length."""
    lead = [i for i in infos if len(i.span) >= 4][:3]  # a dateline ("GARISSA —") is not the lead
    frames = set().union(*(i.nonviolent for i in lead)) & {"court", "commemoration", "sport", "disaster",
                                                            "accident", "crime"}
    if any(_POLICY_FRAME.search(i.text) for i in lead):
        frames.add("policy")
    # a lead that itself reports a fresh attack is not framed by a passing word
    if any(any(st == "strong" and c in ATTACK_CLASSES for _, c, st in i.triggers)
           and not _BACKGROUND_CUES.search(i.text)
           and ((any(t.relative for t in i.times) and not i.nonviolent) or _armed_killing(i))
           for i in lead[:1]):
        return set()
    return frames


_JUDICIAL = re.compile(r"\b(sentenc\w*|convict\w*|jail\w*|acquit\w*|trial|verdict|charged|indict\w*|hanged|court orders?)\b",
                       re.I)


def _armed_killing(info: SentInfo) -> bool:
    """"Gunmen kill anti-terrorism court judge": armed men killing someone, not a story about a court."""
    armed = bool(info.actors) or any(a["role"] == "armed_group" for _, a in info.generic) or any(
        t.lemma_.lower() in ("gunman", "gunmen", "militant", "attacker", "assailant") for t, _, _ in info.triggers)
    return armed and any(c == "kill" for _, c, _ in info.triggers) and not _JUDICIAL.search(info.text)


def _fresh_enough(info: SentInfo, framing: set[str], pub: date | None, cfg: CodeConfig) -> bool:
    """In a framed story an incident counts only when the text dates it to the news days."""
    if framing & {"sport", "crime", "disaster", "accident"} and not info.actors:
        return False
    if pub is None:
        return False
    return any(0 <= (pub - t.day).days <= cfg.background_days and (t.relative or t.precision == 1)
               for t in info.times)


def _segment(infos: list[SentInfo], lex: Lexicons, cfg: CodeConfig) -> list[Incident]:
    incidents: list[Incident] = []
    current: Incident | None = None
    n_event = 0
    scene: SentInfo | None = None
    set_by: dict[int, SentInfo] = {}  # event sentence -> the sentence before it that set its scene
    for info in infos:
        if info.background:
            continue
        keys = _place_keys(info, lex)
        towns = keys - _provinces(info)  # "near Banikoara, in the department of Alibori" names one place
        if info.idx == 0 and len(towns) > 1 and all(_near_places_differ({a}, {b}) for a in towns for b in towns if a < b):
            keys = set()  # a headline naming two places sums up two incidents: it ties neither to the other
        if not info.is_event and info.separate and keys and current is not None:
            # "About two hours later, villagers in Bannang Sata found a cylinder." sets the scene of the
            # event sentence that follows: "A police team defused the device."
            scene = info
        separate = info.separate
        if info.is_event and scene is not None and not keys and not separate:
            keys, separate = _place_keys(scene, lex), True
            set_by[info.idx] = scene
        if info.is_event:
            scene = None
            n_event += 1
            starts_new = current is None
            if current is not None and not separate and (info.claims or _REACTION.search(info.text)):
                # claims, condemnations and reactions talk about an incident already told; they never open one
                current.sentences.append(info)
                current.place_keys |= keys
                if current.day is None:
                    current.day = next(iter(_own_days(info)), None)
                continue
            if current is not None and _protest_sentence(info) and not _protest_sentence(current.anchor) and \
                    current.anchor.triggers and current.anchor.triggers[0][1] in ATTACK_CLASSES:
                # a protest over a killing is another event (ACLED codes the demonstration on its own)
                match = next((inc for inc in incidents if _protest_sentence(inc.anchor)), None)
                if match is None and len(incidents) < cfg.max_incidents_per_article:
                    match = Incident(anchor=info)
                    incidents.append(match)
                if match is not None:
                    current = match
                    current.sentences.append(info)
                    current.place_keys |= keys
                    continue
            if current is not None and _RESPONSE.search(info.text) and not separate:
                current.sentences.append(info)  # "soldiers returned fire, killing two": the same fight
                current.place_keys |= keys
                continue
            own_days = set(_own_days(info))
            # "The attack comes amid...", "the siege ended ...": a definite noun points back at a told incident
            told = {c for inc in incidents for s in inc.sentences for c in s.classes}  # by any incident so far
            strong = any(st == "strong" and not (_anaphoric(t) and c in told and c in ATTACK_CLASSES)
                         for t, c, st in info.triggers)
            if current is not None and separate:
                starts_new = True
            elif current is not None and keys and current.place_keys and _near_places_differ(keys, current.place_keys) \
                    and not any(keys & inc.place_keys for inc in incidents) and _fronted_place(info):
                # a sentence opened by another place moves the story there, even in the lead: "hurled a grenade
                # at a police post in Duran" / "In neighbouring Guayaquil, hooded men ... set a bus on fire"
                starts_new = True
            elif current is not None and (strong or keys and current.place_keys and _near_places_differ(
                    keys, current.place_keys)) and current.day and own_days and current.day not in own_days:
                # another day is another event (ACLED: one event per actor set, place and day); a weak word
                # is enough when the place differs too ("On Monday, soldiers in Malanville seized rifles")
                match = next((inc for inc in incidents if inc.day in own_days), None)
                if match is not None:
                    current = match
                else:
                    starts_new = True
            elif n_event <= 3 and info.idx <= 4:
                pass  # headline and lead tell one story at different scales (province, then town)
            elif current is not None and keys and current.place_keys and not (keys & current.place_keys):
                # another place: a new incident only if this sentence carries its own figures or a strong trigger
                # bodies counted or received tell an incident already told; "It still holds hostages in
                # neighbouring Sulu": running text in the present tells a standing state, not an incident
                own = any(c.estimate != "bodies" for c in info.counts) or strong and not (
                    info.span.root.tag_ in ("VBZ", "VBP") and not _is_headline(info))
                match = next((inc for inc in incidents if keys & inc.place_keys), None)
                if match is not None:
                    current = match
                elif own and _near_places_differ(keys, current.place_keys):
                    starts_new = True
            if not starts_new and current is not None and not keys and info.tactic_set and len(incidents) > 1 and \
                    not (_protest_sentence(info) and _protest_sentence(current.anchor)):  # protesters' fire stays
                # "The shells fell on the camp" after a paragraph on an air strike elsewhere: the weapon says
                # which incident the sentence goes on with
                if not info.tactic_set & _tactics(current):
                    match = next((inc for inc in incidents if inc is not current and info.tactic_set & _tactics(inc)),
                                 None)
                    if match is not None:
                        current = match
            if starts_new and len(incidents) < cfg.max_incidents_per_article:
                current = Incident(anchor=info)
                incidents.append(current)
        elif current is not None and not keys and info.tactic_set and len(incidents) > 1 \
                and not info.tactic_set & _tactics(current):
            # "The shells fell on the camp's northern blocks" told in weak words after a paragraph on an air
            # strike elsewhere: the weapon says which incident the story goes back to
            current = next((inc for inc in incidents if info.tactic_set & _tactics(inc)), current)
        if current is not None:
            current.sentences.append(info)
            if info.is_event:
                current.place_keys |= keys  # "Robotyne lies 10 km south of Orikhiv" places nothing that happened
            if current.day is None and info.is_event:
                days = _own_days(info)
                current.day = days[0] if days else None
    for inc in incidents:
        scene = set_by.get(inc.anchor.idx)
        if scene is not None:  # the scene-setting sentence goes with the incident it opened
            for other in incidents:
                other.sentences = [s for s in other.sentences if s is not scene]
            inc.sentences.insert(0, scene)
            inc.day = inc.day or next(iter(_own_days(scene)), None)
    if incidents:
        # a headline and lead told in weak words ("thousands rally", "people gathered") before the first
        # strong sentence belong to the first incident when they speak of the same kind of event
        first = incidents[0]
        kinds = {c for s in first.sentences for c in s.classes}
        lead = [i for i in infos if i.idx < first.anchor.idx and i.idx <= 2 and not i.background
                and i.classes & kinds and all(i is not s for inc in incidents for s in inc.sentences)]
        if lead and first.anchor.separate and len(incidents) < cfg.max_incidents_per_article:
            # "Separately, gunmen burst into a bar": the lead told another incident than the one that follows
            first = Incident(anchor=lead[0])
            incidents.insert(0, first)
            first.sentences[:0] = lead
            for info in lead:
                first.place_keys |= _place_keys(info, lex)
            first.day = next((d for i in lead for d in _own_days(i)), None)
        elif lead:
            first.sentences[:0] = lead
            first.anchor = lead[0]
            for info in lead:
                first.place_keys |= _place_keys(info, lex)
            if first.day is None:
                first.day = next((d for i in lead for d in _own_days(i)), None)
    return incidents


_PROVINCE_WORDS = {"province", "state", "region", "governorate", "oblast", "department"}


def _provinces(info: SentInfo) -> set[str]:
    """Place keys that name a province ("Borno State", "the department of Alibori"), the scale above a town."""
    return {p["text"].lower() for p in info.places
            if p.get("cue") == "province" or p["text"].lower().split()[-1] in _PROVINCE_WORDS}


_RELATIONAL = re.compile(r"\b(?:earlier|later|before|after|previous|prior)\b", re.I)


def _dating_refs(info: SentInfo) -> list[TimeRef]:
    """The times that date a sentence's own incident: not the span of an earlier clause ("regained the town,
    four days after jihadists overran it"), and "A day earlier, on Sunday" is Sunday, not a day the resolver
    counts back from the publication date."""
    refs = [t for t in info.times
            if not any(_in_earlier_clause(tok) for tok in info.tokens if t.char_start <= tok.idx < t.char_end)]
    named = [t for t in refs if not _RELATIONAL.search(t.text)]
    return named or refs


def _own_days(info: SentInfo) -> list[date]:
    """The days that tell a sentence's incident from others: "two days before", "a day later" are counted by
    the resolver from the publication date, not from the incident they are measured from."""
    return [t.day for t in _dating_refs(info) if (t.relative or t.precision == 1) and not _RELATIONAL.search(t.text)]


def _fronted_place(info: SentInfo) -> bool:
    """"In neighbouring Guayaquil, hooded men stopped a bus": a place phrase set before the clause, the way
    a report turns to another scene."""
    words = [t for t in info.tokens if not t.is_punct]
    if not words or words[0].lower_ not in ("in", "at", "near") or words[0].dep_ != "prep" or words[0].head.dep_ != "ROOT":
        return False
    end = words[0].right_edge
    after = end.nbor() if end.i + 1 < len(end.doc) else None
    return after is not None and after.text == "," and any(
        words[0].idx < p["char_start"] < end.idx + len(end.text) for p in info.places)


def _tactics(inc: Incident) -> set[str]:
    return set().union(*(s.tactic_set for s in inc.sentences))


def _anaphoric(token: Token) -> bool:
    """A trigger noun that refers back: "the attack", "this bombing", "Sunday's blast" (not "an attack")."""
    if token.pos_ != "NOUN":
        return False
    return any((c.dep_ == "det" and c.lower_ in ("the", "this", "that")) or c.dep_ == "poss" for c in token.children)


def _near_places_differ(a: set[str], b: set[str]) -> bool:
    """Place names that do not contain one another ("Bannu" vs "Bannu district" are the same place)."""
    return not any(x in y or y in x for x in a for y in b)


# --- coding one incident -----------------------------------------------------------------------------

def _ev(span_or_info, sentence_idx: int, char_start: int | None = None, text: str | None = None) -> dict:
    """Evidence of one coded value: sentence, character offsets and text (trailing whitespace trimmed, so the
    end offset is computed from the text)."""
    if isinstance(span_or_info, Token):
        # a head word stands for its phrase: "armed men", "a police station"
        tok = span_or_info
        span_or_info = tok.doc[tok.left_edge.i:tok.right_edge.i + 1] if tok.pos_ in ("NOUN", "PROPN") else \
            tok.doc[tok.i:tok.i + 1]
    if isinstance(span_or_info, Span):
        s = span_or_info
        char_start, text = s.start_char, s.text
    stripped = (text or "").rstrip()
    return {"sentence_idx": sentence_idx, "char_start": char_start, "char_end": char_start + len(stripped),
            "text": stripped}


def _sent_of(infos: list[SentInfo], token_i: int) -> int:
    for info in infos:
        if info.span.start <= token_i < info.span.end:
            return info.idx
    return 0


def _role_of_phrase(tokens: list[Token], info: SentInfo) -> tuple[str | None, str | None, dict | None]:
    """(kind, group, target attrs) for a noun phrase that names who or what was attacked or attacking."""
    # "forces loyal to the government", "a hotel popular with officials": an adjective's complement describes
    # the head, it is not who was hit
    described = {d.i for t in tokens for c in t.children
                 if c.dep_ == "amod" and any(p.dep_ == "prep" for p in c.children) for d in c.subtree}
    # "a gunfight on the outskirts of Shopian town": where it happened is not who was hit
    described |= {d.i for t in tokens if t.dep_ == "pobj" and {t.lemma_.lower(), t.lower_} & _WHERE_HEADS
                  for d in t.subtree}
    idxs = {t.i for t in tokens} - described
    for span, name in info.actors:
        if any(i in idxs for i in range(span.start, span.end)):
            return "group", name, None
    # the most specific target the phrase names: "students from a school" is a school
    in_phrase = [attrs for span, attrs in info.targets if any(i in idxs for i in range(span.start, span.end))]
    # "a minibus carrying employees of the ministry": whom the vehicle carried says what was targeted
    carried = {d.i for t in tokens for c in t.children if c.dep_ == "acl" and c.lemma_.lower() in _CARRY
               for d in c.subtree}
    in_phrase = [a for span, a in info.targets if span.start in carried and span.start in idxs] + in_phrase
    target = next((a for a in in_phrase if a["target_type"] != "Private Citizens & Property"),
                  in_phrase[0] if in_phrase else None)
    # "jawans of the District Reserve Guard": the named unit says more than the bare word for its men
    generic = sorted(info.generic, key=lambda g: 0 if g[1].get("unit") else 1)
    for span, attrs in generic:
        if any(i in idxs for i in range(span.start, span.end)):
            role = attrs["role"]
            kind = {"armed_group": "unidentified", "paramilitary": "military", "mob": "rioters"}.get(role, role)
            return kind, None, target
    if target is not None:
        tt = target["target_type"]
        kind = {"Police": "police", "Military": "military"}.get(tt, "civilians")
        if tt == "Terrorists/Non-State Militia":
            kind = "unidentified"
        return kind, None, target
    # "two Buddhist rubber tappers were shot dead": people named by their trade are private citizens
    head = next((t for t in tokens if t.dep_ in ("nsubjpass", "nsubj", "dobj", "pobj")), tokens[0] if tokens else None)
    if head is not None and head.pos_ == "NOUN" and head.tag_ == "NNS" and (
            head.lemma_.lower() in cas.PERSON_NOUNS or head.lower_.endswith(("ers", "ists", "ians"))):
        return "civilians", None, {"target_type": "Private Citizens & Property", "target_subtype": ""}
    return None, None, None


_LIGHT_VERBS = {"open", "launch", "carry", "mount", "stage", "conduct"}
_WHERE_HEADS = {"outskirts", "edge", "edges", "vicinity", "heart", "centre", "center", "part", "parts", "side",
                "fringes", "surroundings", "direction", "middle"}
_EXPLOSIVE_OBJECTS = {"bomb", "mine", "landmine", "ied", "device", "explosive", "explosives"}


def _ran_into_explosive(token: Token) -> bool:
    """"their convoy struck a roadside bomb", "the vehicle hit a mine": the subject was the one hit."""
    return token.lemma_.lower() in ("strike", "hit", "run", "drive") and any(
        t.lemma_.lower() in _EXPLOSIVE_OBJECTS for c in token.children if c.dep_ in ("dobj", "prep")
        for t in c.subtree)


def _is_headline(info: SentInfo) -> bool:
    """A title line: short, and not ended like a sentence of running text."""
    return len(info.span) <= 20 and not info.text.strip().endswith((".", "\"", "'", "”"))


def _headline_passive(token: Token, cls: str, info: SentInfo) -> bool:
    """Headline grammar drops "were": "10 Maoists gunned down in encounter" says who died, not who shot."""
    if cls not in ("kill", "shoot", "wound") or token.tag_ not in ("VBD", "VBN"):
        return False
    if any(c.dep_ in ("dobj", "aux", "auxpass") for c in token.children):
        return False
    return _is_headline(info)


def _phrase(token: Token) -> list[Token]:
    """The noun phrase of `token` without its conjuncts: in "ten soldiers and 24 jihadists" the head phrase is
    "ten soldiers"; each conjunct is read as its own phrase."""
    conj = {t.i for c in token.children if c.dep_ in ("conj", "cc") for t in c.subtree}
    return [t for t in token.subtree if t.i not in conj]


def _with_conjuncts(token: Token) -> list[Token]:
    return [token] + [c for c in token.children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN")]


def _sides(inc: Incident, lex: Lexicons) -> dict:
    """Attacker and target sides from the parse: subjects and objects of the incident's triggers."""
    attackers: list[tuple] = []  # (kind, group, evidence)
    victims: list[tuple] = []  # (kind, group, target attrs, evidence)
    for info in inc.sentences:
        if info.background:
            continue
        for token, cls, _ in info.triggers:
            if cls not in ATTACK_CLASSES:
                continue
            children = list(token.children)
            if token.pos_ == "VERB" and token.dep_ in ("xcomp", "conj") and not any(
                    c.dep_ in ("nsubj", "nsubjpass", "agent") for c in children):
                # "forces continued to shell", "gunmen stormed the school and killed ten": the subject is
                # the head verb's
                children += [c for c in token.head.children if c.dep_ == "nsubj"]
            if token.pos_ == "NOUN" and token.dep_ == "dobj" and token.head.lemma_.lower() in _LIGHT_VERBS and not any(
                    c.dep_ in ("nsubj", "nsubjpass", "agent") for c in children):
                # "a gunman opened fire at soldiers", "militants launched an attack on": the light verb's subject
                # did it, its other objects were hit
                children += [c for c in token.head.children if c.dep_ in ("nsubj", "prep")]
            if cls == "burn" and token.dep_ == "dobj":
                children += [c for c in token.head.children if c.dep_ == "prep" and c.lower_ == "to"]
            for child in children:
                role_tokens = None
                if child.dep_ in ("nsubj", "agent") or (child.dep_ == "compound" and token.pos_ == "NOUN"):
                    is_victim = cls in ("kill", "wound") and token.pos_ == "NOUN" or (
                        child.dep_ == "nsubj" and _headline_passive(token, cls, info)) or (
                        child.dep_ == "nsubj" and _ran_into_explosive(token))
                    role_tokens = _phrase(child) if child.dep_ != "agent" else [t for c in child.children for t in c.subtree]
                    kind, group, target = _role_of_phrase(role_tokens, info)
                    if kind and not is_victim and kind not in ("civilians",):
                        attackers.append((kind, group, _ev(child, info.idx)))
                    elif kind:
                        victims.append((kind, group, target, _ev(child, info.idx), cls))
                elif child.dep_ in ("dobj", "nsubjpass") or (child.dep_ == "prep" and child.lower_ in (
                        "on", "at", "against", "targeting", "of", "in")) or (
                        cls == "burn" and child.dep_ == "prep" and child.lower_ == "to") or (  # "set fire to a church"
                        cls in ("explode", "bomb") and child.dep_ == "prep" and child.lower_ == "outside") or (
                        cls == "clash" and child.dep_ == "prep" and child.lower_ == "with"):
                    # "a car bomb exploded outside the police station": what it went off at was the target;
                    # "after heavy fighting with the army": the side fought
                    objs = _with_conjuncts(child) if child.dep_ in ("dobj", "nsubjpass") else [
                        c for c in child.children if c.dep_ == "pobj"]
                    for obj in objs:
                        kind, group, target = _role_of_phrase(_phrase(obj), info)
                        if kind and not (child.dep_ == "prep" and child.lower_ == "in" and kind == "civilians"
                                         and target is None):
                            victims.append((kind, group, target, _ev(obj, info.idx), cls))
            # "suspected Boko Haram insurgents attacked": the subject is an amod/compound chain; "attacked by X"
            if token.dep_ in ("acl", "amod", "relcl") and cls in ("kill", "wound"):
                kind, group, target = _role_of_phrase(_phrase(token.head), info)
                if kind:
                    victims.append((kind, group, target, _ev(token.head, info.idx), cls))
    return {"attackers": attackers, "victims": victims}


def _choose_event_type(classes: set[str], tactics: set[str], attacker_kind: str | None, victim_kind: str | None,
                       has_clash_word: bool, protesters: bool, fatalities: int, intervention: bool = False) -> str | None:
    armed_victim = victim_kind in ("police", "military", "group", "unidentified")
    if "lynch" in classes or (classes & {"riot"} and not protesters and victim_kind == "civilians"):
        return "Mob violence"
    if protesters or classes & {"riot"}:
        if protesters and (fatalities > 0 or "shoot" in classes) and not classes & {"riot"}:
            return "Excessive force against protesters"
        if "riot" in classes or tactics & {"arson"} or classes & {"burn"}:
            return "Violent demonstration"
        if intervention or classes & {"arrest"}:
            return "Protest with intervention"
        return "Peaceful protest"
    if classes & {"capture"} and attacker_kind in ("group", "unidentified"):
        return "Non-state actor overtakes territory"
    if classes & {"retake"} or (classes & {"capture"} and attacker_kind in ("military", "police")):
        return "Government regains territory"
    explosive = [t for t in EXPLOSIVE_ORDER if t in tactics]
    gunfight = has_clash_word or ("firearms" in tactics and armed_victim) or (
        classes & {"attack", "shoot"} and armed_victim and not explosive)
    if explosive and explosive[0] == "air_strike":
        return "Air/drone strike"
    if gunfight and armed_victim and (not explosive or has_clash_word or explosive == ["grenade"]):
        return "Armed clash"
    if explosive:
        return SUB_BY_TACTIC[explosive[0]]
    if classes & {"explode", "bomb"}:
        return "Remote explosive/landmine/IED"
    if classes & {"strike"} and attacker_kind in ("military",):
        return "Air/drone strike"
    if classes & {"shell"}:
        return "Shelling/artillery/missile attack"
    if classes & {"abduct", "hostage"} or tactics & {"kidnapping"}:
        return "Abduction/forced disappearance" if fatalities == 0 else "Attack"
    if classes & {"defuse", "seize_weapons"} and not (classes & ATTACK_CLASSES - {"wound"}):
        return "Disrupted weapons use"
    if classes & {"arrest"} and not (classes & ATTACK_CLASSES - {"wound"}):
        return "Arrests"
    if classes & ATTACK_CLASSES:
        if armed_victim or has_clash_word:
            return "Armed clash"
        return "Attack"
    return None


def _code_incident(inc: Incident, infos: list[SentInfo], claims_all: list[Claim], lex: Lexicons,
                   pub: date | None, doc: Doc) -> dict | None:
    sents = [s for s in inc.sentences if not s.background]
    strong_classes = {c for s in sents for _, c, st in s.triggers if st == "strong"}
    weak_classes = {c for s in sents for _, c, st in s.triggers if st != "strong"}
    # a weak "attack" word ("raids", "operations", "hit") is not violence by itself: "police detained 25 in
    # raids" is an arrest
    violent = (strong_classes | weak_classes - {"attack"}) & (ATTACK_CLASSES - {"capture", "retake", "wound"})
    # a weak word ("control", "gather", "detain") types an incident only when nothing violent happened
    # weak words type an incident only for what they plainly say (killed, wounded, shot, burned, abducted);
    # "launched an operation" or "a strike" in passing is not shelling or an air raid
    classes = strong_classes | (weak_classes & {"kill", "wound", "shoot", "burn", "abduct", "hostage"}) | (
        set() if violent else weak_classes)
    if not violent and "arrest" in classes and "attack" not in strong_classes:
        classes -= {"attack"}  # "detained 25 in dawn raids": the raids are how the arrests were made
    tactics = set()
    own_tactics = any(s.tactics for s in sents if s.idx != 0)
    for s in sents:
        if s.idx == 0 and own_tactics and _is_headline(s) and len(_place_keys(s, lex)) > 1:
            continue  # "missiles kill seven in Kharkiv, drone strike on Odesa": the headline's other half
        found = s.tactic_set
        if "shelling" in found and any(a["tactic"] == "remote_explosive" and sp.text.lower() not in _GENERIC_BLAST
                                       for sp, a in s.tactics):
            found = found - {"shelling"}  # "an IED made from a mortar round": the shell is the bomb's charge
        tactics |= found
    if "grenade" in tactics and all(sp.text.lower() in _GENERIC_BLAST for s in sents for sp, a in s.tactics
                                    if a["tactic"] == "remote_explosive"):
        tactics.discard("remote_explosive")  # "the explosion shattered the shop front": the grenade's
    evidence: dict[str, dict] = {}
    anchor_trig = next(((t, c) for t, c, _ in inc.anchor.triggers), (None, None))
    if anchor_trig[0] is not None:
        evidence["event_type"] = _ev(anchor_trig[0], inc.anchor.idx)
    # casualties
    counts = [c for s in sents for c in s.counts]
    # "AA seizes Buthidaung as junta shelling kills four near Sittwe": a headline naming two places may give
    # the other incident's figure; the body's own figures tell this one
    two_place_headline = [s for s in sents if s.idx == 0 and _is_headline(s) and len(_place_keys(s, lex)) > 1]
    if two_place_headline:
        body_kinds = {c.kind for s in sents if s.idx != 0 for c in s.counts}
        counts = [c for c in counts if not (c in two_place_headline[0].counts and c.kind in body_kinds)]
    k_best, k_low, k_high, k_ev = cas.aggregate(counts, "killed")
    w_best, _, _, w_ev = cas.aggregate(counts, "wounded")
    fatalities = k_best or 0
    if k_ev:
        evidence["fatalities"] = _ev(None, _sent_of(infos, doc.char_span(k_ev.char_start, k_ev.char_end,
                                     alignment_mode="expand").start), k_ev.char_start, k_ev.text)
    if w_ev:
        evidence["wounded"] = _ev(None, _sent_of(infos, doc.char_span(w_ev.char_start, w_ev.char_end,
                                  alignment_mode="expand").start), w_ev.char_start, w_ev.text)
    # sides
    sides = _sides(inc, lex)
    has_clash_word = any(t.lemma_.lower() in CLASH_WORDS or c == "clash" for s in sents for t, c, _ in s.triggers)
    # "demanding the arrest of the killers" asks for an arrest; "the protesters dispersed peacefully" went home
    intervention_words = {t.lemma_.lower() for s in sents for t in s.tokens if t.lemma_.lower() in _INTERVENTION_WORDS
                     and not _negated_or_hypothetical(t) and not (
        t.lemma_.lower() == "disperse" and not any(c.dep_ in ("dobj", "nsubjpass", "agent") for c in t.children))}
    protesters = (any(a["role"] == "protesters" and a.get("term", "") != "activists" for s in sents
                      for _, a in s.generic) or "protest" in strong_classes)
    armed_nonstate = any(a["role"] == "armed_group" for s in sents for _, a in s.generic) or any(
        s.actors for s in sents)
    if protesters and armed_nonstate and violent - {"kill", "shoot"}:
        protesters = False  # militants attacking: a protest mentioned in passing does not type the event
    if protesters and not _protest_sentence(inc.anchor) and inc.anchor.triggers and \
            inc.anchor.triggers[0][1] in ATTACK_CLASSES:
        protesters = False  # "journalist shot dead; colleagues protest": the protest is its own event
    attacker_kinds = {k for k, _, _ in sides["attackers"]}
    if protesters and attacker_kinds & {"unidentified", "group"} and not attacker_kinds & {"police", "military"}:
        protesters = False  # "shot dead by unidentified assailants": gunmen, not a force firing on a crowd
    intervention = bool(intervention_words)
    # claims of this incident
    claim = _incident_claim(inc, claims_all)
    # perpetrator: claimant > named attacker (suspected or stated) > generic
    named_attackers = [(g, e) for k, g, e in sides["attackers"] if k == "group"]
    attributions = _attributions(sents, lex)
    perp_group, perp_suspected, perp_ev = None, None, None
    if claim and claim.status == "claimed" and claim.actor:
        perp_group, perp_suspected = claim.actor, False
        perp_ev = _ev(None, claim.sentence_idx, claim.char_start, claim.text)
    elif named_attackers:
        perp_group, e = named_attackers[0]
        perp_suspected = bool(_SUSPECT_CUES.search(infos[e["sentence_idx"]].text))
        perp_ev = e
    elif attributions:
        perp_group, perp_suspected, perp_ev = attributions[0]
    state_attackers = [(k, e) for k, g, e in sides["attackers"] if k in ("military", "police")]
    foreign = _foreign_state(sents, lex)
    if "air_strike" in tactics and perp_group and not (claim and claim.status == "claimed") and \
            not any(k == "group" for k, _, _ in sides["attackers"]):
        # "a drone strike killed five al-Shabaab fighters": the group was struck, a state struck it
        perp_group, perp_suspected, perp_ev = None, None, None
    victim_groups = sides["victims"]
    killed_first = next((v for v in victim_groups if v[4] == "kill"), None)
    state_roles = [a["role"] for s in sents for _, a in s.generic if a["role"] in ("military", "police", "paramilitary")]
    group_attacked = killed_first is not None and any(
        k == "group" and g == killed_first[1] for k, g, _ in sides["attackers"])
    if perp_group in (None, killed_first and killed_first[1]) and not (claim and claim.status == "claimed") and \
            killed_first is not None and killed_first[0] == "group" and not group_attacked and \
            (state_attackers or state_roles):
        # "10 Maoists gunned down in an encounter with security forces": the group named is the side that was
        # killed; the state forces in the story are the ones who fought it
        perp_group, perp_suspected, perp_ev = None, None, None
        if not state_attackers:
            forces = sorted(((sp, a, s.idx) for s in sents for sp, a in s.generic
                             if a["role"] in ("military", "police", "paramilitary")),
                            key=lambda f: 0 if f[1].get("unit") else 1)  # "DRG" over "security forces"
            span, attrs, idx = forces[0]
            state_attackers = [("military" if attrs["role"] == "paramilitary" else attrs["role"], _ev(span, idx))]
    victim = _main_victim(victim_groups, perp_group)
    if victim and (victim[0] == "civilians" and (victim[2] is None or victim[2].get("target_type") == "Transportation")
                   or victim[2] is not None and victim[2].get("term") in _WHOSE_POST):
        # "soldiers were killed when a bomb hit their vehicle", "five SDF fighters killed in an attack on a
        # checkpoint": the vehicle or post was theirs, they were the target
        hurt = [v for v in victim_groups if v[4] in ("kill", "wound")]
        if hurt and (hurt[0][0] in ("military", "police") or hurt[0][0] == "group" and hurt[0][1] != perp_group):
            victim = hurt[0]
    if victim and victim[0] == "civilians":
        victim = victim[:2] + (_place_of_people(victim, victim_groups, sents),) + victim[3:]
    attacker_kind = "group" if perp_group else None
    first_armed = next((k for k, g, e in sides["attackers"] if k in ("military", "police", "unidentified")), None)
    if not perp_group and state_attackers and not protesters and (first_armed != "unidentified" or "retake" in classes):
        # "armed men abducted six workers ... police launched a search operation": the gunmen came first
        attacker_kind = state_attackers[0][0]
        evidence["actor1"] = state_attackers[0][1]
    elif not perp_group and "air_strike" in tactics and not any(k == "unidentified" for k, _, _ in sides["attackers"]):
        attacker_kind = "military"
    elif not perp_group and foreign and tactics & {"shelling", "air_strike"}:
        attacker_kind = "military"  # "Russian missiles killed...": the state that fired them
    if attacker_kind is None:
        if protesters:
            attacker_kind = "protesters"
        elif any(k == "rioters" for k, _, _ in sides["attackers"]):
            attacker_kind = "rioters"
        else:
            attacker_kind = "unidentified"
            gen = next(((k, e) for k, g, e in sides["attackers"] if k == "unidentified"), None)
            if gen:
                evidence["actor1"] = gen[1]
    if perp_group and perp_ev:
        evidence["perpetrator"] = perp_ev
        evidence["actor1"] = perp_ev
    victim_kind, victim_group, victim_target, victim_ev = victim[:4] if victim else (None, None, None, None)
    if attacker_kind in ("military", "police") and (victim_kind in (None, "military", "police") or (
            victim_kind == "civilians" and classes & {"retake", "capture"})):
        # the state struck someone: militants named in the text, or unidentified ones; a town it retook was
        # held by them, not by its residents
        named = [g for s in sents for _, g in s.actors]
        victim_kind, victim_group = ("group", named[0]) if named else ("unidentified", None)
        victim_target = None
    if victim_ev:
        evidence["actor2"] = victim_ev
    sub_event = _choose_event_type(classes, tactics, attacker_kind, victim_kind, has_clash_word, protesters,
                                   fatalities, intervention)
    if sub_event is None:
        return None
    event_type, disorder = SUB_EVENT[sub_event]
    # protesters shot at are the victims of an attack by the force that fired (guidelines: the attacker is actor1)
    excessive = sub_event == "Excessive force against protesters"
    is_attack = event_type in ("Battles", "Explosions/Remote violence", "Violence against civilians") or \
        sub_event == "Mob violence" or excessive
    # actor sides by event type
    if excessive:
        actor1 = (attacker_kind if attacker_kind in ("police", "military") else "police", None)
        actor2 = ("protesters", None)
    elif event_type == "Protests":
        actor1 = ("protesters", None)
        actor2 = (attacker_kind, None) if attacker_kind in ("police", "military") else (None, None)
        if sub_event == "Protest with intervention" and actor2 == (None, None):
            actor2 = ("police", None)
    elif event_type == "Riots":
        actor1 = ("rioters", None)
        # burnt bins and shopfronts are damage, not a side; people attacked are
        actor2 = (victim_kind, victim_group) if victim_kind and not (
            sub_event == "Violent demonstration" and victim and victim[4] == "burn") else (None, None)
    elif event_type == "Strategic developments":
        actor1 = (attacker_kind if attacker_kind in ("military", "police") else "police", None)
        named = [g for s in sents for _, g in s.actors]
        actor2 = ("group", named[0]) if named else (None, None)
        if sub_event == "Disrupted weapons use":
            actor2 = (None, None)
    else:
        actor1 = (attacker_kind, perp_group)
        if victim_kind is None:
            victim_kind = "civilians" if event_type == "Violence against civilians" else None
        actor2 = (victim_kind, victim_group)
        if event_type == "Violence against civilians":
            actor2 = ("civilians", None)
    # target and attack types (GTD), for attacks only
    target_type = attack_type = None
    if is_attack:
        target_type = "Private Citizens & Property" if excessive else _target_type(victim_kind, victim_target, sents)
        if victim_kind == "group" and lex.actors.get(victim_group or "", {}).get("inter") == 8:
            # external forces: a UN or AU mission is a diplomatic target, a foreign military company a military one
            target_type = "Government (Diplomatic)" if re.search(r"United Nations|African Union", victim_group or "") \
                else "Military"
        victim_kinds = {v[0] for v in sides["victims"]}
        if target_type in ("Transportation", "Private Citizens & Property") and victim_kind != "civilians" and \
                not excessive:
            # a bus or truck carrying soldiers or police is a security target (GTD: unless shown otherwise)
            for kind, security in (("military", "Military"), ("police", "Police")):
                if kind in victim_kinds:
                    target_type = security
                    break
        tactic = _primary_tactic(sub_event, tactics, classes)
        attack_type = ATTACK_TYPE_BY_TACTIC.get(tactic, "Unknown") if tactic else (
            "Armed Assault" if event_type in ("Battles", "Violence against civilians") or excessive else "Unknown")
        if attack_type == "Armed Assault" and _is_assassination(sents, victim_target):
            attack_type = "Assassination"
        if sub_event == "Abduction/forced disappearance":
            attack_type = "Hostage Taking (Kidnapping)"
        elif attack_type.startswith("Hostage Taking") and sub_event in ("Attack", "Armed clash") and fatalities > 0:
            attack_type = "Armed Assault"  # "raided the village, killing four and abducting three": the killing leads
        elif sub_event == "Mob violence" and not tactics & {"firearms", "melee", "arson", "remote_explosive",
                                                             "grenade", "suicide_bomb"}:
            attack_type = "Unarmed Assault"  # a crowd's fists, sticks and stones (GTD: no firearm, blade or fire)
        tactic_span = next(((sp, s.idx) for s in sents for sp, a in s.tactics), None)
        if tactic_span:
            evidence["attack_type"] = _ev(tactic_span[0], tactic_span[1])
    # date
    event_date, precision, date_ev = _incident_date(inc, sents, pub)
    if date_ev:
        evidence["event_date"] = date_ev
    claimed = None
    claimed_by = claim_mode = None
    if claim is not None:
        if claim.status == "claimed":
            claimed, claimed_by, claim_mode = True, claim.actor, claim.mode
        else:
            claimed = False
        evidence["claimed"] = _ev(None, claim.sentence_idx, claim.char_start, claim.text)
    if actor2[0] == "civilians" and victim_target and "International Organization" in victim_target.get(
            "target_subtype", ""):
        # peacekeepers hit: the side is the mission the incident names (MINUSMA, AMISOM: an external force tied
        # to one country, unlike a private military company)
        mission = next((g for s in sents for _, g in s.actors if lex.actors.get(g, {}).get("inter") == 8
                        and lex.actors[g].get("country")), None)
        if mission:
            actor2 = ("group", mission)
    if actor2[0] == "civilians" and target_type in ("Military", "Police") and event_type != "Violence against civilians":
        # a suicide bomber at an army checkpoint: the side struck is the force its target type names
        actor2 = ("military" if target_type == "Military" else "police", None)
    elif actor2[0] == "civilians" and event_type != "Violence against civilians" and victim and \
            victim[4] not in ("kill", "wound") and target_type == "Government (General)":
        # shells that hit the presidential palace and wounded two of its guards: the side hit is the force
        # guarding the building
        guards = next((v[0] for v in victim_groups if v[4] in ("kill", "wound") and v[0] in ("military", "police")),
                      None)
        if guards:
            actor2 = (guards, None)
    if event_type == "Riots":
        is_attack = False  # rioters and mobs are not perpetrators in the GTD sense (guidelines: null)
    perpetrator_kind = actor1[0] if is_attack else None
    return {
        "event_date": event_date, "time_precision": precision,
        "disorder_type": disorder, "event_type": event_type, "sub_event_type": sub_event,
        "actor1_kind": actor1[0], "actor1_group": actor1[1] or "",
        "actor1_state": foreign if actor1[0] in ("military", "police") and foreign else "",
        "actor2_kind": actor2[0] or "", "actor2_group": actor2[1] or "",
        "perpetrator_kind": perpetrator_kind or "", "perpetrator_group": (perp_group or "") if is_attack else "",
        "perpetrator_suspected": bool(perp_suspected) if is_attack and perp_group else (False if is_attack else None),
        "claimed": claimed, "claimed_by": claimed_by, "claim_mode": claim_mode,
        "target_type": target_type, "attack_type": attack_type,
        "fatalities": int(fatalities), "fatalities_low": int(k_low if k_low is not None else fatalities),
        "fatalities_high": int(max(k_high or 0, fatalities)),
        "fatalities_reported": k_best is not None, "fatalities_revised": bool(k_ev and k_ev.is_update),
        "wounded": w_best,
        "evidence": evidence,
    }


_GENERIC_BLAST = {"blast", "blasts", "explosion", "explosions", "bomb", "bombs", "bombing", "explosives",
                  "bomb blast", "bomb explosion", "bomb went off", "detonated a bomb", "twin blasts"}
_STATE_HEADS = {"drone", "strike", "airstrike", "jet", "warplane", "force", "troop", "aircraft", "military", "army",
                "helicopter", "missile", "navy", "soldier", "raid", "bombardment", "air", "artillery", "shelling",
                "shell", "rocket", "gunship", "warship", "tank", "bomb", "aviation", "fighter"}


def _is_country_word(place: dict, lex: Lexicons) -> bool:
    """A country or its demonym ("US", "Pakistani"), not a district ("South Waziristan drone attack")."""
    text = place["text"].lower().replace(".", "")
    return bool(place.get("is_demonym")) or text in lex.country_names or text in ("us", "uk", "usa")


def _names_a_force(place: dict, doc: Doc) -> bool:
    span = doc.char_span(place["char_start"], place["char_end"], alignment_mode="expand")
    if span is None:
        return False
    nxt = doc[span.end:min(span.end + 2, len(doc))]
    if any(t.lemma_.lower() in _STATE_HEADS for t in nxt):
        return True
    # "Russian Shahed-type attack drones": the noun the demonym modifies, through its compounds
    head = span.root
    for _ in range(4):
        if head.dep_ not in ("amod", "compound", "nmod") or head.head is head:
            break
        head = head.head
    return head.i != span.root.i and head.lemma_.lower() in _STATE_HEADS


def _force_head(place: dict, doc: Doc) -> str | None:
    """The force word a country names ("US drone" -> "drone"), for the geocoder's country weighing."""
    span = doc.char_span(place["char_start"], place["char_end"], alignment_mode="expand")
    if span is None:
        return None
    return next((t.lemma_.lower() for t in doc[span.end:min(span.end + 2, len(doc))]
                 if t.lemma_.lower() in _STATE_HEADS), None)


def _foreign_state(sents: list[SentInfo], lex: Lexicons) -> str | None:
    """"US drone strike", "Israeli warplanes", "Turkish forces": the state named just before its force."""
    for s in sents:
        for p in s.force_origins:
            hint = p.get("country_hint") or lex.country_iso.get(str(p["text"]).lower())
            if hint:
                return str(hint)
    return None


def _main_victim(victims: list, perp_group: str | None):
    if not victims:
        return None
    # a town taken or retaken is territory, not a victim: whoever held it is the other side
    usable = [v for v in victims if not (v[0] == "group" and v[1] == perp_group)
              and not (v[4] in ("capture", "retake") and v[0] == "civilians")]
    if not usable:
        return None
    # what was attacked ("attacked a police station") says more than who was counted dead ("two people
    # were killed"); then a phrase that names a target type beats a bare noun; then order of mention
    def rank(v):
        return (0 if v[4] not in ("kill", "wound") else 1, 0 if v[2] is not None else 1)

    best = sorted(usable, key=rank)[0]
    # "shot dead the council's vice chairman at his residence": an official killed at home is the target
    official = next((v for v in usable if v[4] == "kill" and v[0] == "government"), None)
    if official is not None and best[0] == "civilians" and best[3]["text"].lower().startswith(("his ", "her ")):
        return official
    if best[0] == "unidentified":
        # "jets engaged the terrorists ... killed dozens of ISWAP fighters": the named group says who they were
        best = next((v for v in usable if v[0] == "group"), best)
    # "two peacekeepers were killed when their convoy struck a bomb": whose convoy it was says the target
    killed = next((v for v in usable if v[4] == "kill" and v[0] == "civilians" and v[2] is not None
                   and v[2]["target_type"] not in ("Private Citizens & Property", "Military", "Police")), None)
    if killed is not None and best[2] is not None and "convoy" in str(best[2].get("target_subtype", "")).lower():
        return killed
    return best


# posts that say nothing of whose they are: the people hurt there say it
_WHOSE_POST = {"checkpoint", "checkpost", "convoy"}
_UNNAMED_PEOPLE = {"Unnamed Civilian/Unspecified", "Procession/Gathering (funeral, wedding, birthday, religious)"}
_NOT_SPECIFIC = {"Private Citizens & Property", "Police", "Military", "Unknown", "Terrorists/Non-State Militia"}


def _place_of_people(victim: tuple, victims: list, sents: list[SentInfo]) -> dict | None:
    """"19 people were killed", "a gathering": civilians named only as people are typed by the place or group they
    were hit in, when the incident's victims or the victim's sentence name one (worshippers, a displacement
    site, passenger buses)."""
    target = victim[2]
    if target is not None and (target["target_type"] != "Private Citizens & Property"
                               or target.get("target_subtype", "") not in _UNNAMED_PEOPLE):
        return target
    specific = [v[2] for v in victims if v[0] == "civilians" and v[4] == "kill" and v[2] is not None
                and v[2]["target_type"] not in _NOT_SPECIFIC]
    specific += [a for s in sents if s.idx == victim[3]["sentence_idx"] for span, a in s.targets
                 if a["target_type"] not in _NOT_SPECIFIC and not _is_speaker(span)]
    return specific[0] if specific else target


def _attributions(sents: list[SentInfo], lex: Lexicons) -> list[tuple[str, bool, dict]]:
    """Groups that sources name or suspect: "police blamed the TTP", "suspected Boko Haram insurgents"."""
    out = []
    for s in sents:
        if not s.actors:
            continue
        suspected = bool(_SUSPECT_CUES.search(s.text))
        stated = bool(re.search(r"\b(carried out by|behind the|responsible for|were members of|fighters of|"
                                r"militants of|attributed to|the work of)\b", s.text, re.I))
        if suspected or stated:
            specific = _most_specific([n for _, n in s.actors], lex)
            span, name = next((sp, n) for sp, n in s.actors if n in specific)
            out.append((name, suspected, _ev(span, s.idx)))
    return out


def _claims_for(inc: Incident, incidents: list[Incident], claims_all: list[Claim]) -> list[Claim]:
    """Claims that may speak of `inc`: a headline clause that claims the attack at another incident's place
    ("Two soldiers killed in Diyala bomb; ISIS claims Kirkuk checkpoint attack") is that incident's."""
    if len(incidents) < 2:
        return claims_all
    out = []
    for c in claims_all:
        clause = next((part for part in re.split(r"[;,:]| as | after ", c.text) if re.search(r"claim", part, re.I)), "")
        low = clause.lower()
        named_here = {k for k in inc.place_keys if k in low}
        named_elsewhere = {k for other in incidents if other is not inc for k in other.place_keys - inc.place_keys
                           if k in low}
        if named_elsewhere and not named_here:
            continue
        out.append(c)
    return out


def _incident_claim(inc: Incident, claims_all: list[Claim]) -> Claim | None:
    """The incident's claim status: a claim beats "no claim so far"; a denial alone counts as unclaimed."""
    idxs = {s.idx for s in inc.sentences}
    mine = [c for c in claims_all if c.sentence_idx in idxs]
    if not mine:
        return None
    claimed = [c for c in mine if c.status == "claimed"]
    if claimed:
        with_actor = [c for c in claimed if c.actor] or claimed
        best = with_actor[0]
        if best.mode == "Unknown":
            # the channel is often named in a later sentence ("... said in a WhatsApp message to AFP")
            known = [c.mode for c in claimed if c.mode != "Unknown"] or [
                m for s in inc.sentences if any(n == best.actor for _, n in s.actors)
                for m in [_claim_mode(s.text, 0, personal=False)] if m != "Unknown"]
            best = Claim(best.status, best.actor, known[0] if known else best.mode, best.sentence_idx,
                         best.char_start, best.char_end, best.text)
        return best
    return mine[0]


def _target_type(victim_kind: str | None, target: dict | None, sents: list[SentInfo]) -> str:
    found_all = [a["target_type"] for s in sents for span, a in s.targets if not _is_speaker(span)]
    if target is not None and "vehicle" in str(target.get("target_subtype", "")).lower():
        # "the lead truck" of a convoy: the vehicle belongs to whoever the incident says was hit, the force hit
        # if known, else the first force the incident names
        if victim_kind in ("military", "police"):
            return "Military" if victim_kind == "military" else "Police"
        security = next((t for t in found_all if t in ("Military", "Police")), None)
        if security:
            return security
    if target is not None and target["target_type"] in ("Police", "Military") and victim_kind in ("police", "military"):
        return "Police" if victim_kind == "police" else "Military"  # the unit named decides ("DRG jawans")
    if target is not None:
        return str(target["target_type"])
    if victim_kind == "police":
        return "Police"
    if victim_kind == "military":
        return "Military"
    if victim_kind in ("group", "unidentified"):
        return "Terrorists/Non-State Militia"
    if victim_kind == "government":
        return "Government (General)"  # "the vice chairman of the local government council"
    found = [a["target_type"] for s in sents for span, a in s.targets if not _is_speaker(span)]
    if victim_kind == "civilians":
        # a civilian target is typed by the place or institution hit: a school, a mosque, a bus, a market; one
        # named where the violence is told before one named in background ("extortion of businesses")
        violent = [a["target_type"] for s in sents if any(c in ATTACK_CLASSES for _, c, _ in s.triggers)
                   for span, a in s.targets if not _is_speaker(span)]
        specific = [t for t in violent + found if t not in _NOT_SPECIFIC]
        if specific:
            return specific[0]
        return "Private Citizens & Property"
    priority = ["Police", "Military", "Government (Diplomatic)", "Government (General)", "Journalists & Media",
                "Religious Figures/Institutions", "Educational Institution", "NGO", "Transportation", "Utilities",
                "Telecommunication", "Business", "Tourists", "Airports & Aircraft", "Maritime",
                "Food or Water Supply", "Violent Political Party", "Private Citizens & Property"]
    for p in priority:
        if p in found:
            return p
    if victim_kind == "civilians":
        return "Private Citizens & Property"
    return "Unknown"


_SPEECH = {"say", "tell", "confirm", "report", "add", "state", "announce", "claim", "describe", "accuse", "blame",
           "deny", "warn", "note", "quote", "according"}


def _is_speaker(span: Span) -> bool:
    """"police said", "according to the army": a source of the story, not its target."""
    root = span.root
    while root.dep_ in ("conj", "poss", "compound") and root.head is not root:
        root = root.head  # "according to local sources and aid workers", "the mayor's office said"
    if root.dep_ in ("nsubj", "nsubjpass") and root.head.lemma_.lower() in _SPEECH:
        return True
    return root.dep_ == "pobj" and root.head.lower_ == "to" and root.head.head.lower_ == "according"


def _primary_tactic(sub_event: str, tactics: set[str], classes: set[str]) -> str | None:
    for tactic, sub in SUB_BY_TACTIC.items():
        if sub == sub_event:
            return tactic
    # people killed in a raid that also took hostages: the killing is the attack (the abduction sub-event
    # has its own rule)
    order = ("hostage_barricade", "kidnapping", "hijacking", "firearms", "arson", "melee", "unarmed")
    if sub_event in ("Attack", "Armed clash", "Mob violence"):
        order = ("firearms", "arson", "melee", "unarmed", "hostage_barricade", "kidnapping", "hijacking")
    for t in order:
        if t in tactics:
            return t
    if classes & {"explode", "bomb"}:
        return "remote_explosive"
    if classes & {"shoot"}:
        return "firearms"
    if classes & {"burn"}:
        return "arson"
    return None


def _is_assassination(sents: list[SentInfo], target: dict | None) -> bool:
    for s in sents:
        for token, cls, _ in s.triggers:
            if cls not in ("kill", "assassinate", "shoot", "attack"):
                continue
            if cls == "assassinate":
                return True
            for child in token.children:
                if child.dep_ in ("dobj", "nsubjpass"):
                    words = {t.lemma_.lower() for t in child.subtree}
                    # "two officials" is not one target; "the second deputy mayor" is (an ordinal, not a count)
                    plural = child.tag_ in ("NNS", "NNPS") or any(t.tag_ == "CD" and t.lower_ not in ("one", "1")
                                                                   for t in child.subtree)
                    if words & PROMINENT and not plural and not words & {"police", "security", "army"}:
                        return True
    return False


def _incident_date(inc: Incident, sents: list[SentInfo], pub: date | None):
    ordered = [inc.anchor] + [s for s in sents if s is not inc.anchor]
    for s in ordered:
        # "an overnight raid ... in the early hours of Monday": the named day says which side of midnight
        for ref in sorted(_dating_refs(s), key=lambda r: r.text.lower() in ("overnight", "last night", "tonight")):
            if pub is None and ref.relative:
                continue
            if pub is not None and not (0 <= (pub - ref.day).days <= 31):
                continue
            return ref.day, ref.precision, _ev(None, s.idx, ref.char_start, ref.text)
    # no time of the incident itself: the day it was reported ("Kyiv said on Monday") is closer than the
    # day the article appeared
    for s in ordered:
        for ref in s.report_times:
            if pub is not None and 0 <= (pub - ref.day).days <= 7 and (ref.relative or ref.precision == 1):
                return ref.day, ref.precision, _ev(None, s.idx, ref.char_start, ref.text)
    if pub is not None:
        return pub, 1, None
    return None, None, None


# --- the stage -----------------------------------------------------------------------------------------

def code_article(doc: Doc, meta: dict, entities: pd.DataFrame, toponyms: list[dict], lex: Lexicons,
                 cfg: CodeConfig) -> tuple[list[dict], str | None]:
    """Reports for one article, or ([], reason) when it reports no political-violence incident."""
    pub = parse_published(meta.get("published"))
    ref_day = pub or date(2100, 1, 1)
    actors = _actor_spans(doc, entities)
    text = doc.text
    matches = _doc_matches(doc, lex)
    infos = [_read_sentence(i, s, lex, actors, toponyms, pub, ref_day, cfg, text, matches)
             for i, s in enumerate(doc.sents)]
    sport_sents = sum(1 for i in infos if "sport" in i.nonviolent)
    article_sport = (sport_sents >= 2 or len(_SPORT.findall(text)) >= 4) and not actors
    framing = _framing(infos)
    for info in infos:
        info.is_event = _is_event_sentence(info, article_sport or "sport" in framing)
        if info.is_event and framing:
            info.is_event = _fresh_enough(info, framing, pub, cfg)
    if not any(i.is_event for i in infos):
        reason = "background_only" if any(i.triggers for i in infos) else "no_trigger"
        if any(i.nonviolent for i in infos) and any(i.triggers for i in infos):
            reason = "non_violent_context"
        return [], reason
    incidents = _segment(infos, lex, cfg)
    claims_all = [c for i in infos if not i.background for c in i.claims]
    # a claim or denial in a sentence outside every incident (a headline, a closing line) belongs to the
    # only incident, or the one it follows
    for c in claims_all:
        if not any(c.sentence_idx in {s.idx for s in inc.sentences} for inc in incidents):
            prior = [inc for inc in incidents if inc.anchor.idx <= c.sentence_idx] or incidents[:1]
            prior[-1].sentences.append(infos[c.sentence_idx])
    reports = []
    dateline = [t for t in toponyms if t.get("source") == "dateline"]
    people = [e for e in doc.ents if e.label_ == "PERSON"]
    for n, inc in enumerate(incidents):
        coded = _code_incident(inc, infos, _claims_for(inc, incidents, claims_all), lex, pub, doc)
        if coded is None:
            continue
        event_places = []
        for s in [inc.anchor] + [s for s in inc.sentences if s is not inc.anchor]:
            event_places.extend({**p, "role": "event", "cue": _vicinity_cue(p, text)} for p in s.places)
            # "US drone", "Pakistani troops": never the place, but evidence of the country for the geocoder
            event_places.extend({**p, "role": "event", "cue": None, "force_origin": True,
                                 "force_head": _force_head(p, doc)} for p in s.force_origins)
            # "CTD claims to have killed seven BLF members": a group that fights in one country says which
            # country, when nothing else does (the geocoder weighs it like a nationality)
            for span, name in s.actors:
                home = str(lex.actors.get(name, {}).get("country") or "")
                if len(home) == 2:
                    event_places.append({
                        "text": span.text, "char_start": span.start_char, "char_end": span.end_char,
                        "sentence_idx": s.idx, "source": "actor", "cue": None, "is_demonym": True,
                        "country_hint": home, "role": "event", "actor_home": True})
        other = [
            {**p, "role": "article"} for i in infos if not i.background and all(i is not s for s in inc.sentences)
            for p in i.places
        ]
        mentions = _dedupe_places(event_places + [{**p, "role": "dateline"} for p in dateline] + other)
        anchor_token = next((t for t, _, _ in inc.anchor.triggers), inc.anchor.span.root)
        code = coded["sub_event_type"]
        report_id = hashlib.sha256(
            f"{meta['article_id']}|{inc.anchor.idx}|{anchor_token.idx}|{code}".encode()).hexdigest()[:16]
        persons = sorted({e.text for s in inc.sentences for e in people
                          if e.start >= s.span.start and e.end <= s.span.end})
        evidence = coded.pop("evidence")
        reports.append({
            "report_id": report_id, "doc_id": meta["doc_id"], "article_id": meta["article_id"], "incident_idx": n,
            "published": meta.get("published"), "source_name": meta.get("source_name"),
            "source_url": meta.get("source_url"), "title": meta.get("title"),
            **coded,
            "sentence_idx": inc.anchor.idx, "char_start": anchor_token.idx,
            "char_end": anchor_token.idx + len(anchor_token.text), "evidence_text": inc.anchor.text.strip(),
            "evidence": json.dumps(evidence, sort_keys=True), "place_mentions": json.dumps(mentions, sort_keys=True),
            "persons": json.dumps(persons),
            "target_terms": json.dumps(sorted({sp.text.lower() for s in inc.sentences for sp, _ in s.targets})),
        })
    if not reports:
        return [], "no_codable_incident"
    return reports, None


_NEAR_BEFORE = re.compile(
    r"(?:\bnear|\boutside|\boutskirts of|\bedge of|\bvicinity of|\bclose to|\b(?:north|south|east|west)"
    r"(?:-?(?:east|west))?(?:ern)? of|\b(?:kilometres|kilometers|km|miles)\s+(?:\w+\s+)?(?:from|of)|"
    r"\bvillages? (?:in|of|near)|\bdistrict of|\barea of|\bbetween)"
    r"\s+(?:the\s+)?(?:\w+\s+)?(?:town|city|village|district|area|municipality)?\s*(?:of\s+)?$", re.I)
_NEAR_AFTER = re.compile(r"^\s*(?:-\s*\w+\s+)?(?:road|highway|local government area|lga|district|county|"
                         r"municipality|area|outskirts|border)\b", re.I)


def _vicinity_cue(place: dict, text: str) -> str | None:
    """ACLED's precision 2: "near X", "on the outskirts of X", "a village in X district", "the X-Y road"."""
    before = text[max(0, place["char_start"] - 60):place["char_start"]]
    if re.search(r"\b(?:from|across) (?:the )?$", before, re.I):
        return "from"  # "firing from the Afghan side": where the fire came from, an origin
    if place.get("cue"):
        return place["cue"]
    after = text[place["char_end"]:place["char_end"] + 30]
    if _NEAR_BEFORE.search(before) or _NEAR_AFTER.search(after):
        return "near"
    return None


def _dedupe_places(mentions: list[dict]) -> list[dict]:
    seen, out = set(), []
    for m in mentions:
        key = (m["char_start"], m["char_end"])
        if key in seen:
            continue
        seen.add(key)
        out.append({k: (v.item() if hasattr(v, "item") else v) for k, v in m.items() if k != "article_id"})
    return out


REPORT_COLUMNS = [
    "report_id", "doc_id", "article_id", "incident_idx", "published", "source_name", "source_url", "title",
    "event_date", "time_precision", "disorder_type", "event_type", "sub_event_type", "actor1_kind", "actor1_group",
    "actor1_state",
    "actor2_kind", "actor2_group", "perpetrator_kind", "perpetrator_group", "perpetrator_suspected", "claimed",
    "claimed_by", "claim_mode", "target_type", "attack_type", "fatalities", "fatalities_low", "fatalities_high",
    "fatalities_reported", "fatalities_revised", "wounded", "sentence_idx", "char_start", "char_end",
    "evidence_text", "evidence", "place_mentions", "persons", "target_terms",
]


def run(articles: pd.DataFrame, tokens: pd.DataFrame, entities: pd.DataFrame, toponyms: pd.DataFrame,
        cfg: CodeConfig, *, lex: Lexicons, vocab) -> StageResult:
    """Code every parsed article. Never mutates its inputs."""
    docs = TokenDocs(vocab, tokens)  # each article's Doc rebuilt on demand from the token table
    # only the dictionary matches are read per article (`_actor_spans`)
    ent_groups = {k: g for k, g in entities[entities["source"] == "dictionary"].groupby("article_id", sort=False)}
    top_groups: dict[str, list[dict]] = {}
    for rec in toponyms.to_dict("records"):
        top_groups.setdefault(rec["article_id"], []).append(rec)
    empty_ents = entities.iloc[0:0]
    reports, no_event = [], []
    for meta in articles.sort_values("doc_id").to_dict("records"):
        aid = meta["article_id"]
        if aid not in docs:
            continue  # rejected by the NLP stage; counted there
        doc = docs[aid]
        rows, reason = code_article(doc, meta, ent_groups.get(aid, empty_ents), top_groups.get(aid, []), lex, cfg)
        if rows:
            reports.extend(rows)
        else:
            no_event.append({"doc_id": meta["doc_id"], "article_id": aid, "reason": reason})
    frame = pd.DataFrame.from_records(reports, columns=REPORT_COLUMNS)
    frame = _report_dtypes(frame)
    no_event_frame = pd.DataFrame.from_records(no_event, columns=["doc_id", "article_id", "reason"]).astype("string")
    n_in = int(articles["article_id"].isin(list(docs)).sum())
    # every parsed article is coded: it yields reports or lands in no_event (neither is a reject)
    stats = {"in": n_in, "out": n_in, "rejected": 0, "with_events": n_in - len(no_event_frame),
             "no_event": len(no_event_frame), "reports": len(frame)}
    return StageResult(rows=frame, rejects=make_rejects([]), stats=stats, extra={"no_event": no_event_frame})


def _report_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["event_date"] = frame["event_date"].map(lambda d: d.isoformat() if isinstance(d, date) else None)
    for col in ("time_precision", "wounded", "incident_idx", "fatalities", "fatalities_low", "fatalities_high",
                "sentence_idx", "char_start", "char_end"):
        frame[col] = frame[col].astype("Int64")
    for col in ("claimed", "perpetrator_suspected", "fatalities_reported", "fatalities_revised"):
        frame[col] = frame[col].astype("boolean")
    for col in frame.columns:
        if frame[col].dtype == object:
            frame[col] = frame[col].astype("string")
    return frame


# --- actor names, once the country is known ---------------------------------------------------------------

def _country_name(iso2: str | None, fallback: str | None) -> str:
    if fallback:
        return fallback
    import pycountry

    c = pycountry.countries.get(alpha_2=iso2) if iso2 else None
    return getattr(c, "common_name", None) or (c.name if c else "International")


def actor_name(kind: str, group: str, lex: Lexicons, iso2: str | None, country: str | None,
               day: date | None, state_iso2: str | None = None) -> tuple[str | None, int | None]:
    """ACLED name and inter code for an actor side."""
    if not kind:
        return None, None
    cname = _country_name(iso2, country)
    if kind == "group" and group:
        group = lex.affiliate_in(group, iso2) or group
        return group, lex.actors.get(group, {}).get("inter", 3)
    if kind in ("military", "police", "government"):
        home = state_iso2 or iso2  # a foreign state's forces are External/Other forces (8) abroad
        name = lex.state_force_name(home, kind, day)
        if name is None:
            where = _country_name(home, country if home == iso2 else None)
            name = f"Government of {where}" if kind == "government" else f"{kind.title()} Forces of {where}"
        return name, (1 if home == iso2 else 8)
    if kind == "civilians":
        return f"Civilians ({cname})", 7
    if kind == "protesters":
        return f"Protesters ({cname})", 6
    if kind == "rioters":
        return f"Rioters ({cname})", 5
    return f"Unidentified Armed Group ({cname})", 3


def interaction_text(inter1: int | None, inter2: int | None) -> str:
    """ACLED's interaction for two numeric inter codes, by the schema's own rule (`schemas.interaction_label`)."""
    return interaction_label(INTER_TEXT.get(inter1), INTER_TEXT.get(inter2)) or ""


def name_actors(reports: pd.DataFrame, lex: Lexicons) -> pd.DataFrame:
    """Fill actor1/actor2/perpetrator names, inter codes and interaction from the kinds and the geocoded country."""
    import pycountry

    out = reports.copy()
    cols = {k: [] for k in ("actor1", "inter1", "actor2", "inter2", "interaction", "perpetrator",
                            "civilian_targeting")}
    for row in out.to_dict("records"):
        iso_num = row.get("iso")
        c = pycountry.countries.get(numeric=f"{int(iso_num):03d}") if iso_num is not None and iso_num == iso_num else None
        iso2 = c.alpha_2 if c else None
        day = date.fromisoformat(row["event_date"]) if isinstance(row.get("event_date"), str) else None
        country = row.get("country") if isinstance(row.get("country"), str) else None
        a1, i1 = actor_name(row["actor1_kind"] or "", row["actor1_group"] or "", lex, iso2, country, day,
                            state_iso2=row.get("actor1_state") or None)
        a2, i2 = actor_name(row["actor2_kind"] or "", row["actor2_group"] or "", lex, iso2, country, day)
        if a2 == a1:
            a2, i2 = None, None
        perp, _ = actor_name(row["perpetrator_kind"] or "", row["perpetrator_group"] or "", lex, iso2, country, day,
                             state_iso2=row.get("actor1_state") or None)
        cols["actor1"].append(a1)
        cols["inter1"].append(INTER_TEXT.get(i1) if i1 else None)
        cols["actor2"].append(a2)
        cols["inter2"].append(INTER_TEXT.get(i2) if i2 else None)
        cols["interaction"].append(interaction_text(i1, i2))
        cols["perpetrator"].append(perp)
        cols["civilian_targeting"].append("Civilians targeted" if i2 == 7 else None)
    for k, v in cols.items():
        out[k] = pd.Series(v, index=out.index, dtype="string")
    return out
