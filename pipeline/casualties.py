"""Casualty figures read from the dependency parse: who was killed or wounded, how many, with what hedge.

`find_counts(sentence)` returns every figure a sentence gives ("two policemen were killed", "killing
at least 12", "the death toll rose to 30", "between eight and 10 dead", "dozens wounded"), each with the
victim category (people, security forces, civilians, attackers), the range it allows and whether it
revises an earlier figure. `aggregate` turns an incident's figures into ACLED's conservative count.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.tokens import Span, Token

KILL_VERBS = {"kill", "die", "slay", "behead", "execute", "massacre", "perish", "murder", "slaughter", "lynch",
              "assassinate", "gun", "shoot", "neutralise", "neutralize", "eliminate"}
KILL_NOUNS = {"death", "dead", "fatality", "body", "corpse", "life", "toll"}
KILL_ADJ = {"dead", "killed"}
WOUND_WORDS = {"wound", "injure", "hurt", "injury", "wounded", "injured", "maim"}
UPDATE_VERBS = {"rise", "climb", "increase", "reach", "jump", "mount", "soar", "hit", "swell", "grow"}

VAGUE = {"dozens": 12, "dozen": 12, "scores": 20, "score": 20, "hundreds": 100, "several": 3, "few": 3,
         "many": 10, "numerous": 10, "tens": 12, "thousands": 1000}
WORDS = {
    "zero": 0, "no": 0, "one": 1, "a": 1, "an": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
}
ATTACKERS = {"militant", "attacker", "assailant", "gunman", "gunmen", "bomber", "insurgent", "terrorist", "rebel",
             "fighter", "jihadist", "suspect", "kidnapper", "bandit", "extremist", "raider", "perpetrator",
             "separatist", "jihadi", "guerrilla", "gangster", "gang", "member"}
ASSAILANTS = {"attacker", "assailant", "gunman", "gunmen", "bomber", "raider", "perpetrator", "kidnapper"}
SECURITY = {"soldier", "policeman", "policemen", "officer", "police", "trooper", "personnel", "guard", "security",
            "ranger", "constable", "serviceman", "servicemen", "troop", "cop", "gendarme", "paramilitary",
            "commando", "sepoy", "jawan", "marine", "sailor", "airman", "militiaman", "army", "force"}
PERSON_NOUNS = (ATTACKERS | SECURITY | {"civilian", "villager", "resident", "worshipper", "student", "child", "woman",
                "passenger", "farmer", "pilgrim", "shopper", "bystander", "teacher", "worker", "man", "boy", "girl",
                "physician", "doctor", "nurse", "judge", "journalist", "reporter", "lawyer", "cleric", "imam",
                "priest", "leader", "commander", "official", "politician", "activist", "engineer", "driver",
                "trader", "shopkeeper", "labourer", "laborer", "elder", "chief", "mayor", "councillor", "youth",
                "contractor", "vaccinator", "tourist", "herder", "fisherman", "guard", "spy", "informer",
                "lawmaker", "minister", "governor", "policewoman", "health worker", "aid worker"}) - {
                    "police", "army", "force", "security", "personnel", "gang", "member"}
COLLECTIVE = {"people", "police", "army", "group", "family", "crowd", "village", "convoy", "force", "unit", "patrol",
              "toll", "number", "death", "life", "population", "community", "town", "area", "building", "attack",
              "staff", "personnel", "military", "security", "team", "gang", "militia", "organisation", "organization",
              "cell", "network", "faction", "one", "none", "other",
              "rest", "majority", "total", "all", "figure", "casualty", "injury", "wound", "body",
              # causes, not victims: "the blast killed", "an attack left"
              "blast", "explosion", "bomb", "bombing", "strike", "airstrike", "raid", "ambush", "fire", "gunfire",
              "clash", "shelling", "mine", "device", "incident", "violence", "fighting", "assault", "bomber",
              "gunman", "attacker", "storm", "flood", "accident", "crash", "shell", "rocket", "missile", "drone"}
NEGATIVE_ZERO = re.compile(
    r"\b(no one|nobody|no-one|none|no casualties|no deaths|no fatalities|no injuries|no loss of life|"
    r"no one was (?:killed|hurt|injured))\b", re.I)
# "the driver was released unharmed": someone came through unhurt, so the article speaks to injuries
UNHARMED = re.compile(r"\b(unharmed|unhurt|unscathed|uninjured)\b", re.I)


@dataclass(frozen=True)
class Count:
    kind: str  # "killed" | "wounded"
    value: int  # the figure ACLED would take from this mention (the low end of a range)
    high: int
    category: str  # people | security | civilians | attackers (armed men) | assailants (the attack's own)
    is_update: bool  # "the toll rose to 30": supersedes earlier figures in the article
    is_additive: bool  # "three attackers were also killed": on top of the other victims
    char_start: int
    char_end: int
    text: str
    # "vague" ("scores of", "dozens"), "single" (one person named: "his wounded son"), "bodies" (a body count)
    # or "unharmed" (a zero that stands only when no one is reported hurt)
    estimate: str = "exact"
    perfect: bool = False  # "have been killed": a state up to now, as tallies are told
    is_toll: bool = False  # "put the toll at 13": a total for the incident, not a group of victims


TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}
ORDINALS = {"second", "third", "fourth", "fifth", "sixth"}


def number_value(token: Token) -> int | None:
    """The integer a number token stands for (digits, words, hyphenated words, vague quantifiers)."""
    doc = token.doc
    # spaCy splits "Twenty-seven" into three tokens: read the compound from either end
    if token.i >= 2 and doc[token.i - 1].text == "-" and doc[token.i - 2].lower_ in TENS and token.lower_ in WORDS:
        return TENS[doc[token.i - 2].lower_] + WORDS[token.lower_]
    if token.lower_ in TENS and token.i + 2 < len(doc) and doc[token.i + 1].text == "-" and \
            doc[token.i + 2].lower_ in WORDS and WORDS[doc[token.i + 2].lower_] < 10:
        return TENS[token.lower_] + WORDS[doc[token.i + 2].lower_]
    text = token.text.lower().replace(",", "")
    if text.isdigit():
        return int(text)
    if text in VAGUE:
        return VAGUE[text]
    if "-" in text:
        parts = text.split("-")
        if all(p in WORDS for p in parts):
            return sum(WORDS[p] for p in parts)
    if text in WORDS and text not in ("a", "an", "no"):
        return WORDS[text]
    try:
        return int(float(text))
    except ValueError:
        return None


AIMS = {"order", "vow", "plan", "threaten", "promise", "pledge", "want", "seek", "try", "aim", "intend", "call", "urge",
        "ask", "tell", "need", "decide", "attempt", "prepare", "plot", "instruct", "direct", "authorize", "authorise"}
UNITS = {"kilometre", "kilometer", "km", "mile", "metre", "meter", "foot", "feet", "yard", "hour", "minute",
         "day", "week", "month", "year", "percent", "per", "kg", "kilogram", "tonne", "ton", "dollar", "rupee",
         "naira", "shilling", "peso", "euro", "pound", "time"}


def _number_of(noun: Token, patient: bool = False) -> tuple[Token, int] | None:
    """The figure attached to a victim noun: the noun itself ("Two were killed") or its numeric modifier.
    `patient`: the noun is plainly the one killed or hurt, so an attacker word names a victim."""
    if noun.lemma_.lower() in UNITS or noun.lower_ in UNITS:
        return None  # "100 kilometres to the north", "two hours later": a measure, not victims
    if noun.lower_ == "one" and noun.i > 0 and noun.doc[noun.i - 1].lower_ == "no":
        return noun, 0  # "no one was hurt"
    if noun.lower_ in ORDINALS and noun.i > 0 and noun.doc[noun.i - 1].lower_ == "a":
        return noun, 1  # "a third was wounded"
    # "a third person was wounded"
    if any(c.lower_ in ORDINALS for c in noun.children) and any(c.lower_ == "a" for c in noun.children):
        return noun, 1
    if noun.like_num or noun.pos_ == "NUM" or noun.lower_ in VAGUE:
        v = number_value(noun)
        if v is not None:
            # "one of the soldiers": keep; "hundreds of people": vague value
            return noun, v
    for child in noun.children:
        if child.dep_ in ("nummod", "quantmod") or (child.dep_ == "amod" and child.lower_ in VAGUE):
            v = number_value(child)
            if v is not None:
                # compound numbers: "twenty five" -> nummod chain
                return child, v
        if child.dep_ == "det" and child.lower_ in ("a", "an") and noun.lemma_ in ("dozen",):
            return child, 12
        if child.dep_ == "compound" and child.i < noun.i and child.lower_ in WORDS and child.lower_ not in ("a", "an"):
            return child, WORDS[child.lower_]  # "Sixteen soldiers" at a sentence start, tagged as a name
        if child.dep_ == "compound":
            # "One DRG jawan": the parser hangs the figure on the first word of the compound
            for grand in child.children:
                if grand.dep_ == "nummod" and grand.i < child.i:
                    v = number_value(grand)
                    if v is not None:
                        return grand, v
    # "dozens of people": the quantifier is the head noun of "of people"
    if noun.head.lower_ == "of" and noun.head.head.lower_ in VAGUE:
        q = noun.head.head
        return q, VAGUE[q.lower_]
    # one named victim: "shot dead the vice chairman", "a soldier was killed", "killing its commander"
    # "the bomber killed five" names the killer; "the bomber was also killed" a victim
    collective = COLLECTIVE - ATTACKERS if patient else COLLECTIVE
    # "their dead", "the dead" are plural: no figure without a number
    if noun.tag_ in ("NN", "NNP") and noun.lower_ != "dead" and noun.lemma_.lower() not in collective and \
            noun.ent_type_ not in ("GPE", "LOC", "FAC", "ORG", "NORP", "DATE", "TIME"):
        if noun.tag_ == "NNP" and noun.ent_type_ == "PERSON" or any(
                c.dep_ in ("det", "poss") and c.lower_ not in ("no", "any", "some", "every") for c in noun.children):
            return noun, 1
        # headlines drop the article: "Policeman guarding polio team killed", "Militant gunned down"
        if noun.tag_ in ("NN", "NNP") and noun.lower_ in PERSON_NOUNS and not any(
                c.dep_ == "det" for c in noun.children):
            return noun, 1
    return None


def _range(num: Token, value: int) -> tuple[int, int]:
    """(low, high) for a number with its hedges: "between 8 and 10", "8 to 10", "up to 12", "at least 5"."""
    doc = num.doc
    left = doc[max(num.i - 3, 0):num.i].text.lower()
    right = doc[num.i + 1:min(num.i + 3, len(doc))]
    # "8 to 10"; not "a soldier and two militants", where the first victim is a noun
    if num.like_num and len(right) >= 2 and right[0].lower_ in ("and", "to", "-", "–", "or") and right[1].like_num:
        other = number_value(right[1])
        if other is not None and other >= value:
            return value, other
    if num.i >= 2 and doc[num.i - 1].lower_ in ("to", "-", "–", "and", "or") and doc[num.i - 2].like_num:
        other = number_value(doc[num.i - 2])  # "eight to 10 civilians": the noun's modifier is the 10
        if other is not None and other <= value:
            return other, value
    for child in num.children:
        if child.dep_ == "conj" and child.like_num:
            other = number_value(child)
            if other is not None and "between" in left:
                return min(value, other), max(value, other)
    if "up to" in left:
        return value, value  # "up to 12": the only figure given; it is the high end but also the report
    return value, value


def _category(noun: Token) -> str:
    lemma = noun.lemma_.lower()
    if noun.like_num or noun.pos_ == "NUM":
        # "Two of the attackers": look through "of"
        for child in noun.children:
            if child.dep_ == "prep" and child.lower_ == "of":
                for obj in child.children:
                    if obj.dep_ == "pobj":
                        return _category(obj)
        return "people"
    compounds = {c.lemma_.lower() for c in noun.children if c.dep_ in ("compound", "amod")}
    # "five SDF fighters ... killing two of the assailants": the attack's own side, counted apart from fighters
    # who may have been its victims
    if lemma in ASSAILANTS or noun.lower_ in ASSAILANTS:
        return "assailants"
    # "nine Taliban killed", "two al-Shabaab": an organisation's name for its members counts them as fighters
    if lemma in ATTACKERS or noun.lower_ in ATTACKERS or (noun.pos_ == "PROPN" and noun.ent_type_ == "ORG"):
        return "attackers"
    if lemma in SECURITY or noun.lower_ in SECURITY or compounds & {"security", "police", "army"}:
        return "security"
    if lemma in {"civilian", "villager", "resident", "worshipper", "student", "child", "woman", "passenger",
                 "farmer", "pilgrim", "shopper", "bystander", "teacher", "worker", "boy", "girl"}:
        return "civilians"
    return "people"


# "a spokesman confirmed six deaths", "the president apologised for the deaths": the subject speaks of the
# dead, unlike "23 people were treated for wounds"
REPORTERS = {"say", "tell", "confirm", "report", "announce", "state", "add", "claim", "describe", "apologise",
             "apologize", "condemn", "mourn", "regret", "deny", "blame", "investigate", "cause", "inflict", "record",
             "count", "put", "verify", "express", "denounce", "acknowledge", "document", "demand", "accuse",
             "protest", "hold"}


def _victim_nouns(cue: Token) -> list[Token]:
    """The nouns that name who was killed/wounded, read from the cue word's attachments."""
    nouns: list[Token] = []
    deps = {"nsubjpass", "nsubj", "dobj", "attr", "appos"}
    for child in cue.children:
        if child.dep_ in deps:
            nouns.append(child)
    own_subject = any(c.dep_ in ("nsubj", "nsubjpass") for c in cue.children)
    if cue.dep_ in ("amod", "acl", "relcl", "npadvmod") and cue.head.pos_ in ("NOUN", "PROPN", "NUM", "PRON") \
            and not own_subject:  # "100 km away, in which one soldier was killed": the soldier, not the km
        nouns.append(cue.head)
    if not nouns and cue.dep_ == "conj" and cue.head.pos_ == "VERB":
        nouns.extend(c for c in cue.head.children if c.dep_ in ("nsubjpass", "nsubj"))
    if not own_subject and cue.pos_ == "VERB":
        # "(Police said) between eight and 10 people were killed": the parser makes the range a preposition
        # of the verb, or of the verb that reports it
        hosts = [cue] + ([cue.head] if cue.dep_ == "ccomp" else [])
        nouns.extend(o for h in hosts for p in h.children if p.dep_ == "prep" and p.lower_ == "between"
                     and p.i < cue.i for o in p.children if o.dep_ == "pobj")
    if cue.pos_ in ("NOUN", "NUM", "PROPN") and cue.lemma_.lower() in KILL_NOUNS | WOUND_WORDS | INJURIES:
        nouns.append(cue)  # "12 dead", "five deaths", "30 fatalities"
        # "23 people were treated for wounds", "three others sustained injuries"
        verb = cue.head.head if cue.dep_ == "pobj" else cue.head if cue.dep_ == "dobj" else None
        # "taken to hospital with head injuries": the parser may hang "with" on the noun before it
        while verb is not None and verb.pos_ in ("NOUN", "PROPN") and verb.dep_ == "pobj":
            verb = verb.head.head
        if verb is not None and verb.pos_ in ("VERB", "AUX") and verb.lemma_.lower() not in REPORTERS:
            subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass")]
            if not subjects and verb.dep_ == "conj":  # "was rescued and taken to hospital with injuries"
                subjects = [c for c in verb.head.children if c.dep_ in ("nsubj", "nsubjpass")]
            if verb.dep_ == "relcl" and any(c.lower_ in ("who", "that", "which") for c in subjects):
                subjects = [verb.head]  # "several others who sustained gunshot wounds"
            nouns.extend(subjects)
    # "killing at least 12 people": dobj handled; "left 5 dead": dobj of "leave" with oprd "dead"
    if cue.dep_ in ("oprd", "acomp", "xcomp") and cue.head.pos_ in ("VERB", "AUX"):
        objs = [c for c in cue.head.children if c.dep_ == "dobj"]  # "left 5 people dead": the object died
        nouns.extend(objs or [c for c in cue.head.children if c.dep_ in ("nsubj", "nsubjpass")])
    # "KUNDUZ CITY (Pajhwok): Five soldiers ... were killed": a dateline parsed as the subject, the victims
    # hang off it as an apposition
    nouns = nouns + [c for n in nouns if n.tag_ == "NNP" for c in n.children
                     if c.dep_ == "appos" and c.pos_ == "NOUN" and c not in nouns]
    out: list[Token] = []
    for n in nouns:
        if n.pos_ == "PRON" and n.lower_ not in ("none",):
            continue
        out.append(n)
        out.extend(c for c in n.children if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN", "NUM"))
    return out


def _joined_victims(noun: Token, cue: Token) -> list[Token]:
    """Victims added to `noun` in the same breath: "two officers and a street vendor", "X was shot dead
    along with one of his bodyguards". Numbers joined by "and" are left to `_range` ("between 8 and 10")."""
    joined = []
    for c in noun.children:
        if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN") and any(
                x.dep_ == "cc" and x.lower_ in ("and", "&") for x in noun.children):
            joined.append(c)
    # "injuring eight civilians, including two shopkeepers, and a CRPF jawan": the parser hangs the jawan on
    # the shopkeepers, but the comma closes the "including" aside and a jawan is no civilian
    for prep in (c for c in noun.children if c.dep_ == "prep" and c.lower_ == "including"):
        for part in (o for o in prep.children if o.dep_ == "pobj"):
            for c in part.children:
                if c.dep_ == "conj" and c.pos_ in ("NOUN", "PROPN") and c.i >= 2 and \
                        c.doc[c.left_edge.i - 1].lower_ == "and" and c.doc[c.left_edge.i - 2].text == "," and \
                        _category(c) not in (_category(noun), "people") and _category(noun) != "people":
                    joined.append(c)
    for prep in (c for c in list(cue.children) + list(noun.children) if c.dep_ == "prep"):
        if prep.lower_ in ("along", "together") or (prep.lower_ == "with" and prep.head.lower_ in ("along", "together")):
            inner = [prep] + [c for c in prep.children if c.dep_ == "prep" and c.lower_ == "with"]
            joined.extend(o for x in inner for o in x.children if o.dep_ == "pobj")
    return joined


