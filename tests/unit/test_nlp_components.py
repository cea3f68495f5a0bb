"""NLP stage components on hand-built Docs (spacy.blank), and the stage's table contract."""
import pandas as pd
import spacy

from pipeline import nlp


def test_nlp_line_breaks_start_sentences():
    blank = spacy.blank("en")
    doc = blank("Two killed\nPolice said two people died.")
    doc = nlp.line_sentences(doc)
    starts = [t.text for t in doc if t.is_sent_start]
    assert "Police" in starts


def test_nlp_actor_matcher_one_actor_for_all_spellings():
    blank = spacy.blank("en")
    aliases = [("Tehreek-e-Taliban Pakistan", "TTP: Tehreek-i-Taliban Pakistan"),
               ("Pakistani Taliban", "TTP: Tehreek-i-Taliban Pakistan"), ("TTP", "TTP: Tehreek-i-Taliban Pakistan")]
    matcher = nlp.ActorMatcher(blank, aliases)
    for text in ("A spokesman for Tehreek-e-Taliban Pakistan said.", "The Pakistani Taliban claimed it.",
                 "The TTP claimed it."):
        doc = matcher(blank(text))
        assert [s.kb_id_ for s in doc.spans["actors"]] == ["TTP: Tehreek-i-Taliban Pakistan"], text
        assert [e.label_ for e in doc.ents] == ["ORG"]


def test_nlp_acronyms_match_case_sensitively():
    blank = spacy.blank("en")
    matcher = nlp.ActorMatcher(blank, [("ADF", "ADF: Allied Democratic Forces")])
    assert not matcher(blank("They had to adf it.")).spans["actors"]
    assert matcher(blank("The ADF attacked.")).spans["actors"]


def test_nlp_actor_aliases_from_dictionary_include_name_halves():
    actors = pd.DataFrame({"name": ["TTP: Tehreek-i-Taliban Pakistan"], "aliases": ["Pakistani Taliban|TTP"]})
    pairs = dict(nlp.actor_aliases_from(actors))
    assert pairs["Tehreek-i-Taliban Pakistan"] == "TTP: Tehreek-i-Taliban Pakistan"
    assert pairs["TTP"] == "TTP: Tehreek-i-Taliban Pakistan"


def test_nlp_actor_aliases_of_an_armed_wing_name_the_organisation_it_codes_as():
    actors = pd.DataFrame({"actor_id": ["pij", "al_quds_brigades"],
                           "name": ["PIJ: Palestinian Islamic Jihad", "Al Quds Brigades"],
                           "aliases": ["PIJ|Islamic Jihad", "Saraya al-Quds"], "coded_as": ["", "pij"]})
    pairs = dict(nlp.actor_aliases_from(actors))
    assert pairs["Saraya al-Quds"] == pairs["Al Quds Brigades"] == "PIJ: Palestinian Islamic Jihad"
    assert pairs["Islamic Jihad"] == "PIJ: Palestinian Islamic Jihad"


def test_nlp_doc_roundtrip_through_token_table(spacy_model):
    doc = spacy_model("Gunmen attacked a police station in Karachi.\nTwo were killed.")
    rows = nlp._token_table([nlp._token_arrays(doc, "a1")])
    rebuilt = nlp.doc_from_tokens(spacy_model.vocab, rows)
    assert rebuilt.text == doc.text
    assert [t.dep_ for t in rebuilt] == [t.dep_ for t in doc]
    assert [s.text for s in rebuilt.sents] == [s.text for s in doc.sents]


def test_nlp_token_docs_rebuild_every_article_as_doc_from_tokens(spacy_model):
    texts = ["Gunmen attacked a police station in Karachi.\nTwo were killed.",
             "Boko Haram fighters raided Konduga on Sunday, killing 12 villagers, officials said."]
    tokens = nlp._token_table([nlp._token_arrays(spacy_model(t), f"a{k}") for k, t in enumerate(texts)])
    shuffled = tokens.sample(frac=1, random_state=0)  # any row order: TokenDocs sorts by article and i
    docs = nlp.TokenDocs(spacy_model.vocab, shuffled)
    assert sorted(docs) == ["a0", "a1"] and "a2" not in docs
    for aid, rows in tokens.groupby("article_id"):
        one, many = nlp.doc_from_tokens(spacy_model.vocab, rows), docs[aid]
        assert many.to_json() == one.to_json()
        assert [s.text for s in many.sents] == [s.text for s in one.sents]


def test_nlp_fingerprint_covers_the_toponym_finder_code():
    from pipeline import nlp as nlp_module

    fp = nlp_module.fingerprint("model-1", "dict-1", "gaz-1")
    assert nlp_module._code_hash() in fp and len(nlp_module._code_hash()) == 12
