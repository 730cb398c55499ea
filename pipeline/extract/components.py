"""spaCy components of the extractor, registered by name and added with `nlp.add_pipe`.

They run inside the one `nlp.pipe` pass, after the parser, lemmatizer and NER, and only mark
spans; the Python that turns marks into event rows reads them (no sentence is parsed twice).

- `newsevents_triggers`: a lookup of each token's lemma in the lexicon's trigger verbs and
  nouns, checked against its POS (read from the doc's arrays, see TriggerMarker), and a DependencyMatcher for light-verb constructions ("issued a warning", "made a
  call for", "expressed concern"). Result: `doc.spans["newsevents_triggers"]`, one span per
  trigger token labelled with its candidate type (light verbs: the object token, label
  `light`).
- `newsevents_quotes`: direct quotations (“...”, "...") as `doc.spans["newsevents_quotes"]`,
  so that acts inside a quote are read as the quote's content, and the quote is kept.
"""

from __future__ import annotations

import re

from spacy.attrs import DEP, LEMMA, LOWER, POS, TAG
from spacy.language import Language
from spacy.matcher import DependencyMatcher
from spacy.tokens import Doc, Span

from pipeline.extract.lexicon import load_lexicon

TRIGGERS = "newsevents_triggers"
QUOTES = "newsevents_quotes"
PARAGRAPHS = "newsevents_paragraphs"
_QUOTE_RE = re.compile(r"“[^”]{2,}”|\"[^\"\n]{2,}\"")


class TriggerMarker:
    """Trigger tokens by lemma and part of speech.

    The token patterns are all "lemma in a word list, with this POS (or TAG + DEP)", so they are
    read as a table lookup on the lemma over the doc's arrays instead of a Matcher pass with
    set predicates (a quarter of the time of this component); the light-verb constructions need
    the dependency tree and stay a DependencyMatcher."""

    def __init__(self, nlp: Language, name: str):
        lex = load_lexicon()
        words = lex.words
        strings = nlp.vocab.strings
        # lemma hash -> labels whose lemma list holds it, with the test each label makes
        self.by_lemma: dict[int, list[tuple[str, str]]] = {}

        def add(lemmas, label: str, test: str) -> None:
            for lemma in sorted(lemmas):
                self.by_lemma.setdefault(strings.add(lemma), []).append((label, test))

        by_type: dict[str, list[str]] = {}
        for lemma, etype in lex.verb_type.items():
            by_type.setdefault(etype, []).append(lemma)
        for etype, lemmas in by_type.items():
            # a present-tense verb the small model tags as a plural noun at the root: "Yoon heads to ..."
            add(lemmas, f"V:{etype}", "verb_or_root_nns")
        add(lex.call_particles, "V:call", "verb")
        by_noun: dict[str, list[str]] = {}
        for lemma, etype in lex.noun_type.items():
            by_noun.setdefault(etype, []).append(lemma)
        for etype, lemmas in by_noun.items():
            # the small model tags some event nouns as ADJ ("a roundtable"): any non-verbal tag counts
            add(lemmas, f"N:{etype}", "nominal")
        self._verb = strings.add("VERB")
        self._nominal = {strings.add("NOUN"), strings.add("PROPN"), strings.add("ADJ")}
        self._nns = strings.add("NNS")
        self._propn = strings.add("PROPN")
        self._root = strings.add("ROOT")
        self.dep_matcher = DependencyMatcher(nlp.vocab)
        self.dep_matcher.add(
            "light",
            [
                [
                    {"RIGHT_ID": "verb", "RIGHT_ATTRS": {"LEMMA": {"IN": sorted(lex.light_verbs)}, "POS": "VERB"}},
                    {
                        "LEFT_ID": "verb",
                        "REL_OP": ">",
                        "RIGHT_ID": "object",
                        "RIGHT_ATTRS": {"DEP": "dobj", "LEMMA": {"IN": sorted(lex.light_objects)}},
                    },
                ],
                # "made clear that ...", "made it clear": the adjective is the complement, not an object
                [
                    {
                        "RIGHT_ID": "verb",
                        "RIGHT_ATTRS": {"LEMMA": {"IN": sorted(words["clarity_verbs"])}, "POS": "VERB"},
                    },
                    {
                        "LEFT_ID": "verb",
                        "REL_OP": ">",
                        "RIGHT_ID": "object",
                        "RIGHT_ATTRS": {
                            "DEP": {"IN": sorted(words["clarity_deps"])},
                            "LEMMA": {"IN": sorted(words["clarity_adjectives"])},
                        },
                    },
                ],
            ],
        )

    def __call__(self, doc: Doc) -> Doc:
        spans: list[Span] = []
        seen: set[tuple[int, str]] = set()
        if len(doc):
            for i, (lemma, pos, tag, dep, lower) in enumerate(doc.to_array([LEMMA, POS, TAG, DEP, LOWER]).tolist()):
                labels = self.by_lemma.get(lemma)
                if labels is None and pos == self._propn:
                    # a proper noun keeps its capital in the lemma: "the Summit", "Talks"
                    labels = self.by_lemma.get(lower)
                for label, test in labels or ():
                    if test == "nominal":
                        ok = pos in self._nominal
                    elif test == "verb":
                        ok = pos == self._verb
                    else:
                        ok = pos == self._verb or (tag == self._nns and dep == self._root)
                    if ok and (i, label) not in seen:
                        seen.add((i, label))
                        spans.append(Span(doc, i, i + 1, label=label))
        for _match_id, (_verb, obj) in self.dep_matcher(doc):
            if (obj, "light") not in seen:
                seen.add((obj, "light"))
                spans.append(Span(doc, obj, obj + 1, label="light"))
        spans.sort(key=lambda s: (s.start, s.label_))
        doc.spans[TRIGGERS] = spans
        return doc