# "police recovered 11 bodies": a toll; "a hospital received 25 bodies", "helped carry 11 bodies out", "counted
# at least 20 bodies": a body count, partial or unchecked
BODY_FOUND = {"recover", "retrieve", "find"}
BODY_HANDLING = {"receive", "carry", "count", "pull", "bury", "collect"}
BODY_PARTS = {"leg", "legs", "arm", "arms", "hand", "shoulder", "chest", "stomach", "abdomen", "back", "head",
              "neck", "thigh", "foot", "feet", "knee", "face", "hip"}
MISSILES = {"bullet", "shrapnel", "splinter", "pellet", "stray"}
# wounds named by their kind, as what someone suffered: "suffered cuts to his hands", "sustained burns"
INJURIES = {"cut", "burn", "bruise", "fracture", "laceration"}


def _hit_in_body(token: Token) -> bool:
    """"was shot in the leg": a prepositional phrase naming a part of the body."""
    return any(c.dep_ == "prep" and c.lower_ == "in" and any(o.lower_ in BODY_PARTS for o in c.children)
               for c in token.children)


def _is_cue(token: Token) -> str | None:
    lemma, lower = token.lemma_.lower(), token.lower_
    if lemma in WOUND_WORDS or lower in WOUND_WORDS:
        return "wounded"
    if lemma in ("shoot", "gun"):
        # "shot dead", "gunned down" are deaths; "shot in the leg" a wound; "shot" alone neither
        nxt = token.nbor(1).lower_ if token.i + 1 < len(token.doc) else ""
        if nxt in ("dead", "down"):
            return "killed"
        return "wounded" if token.tag_ == "VBN" and _hit_in_body(token) else None
    if lemma in ("hit", "strike") and token.tag_ == "VBN" and (_hit_in_body(token) or any(
            c.dep_ == "agent" and any(o.lemma_.lower() in MISSILES for o in c.subtree) for c in token.children)):
        return "wounded"  # "his driver was hit by a bullet", "his son was hit in the leg"
    if lemma in INJURIES and token.pos_ == "NOUN" and token.dep_ == "dobj" and \
            token.head.lemma_.lower() in ("suffer", "sustain", "receive"):
        return "wounded"
    if lemma == "martyr" and token.pos_ == "VERB":
        return "killed"  # "three policemen were martyred" (South Asian press); the noun is a mourning word
    if lemma in KILL_VERBS | KILL_NOUNS or lower in KILL_ADJ:
        if lemma == "life" and token.head.lemma_.lower() not in ("claim", "take", "cost", "lose"):
            return None
        if lemma == "body" and "recover" not in token.sent.text.lower() and not (
                token.lower_ == "bodies" and token.head.lemma_.lower() in BODY_FOUND | BODY_HANDLING):
            return None
        return "killed"
    return None


