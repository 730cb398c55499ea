"""Small questions asked of the dependency parse: tense, subject, negation, speculation.

Pure functions of spaCy tokens; they read the parse made in the one `nlp.pipe` pass.
"""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract.lexicon import Lexicon

SUBJECTS = {"nsubj", "nsubjpass", "csubj"}
CLIMB = {
    "xcomp",
    "advcl",
    "conj",
    "pcomp",
    "prep",
    "acl",
    "ccomp",
    "dep",
    "pobj",
    "dobj",
    "attr",
    "oprd",
    "appos",
}
PLACE_PREPS = {"in", "at", "near", "inside", "outside", "across", "around", "on"}


def governing_verb(tok: Token) -> Token | None:
    """The nearest verb above a noun (the act a nominal trigger takes part in)."""
    t = tok
    for _ in range(6):
        if t.head is t:
            return None
        t = t.head
        if t.pos_ in {"VERB", "AUX"}:
            return t
    return None


def subject_of(verb: Token) -> Token | None:
    """The agent of a verb: its subject, or the `by` agent of a passive."""
    subj = None
    for c in verb.children:
        if c.dep_ in SUBJECTS:
            subj = c
            break
    if subj is not None and subj.dep_ == "nsubjpass":
        for c in verb.children:
            if c.dep_ == "agent":
                pobj = next((p for p in c.children if p.dep_ == "pobj"), None)
                if pobj is not None:
                    return pobj
    return subj


def agent_token(
    verb: Token, schedule_adjectives: frozenset[str] = frozenset(), owner_nouns: frozenset[str] = frozenset()
) -> Token | None:
    """Subject of the verb, else of the clause it hangs from ("..., pledging X" -> the main subject;
    "is due to address" -> the subject of "is" when "due" is one of `schedule_adjectives`; "his
    trip to Lagos to meet X" -> the trip's owner when "trip" is one of `owner_nouns`)."""
    v = verb
    participle = False
    for _ in range(5):
        if v.pos_ == "NOUN" and v.dep_ == "ROOT":
            named = [c for c in v.lefts if c.dep_ in {"compound", "nsubj"} and c.ent_type_]
            return named[-1] if named else None
        s = subject_of(v)
        if participle and s is not None and s.dep_ == "pobj":
            # "Arriving in Lagos, the minister was greeted by a guard": the one who arrives is
            # the subject of the clause, not the agent of its passive
            s = next((c for c in v.children if c.dep_ in SUBJECTS), s)
        if s is not None:
            return s
        if v.dep_ == "acl" and v.tag_ == "VBG" and v.head.pos_ in {"NOUN", "PROPN", "PRON"}:
            return v.head  # "anyone entering the United States": the noun does the act
        owner = next((c for c in v.head.children if c.dep_ == "poss"), None) if v.dep_ == "acl" else None
        if owner is not None and v.tag_ == "VB" and v.head.lemma_.lower() in owner_nouns:
            # "her decision to attend the summit", "his trip to Lagos to meet X": the owner acts
            # (not "his refusal to sign", "its threat to attack", "their attempt to broker")
            return owner
        if v.dep_ == "acl" and v.head.pos_ in {"NOUN", "PROPN", "NUM", "SYM"}:
            # "the $150 million promised this year": the promiser is the clause's subject above
            v = governing_verb(v.head) or v.head
            continue
        if v.dep_ == "relcl":
            return v.head
        if v.dep_ in CLIMB and v.head is not v:
            participle = v.dep_ == "advcl" and v.tag_ in {"VBG", "VBN"}
            v = v.head
            continue
        if v.dep_ == "acomp" and v.lemma_.lower() in schedule_adjectives:
            v = v.head  # "the minister is due to address ...": the subject of "is"
            continue
        return None
    return None


def is_negated(tok: Token) -> bool:
    """ "did not sign", "never visited", "made no mention", "its policy of not supplying"."""
    for c in tok.children:
        if c.dep_ == "neg" or c.lower_ in {"never", "no", "not", "n't"} and c.dep_ in {"neg", "det", "advmod"}:
            return True
        if c.dep_ == "dobj" and any(g.lower_ == "no" and g.dep_ == "det" for g in c.children):
            return True
    return tok.dep_ == "pcomp" and any(c.dep_ == "neg" for c in tok.head.children)


def negated_above(tok: Token, climb: frozenset[str], adjunct_preps: frozenset[str], steps: int = 4) -> bool:
    """Negation on a head the act hangs from, outside the trigger's own children: "don't have a
    meeting scheduled", "have no interest in attending a conference", "doesn't want to be blamed".
    Climbs object, complement and preposition links only: neither a reported clause nor an
    adjunct ("With the Senate meeting ..., he made no effort") is under the main verb's negation."""
    t = tok
    for _ in range(steps):
        if t.dep_ not in climb or t.head is t:
            return False
        if t.dep_ == "prep" and t.lower_ in adjunct_preps:
            return False
        t = t.head
        if is_negated(t):
            return True
    return False


def modals(tok: Token) -> set[str]:
    return {c.lower_ for c in tok.children if c.dep_ == "aux" and c.tag_ == "MD"}