@Language.factory(TRIGGERS)
def make_trigger_marker(nlp: Language, name: str) -> TriggerMarker:
    return TriggerMarker(nlp, name)


@Language.component(PARAGRAPHS)
def mark_paragraphs(doc: Doc) -> Doc:
    """Sentence boundaries the parser keeps (this runs after the tagger, before the parser).

    A line break ends a sentence: headlines, paragraphs and list items never run into each other.
    Two places where the small parser breaks a sentence in its middle are marked as no boundary:
    a quote that opens right after a possessive or a preposition (a show or book title: "told
    X's "Face the Nation" that ...", "speaking on "Meet the Press""), and the token after an
    abbreviation that ends a noun phrase (a party or state label: "a Texas GOP. said", "R-Ohio.")
    when it is lowercase, or when the words since a quote closed by a comma hold no verb (the
    quote's attribution has not come yet). Word lists: rules/words.json."""
    words = load_lexicon().words
    abbreviations = words["phrase_final_abbreviations"]
    opening_tags = words["quote_opening_tags"]
    for tok in doc[1:]:
        prev = doc[tok.i - 1]
        if "\n" in prev.whitespace_ or (prev.is_space and "\n" in prev.text):
            tok.is_sent_start = True
        elif tok.text in _OPENING_QUOTES and prev.tag_ in opening_tags and tok.i + 1 < len(doc):
            tok.is_sent_start = False
            doc[tok.i + 1].is_sent_start = False
        elif _ends_label(doc, prev.i, abbreviations, words["party_letters"]) and _continues(doc, tok):
            tok.is_sent_start = False
    return doc


_OPENING_QUOTES = frozenset({'"', "\u201c"})
_COMMA_QUOTES = frozenset({'"', "\u201d"})


def _ends_label(doc: Doc, i: int, abbreviations: frozenset[str], party_letters: frozenset[str]) -> bool:
    """Token i ends a noun phrase with an abbreviation's period: "Calif.", "GOP" + ".", "R-Texas" + "."."""
    tok = doc[i]
    if tok.text in abbreviations and tok.text.endswith("."):
        return True
    if tok.text != "." or i == 0 or doc[i - 1].whitespace_:
        return False
    word = doc[i - 1]
    if word.text in abbreviations or word.text + "." in abbreviations:
        return True
    return i >= 3 and doc[i - 2].text == "-" and doc[i - 3].text in party_letters and not doc[i - 3].whitespace_


def _continues(doc: Doc, tok) -> bool:
    """The sentence goes on after the abbreviation: a lowercase word, or no verb since a quote closed by a comma."""
    if tok.is_space:
        return False
    if tok.text[:1].islower():
        return True
    for j in range(tok.i - 2, max(tok.i - 25, 0), -1):
        t = doc[j]
        if "\n" in t.whitespace_ or t.text in {".", "!", "?", ";"} or t.tag_.startswith("VB"):
            return False
        if t.text in _COMMA_QUOTES and doc[j - 1].text == ",":
            return True
    return False


@Language.component(QUOTES)
def mark_quotes(doc: Doc) -> Doc:
    spans = []
    for m in _QUOTE_RE.finditer(doc.text):
        span = doc.char_span(m.start(), m.end(), alignment_mode="expand")
        if span is not None:
            spans.append(span)
    doc.spans[QUOTES] = spans
    return doc