def find_counts(sent: Span, tokens: list[Token] | None = None, text: str | None = None) -> list[Count]:
    """Casualty figures in one sentence; `tokens` and `text` are the sentence's Token list and text when the
    caller has them already (spaCy rebuilds both on every access)."""
    counts: list[Count] = []
    sent_text = text if text is not None else sent.text  # Doc.text would rebuild the whole article per figure
    seen_numbers: set[tuple[str, int]] = set()
    for token in (tokens if tokens is not None else sent):
        kind = _is_cue(token)
        if not kind:
            continue
        if token.pos_ == "VERB" and any(c.dep_ == "aux" and c.lower_ == "to" for c in token.children) and \
                token.head.lemma_.lower() in AIMS:
            continue  # "ordered the army to neutralize 22 gangs", "vowed to kill": an aim, not a toll
        if _killed_and_wounded(token, kind):
            continue  # "killed and wounded 12 soldiers": casualties of both kinds in one figure
        toll = _toll_noun(token)
        # "deaths rose to 30" revises; "shells hit the palace, wounding three" is the attack's own clause
        is_update = toll is not None or (token.head.i != token.i and token.head.lemma_.lower() in
                                         UPDATE_VERBS and token.dep_ not in ("advcl", "conj", "xcomp"))
        if toll is not None:
            # "the death toll rose to 30" / "the toll stood at 12" / "the toll is 12"
            verb = toll.head
            nums = []
            for child in verb.children:
                if child.dep_ == "prep" and child.lower_ in ("to", "at"):
                    nums.extend(c for c in child.children if c.dep_ == "pobj")
                elif child.dep_ in ("attr", "dobj") and child.i != toll.i:
                    nums.append(child)
            is_update = verb.lemma_.lower() in UPDATE_VERBS
            nouns = nums
            if toll is token:
                kind = "wounded" if any(t.lemma_.lower() in WOUND_WORDS for t in token.children) else "killed"
        else:
            nouns = _victim_nouns(token)
        also = any(c.lower_ in ("also", "too") for c in token.children)
        for noun in nouns:
            found = _number_of(noun, _is_patient(noun, token))
            if not found and noun.dep_ in ("dobj", "pobj") and noun.head.dep_ in ("acl", "prep") \
                    and noun.head.head.pos_ in ("NOUN", "PROPN"):
                # headline parse: "Policeman guarding polio team killed" hangs "killed" on "team"
                noun = noun.head.head
                found = _number_of(noun)
            if not found:
                continue
            num, value = found
            key = (kind, num.i)
            if key in seen_numbers or (kind == "wounded" and ("killed", num.i) in seen_numbers):
                continue  # "two men were brought dead with bullet wounds": the dead, not the wounded
            seen_numbers.add(key)
            low, high = _range(num, value)
            category = _category(noun)
            start = min(num.idx, noun.idx, token.idx)
            end = max(num.idx + len(num), noun.idx + len(noun), token.idx + len(token))
            if toll is None:
                # one figure for victims named together: "two soldiers and a rebel were killed" is three
                for other in _joined_victims(noun, token):
                    extra = _number_of(other)
                    if extra is None or (kind, extra[0].i) in seen_numbers:
                        continue
                    seen_numbers.add((kind, extra[0].i))
                    low, high, value = low + extra[1], high + extra[1], value + extra[1]
                    if _category(other) != category:
                        category = "people"
                    start, end = min(start, other.idx), max(end, other.idx + len(other))
            if _is_subset(num, token):
                continue  # "two of them in serious condition", "four children were among the wounded"
            estimate = "vague" if num.lower_ in VAGUE or noun.lower_ in VAGUE else (
                "single" if value == 1 and not num.like_num else
                "bodies" if token.lower_ == "bodies" and token.head.lemma_.lower() in BODY_HANDLING else "exact")
            perfect = token.pos_ == "VERB" and any(c.dep_ == "aux" and c.tag_ in ("VBP", "VBZ") and
                                                   c.lemma_.lower() == "have" for c in token.children)
            counts.append(Count(kind, low, high, category, is_update, also, start, end,
                                sent_text[start - sent.start_char:end - sent.start_char], estimate, perfect,
                                toll is not None))
    for m in NEGATIVE_ZERO.finditer(sent_text):
        phrase = (m.group(0) + sent_text[m.end():m.end() + 40]).lower()
        kinds = []
        if re.search(r"kill|dead|die|death|casualt|fatalit|loss of life", phrase):
            kinds.append("killed")
        if re.search(r"injur|hurt|wound|casualt", phrase):
            kinds.append("wounded")
        for kind in kinds:
            if not any(c.kind == kind for c in counts):
                s = sent.start_char + m.start()
                counts.append(Count(kind, 0, 0, "people", False, False, s, s + len(m.group(0)), m.group(0)))
    m = UNHARMED.search(sent_text)
    if m and not any(c.kind == "wounded" for c in counts):
        s = sent.start_char + m.start()
        counts.append(Count("wounded", 0, 0, "people", False, False, s, s + len(m.group(0)), m.group(0), "unharmed"))
    return counts