def is_speculative(tok: Token, lex: Lexicon) -> bool:
    """Speculation, hypotheticals and wishes: "could push for", "if ... were to", "experts speculate"."""
    t = tok
    for depth in range(6):
        ms = modals(t)
        if ms & lex.speculation_modals:
            return True
        if "would" in ms and any(
            c.dep_ == "advcl" and any(m.dep_ == "mark" and m.lower_ in lex.hypothetical_marks for m in c.children)
            for c in t.children
        ):
            return True  # the main clause of a conditional: "if X, he would argue ..."
        if any(c.dep_ == "mark" and c.lower_ in lex.hypothetical_marks for c in t.children):
            return True
        if depth > 0 and t.lemma_.lower() in lex.speculation_heads and t.pos_ == "VERB":
            return True
        if t.pos_ in {"NOUN", "PROPN"} and any(
            c.dep_ == "amod" and c.lower_ in lex.speculative_modifiers for c in t.children
        ):
            return True
        if t.head is t or t.dep_ in {"ROOT"}:
            return False
        if t.dep_ in {"conj"} and t.head.pos_ == "VERB" and depth == 0:
            # coordination shares the modal of the first verb: "could meet and sign"
            t = t.head
            continue
        if t.dep_ not in {
            "xcomp",
            "ccomp",
            "pcomp",
            "prep",
            "pobj",
            "dobj",
            "advcl",
            "acl",
            "compound",
            "amod",
            "conj",
        }:
            return False
        t = t.head
    return False


def requested_by(tok: Token, lex: Lexicon) -> Token | None:
    """The appeal verb whose requested content `tok` is ("urged X to visit", "called on Y to provide",
    "called for a summit"); adverbial clauses ("urged ... as he attended") are not content."""
    t = tok
    for _ in range(6):
        if t.head is t:
            return None
        if t.dep_ not in {"xcomp", "ccomp", "pcomp", "pobj", "prep", "dobj", "conj"}:
            return None
        step = t
        t = t.head
        if t.pos_ == "VERB" and t.lemma_.lower() in lex.request_heads:
            if step.dep_ in {"xcomp", "ccomp", "dobj"} or (
                step.dep_ == "prep" and step.lower_ in {"for", "on", "upon"}
            ):
                return t
            return None
    return None


def tense_of(tok: Token, lex: Lexicon) -> str:
    """past | future | present of the clause a token heads (nouns: of the verb above them)."""
    if tok.dep_ == "ROOT" and tok.tag_ == "NNS":
        return "present"  # a mis-tagged present-tense verb ("heads to")
    v = tok if tok.pos_ in {"VERB", "AUX"} else governing_verb(tok)
    if v is None:
        return "past"
    for _ in range(4):
        ms = modals(v)
        if ms & lex.future_modals:
            return "future"
        auxes = {c.lemma_.lower() for c in v.children if c.dep_ in {"aux", "auxpass"}}
        head = v.head
        if (
            v.dep_ == "xcomp"
            and head.tag_ == "VBN"
            and head.lower_ in lex.future_heads
            and any(c.dep_ in {"aux", "auxpass"} and c.lower_ in lex.words["present_be_forms"] for c in head.children)
        ):
            return "future"  # "Trump is slated to meet ..." (the small model's lemma of "slated" is "slat")
        if v.dep_ == "xcomp" and v.head.lemma_.lower() in lex.future_heads:
            if v.head.tag_ == "VBD" and v.head.lemma_.lower() != "be":
                return "future" if v.head.lemma_.lower() in lex.words["schedule_heads"] else "past"
            return "future"
        if v.tag_ == "VBD" or "have" in auxes:
            return "past"
        if v.tag_ == "VBN":
            return "past" if v.dep_ in {"acl", "amod"} or auxes else "past"
        if v.tag_ in {"VBZ", "VBP"}:
            return "present"
        if v.tag_ == "VB":
            return "present"
        if v.tag_ == "VBG" and "be" in auxes:
            return "present"
        if v.head is v:
            return "past"
        v = v.head if v.head.pos_ in {"VERB", "AUX"} else (governing_verb(v.head) or v.head)
    return "past"


def in_spans(tok: Token, spans: list[tuple[int, int]]) -> bool:
    return any(s <= tok.i < e for s, e in spans)


def pobj_of(prep: Token) -> Token | None:
    """The object of a preposition ("in [Moscow]"), or None."""
    return next((p for p in prep.children if p.dep_ == "pobj"), None)


def path_up(t: Token, stop: Token) -> list[Token]:
    """The heads from `t` up to (not including) `stop`, at most 12."""
    path = []
    cur = t
    while cur.head is not cur and cur.head.i != stop.i and len(path) < 12:
        cur = cur.head
        path.append(cur)
    return path


def is_definite(tok: Token, determiners: frozenset[str]) -> bool:
    """A noun with a definite determiner or a possessor: "the summit", "his trip"."""
    return any((ch.dep_ == "det" and ch.lower_ in determiners) or ch.dep_ == "poss" for ch in tok.children)


def is_time_word(tok: Token, time_nouns: frozenset[str]) -> bool:
    """A time expression standing as a possessor: "Tuesday's", "last week's", "this month's"."""
    return tok.ent_type_ in {"DATE", "TIME"} or tok.lemma_.lower() in time_nouns