def _toll_noun(cue: Token) -> Token | None:
    """The noun that states a total: "the death toll", or "number" in "put the number of dead at 14"."""
    if cue.lemma_.lower() == "toll":
        return cue
    if cue.dep_ == "pobj" and cue.head.lower_ == "of" and cue.head.head.lemma_.lower() in ("number", "toll", "tally"):
        return cue.head.head
    return None


def _killed_and_wounded(token: Token, kind: str) -> bool:
    """A kill verb and a wound verb joined over one object: the figure counts both together."""
    other = token.head if token.dep_ == "conj" else next((c for c in token.children if c.dep_ == "conj"), None)
    if other is None or other.pos_ != "VERB" or _is_cue(other) not in ("killed", "wounded") or _is_cue(other) == kind:
        return False
    objects = [t for t in (token, other) if any(c.dep_ == "dobj" for c in t.children)]
    return len(objects) == 1


def _is_patient(noun: Token, cue: Token) -> bool:
    """The noun undergoes the killing or wounding: "the gunman was shot dead", "gunman killed after ...",
    "the bomber died"; not the subject of an active "killed"."""
    if noun.head == cue:
        return noun.dep_ in ("nsubjpass", "dobj") or (
            noun.dep_ == "nsubj" and cue.lemma_.lower() in ("die", "perish"))
    return cue.head == noun and cue.dep_ in ("acl", "amod") and cue.tag_ == "VBN"


def _is_subset(num: Token, cue: Token) -> bool:
    """A figure that counts part of the victims already counted."""
    if any(c.dep_ == "prep" and c.lower_ == "of" and any(o.lower_ in ("them", "those", "whom") for o in c.children)
           for c in num.children):
        return True
    return cue.dep_ == "pobj" and cue.head.lower_ == "among"


def aggregate(counts: list[Count], kind: str) -> tuple[int | None, int | None, int | None, Count | None]:
    """(best, low, high, evidence) for one incident, ACLED-style; None when no figure was reported.

    A revision ("rose to") supersedes; otherwise conflicting figures for the same victims give the lowest,
    figures for different victims add up, and a total for "people" is taken when it exceeds the parts.
    """
    mine = [c for c in counts if c.kind == kind]
    # once the incident is told in the past ("a woman was killed"), a later "dozens have been killed on both
    # sides" sums up the conflict
    told = min((c.char_start for c in mine if not c.perfect), default=None)
    mine = [c for c in mine if not (c.perfect and told is not None and c.char_start > told
                                    and not c.is_update and not c.is_additive)]
    if any(c.estimate != "unharmed" for c in mine):
        mine = [c for c in mine if c.estimate != "unharmed"]
    # bodies one hospital received or a volunteer carried are a partial or unchecked count: beside a reported
    # toll they only raise the high
    body_highs = [c.high for c in mine if c.estimate == "bodies"]
    if any(c.estimate != "bodies" for c in mine):
        mine = [c for c in mine if c.estimate != "bodies"]
    if not mine:
        return None, None, None, None
    highs = max([c.high for c in mine] + body_highs)
    updates = [c for c in mine if c.is_update]
    if updates:
        last = updates[-1]
        # the low is the figure first reported ("initially said six ... the toll had risen to 19", or after it:
        # "police had initially put the number of dead at 14"); the attack's own dead are no total for it
        earlier = [c for c in mine if not c.is_update and (c.char_start < last.char_start or c.is_toll)
                   and c.category not in ("attackers", "assailants")]
        first = aggregate(earlier, kind)[0] if earlier else None
        low = min(first, last.value) if first is not None else last.value
        return last.value, low, max(highs, last.value), last
    by_cat: dict[str, list[Count]] = {}
    for c in mine:
        by_cat.setdefault(c.category, []).append(c)
    for cat, cs in by_cat.items():
        # "scores of people were wounded ... the hospital received 47": the number beats the word for a
        # smaller one; one person in an anecdote ("his wounded son") does not count against a figure
        exact = [c for c in cs if c.estimate == "exact"]
        kept = [c for c in cs if not (c.estimate == "vague" and any(e.value > c.value for e in exact))]
        if kind == "wounded":  # a named dead person is usually the event itself; a wounded one an anecdote
            kept = [c for c in kept if not (c.estimate == "single" and any(o.estimate != "single" for o in kept))]
        by_cat[cat] = kept or cs
    lowest = {cat: min(cs, key=lambda c: c.value) for cat, cs in by_cat.items()}
    if "attackers" in lowest and "assailants" in lowest and \
            lowest["attackers"].value == lowest["assailants"].value:
        del lowest["assailants"]  # "two militants were killed ... two of the attackers": the same men
    parts = sum(c.value for cat, c in lowest.items() if cat != "people")
    people = lowest.get("people")
    # "killed more than 10 civilians ... rescuers put the toll at 13": another source's total for the same dead,
    # of which ACLED takes the lower
    rival_toll = people is not None and people.is_toll and not people.is_update and 0 < parts < people.value
    if people is not None and people.value >= parts and not rival_toll:
        best = people.value + sum(c.value for cat, c in lowest.items() if cat != "people" and c.is_additive)
        evidence = people
    else:
        best = parts
        evidence = max((c for cat, c in lowest.items() if cat != "people"), key=lambda c: c.value)
    high = max(highs, best, sum(max(c.high for c in cs) for cat, cs in by_cat.items() if cat != "people"))
    return best, best, high, evidence
