"""Where: the place a token names, a trip's destination, the place of an act in its sentence.

Places are (name, country) pairs; the in-article entity table and the gazetteer (resolvers.py)
decide what a name is.
"""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract import resolvers
from pipeline.extract.context import ArticleContext
from pipeline.extract.entities import clean_name
from pipeline.extract.records import Candidate
from pipeline.extract.scene import gazetteer_place, is_foreign_mission, region_country
from pipeline.extract.syntax import pobj_of

Place = tuple[str, str | None]


def place(ctx: ArticleContext, tok: Token) -> Place | None:
    """A place named by a token (its entity), as (name, country)."""
    ent = ctx.entities.entity_span_at(tok.i)
    if ent is not None and (found := gazetteer_place(ent)) is not None:
        return found
    if is_foreign_mission(tok.text) or (ent is not None and is_foreign_mission(ent.text)):
        return (clean_name(ent.text if ent is not None else tok.text), None)  # in the host country, unnamed here
    if ent is None and tok.pos_ == "PROPN":
        # a place the NER missed ("visited Tunis"): the gazetteer decides
        words = [t for t in tok.subtree if t.dep_ in {"compound", "flat"} or t.i == tok.i]
        name = " ".join(t.text for t in words)
        country = resolvers.place_country(name)
        if country:
            return (name, country)
    if ent is None or ent.label_ not in {"GPE", "LOC", "FAC", "ORG"}:
        # "Russia's far eastern region": the place is the possessor
        for c in tok.children:
            if c.dep_ in {"poss", "compound"}:
                return place(ctx, c)
        return None
    name = clean_name(ent.text)
    if name.lower().startswith("the "):
        name = name[4:]
    known = resolvers.lookup(name, ctx.published)
    if known is not None and known.kind in {"organisation", "person", "group"}:
        return None  # "at the UN": an organisation is not a place
    country = resolvers.place_country(name)
    if country is None and ent.label_ in {"GPE", "LOC"}:
        country = resolvers.country_of(name) or region_country(name)
    if country is None and ent.label_ == "ORG":
        return None
    if country is None and name.lower() in ctx.words["compass_words"]:
        found = ctx.entities._compass_country(tok)
        return (found[0].name, found[0].country) if found else None
    return (name, country)


def destination(ctx: ArticleContext, tok: Token, lemma: str) -> Place | None:
    """Where a trip goes: "traveled to Russia", "arrived in Pyongyang", "visit to Seoul", "U.S. trip"."""
    w = ctx.words
    preps = w["arrival_preps"] if lemma in w["arrival_words"] else w["destination_preps"]
    for c in tok.children:
        if c.dep_ in {"dobj", "npadvmod"} and lemma in w["visit_object_verbs"]:
            found = place(ctx, c)
            if found:
                return found
        if c.dep_ == "prep" and c.lower_ in preps | (w["venue_preps"] if tok.pos_ == "NOUN" else set()):
            pobj = pobj_of(c)
            if pobj is not None:
                found = place(ctx, pobj)
                if found:
                    return found
        if c.dep_ in {"compound", "nmod", "amod"} and tok.pos_ == "NOUN":
            found = place(ctx, c)
            if found:
                return found
        if c.dep_ == "advmod" and c.lower_ in w["stay_adverbs"]:
            return None
    return None


def location_for(ctx: ArticleContext, c: Candidate) -> Place | None:
    """Where the act took place: an in/at phrase on the act's clause (for meetings, summits and
    speeches anywhere under the trigger: "met on the sidelines of the summit in Peru")."""
    if c.etype == "visit":
        return c.destination
    w = ctx.words
    for k in c.keys:
        # "his speech in Warsaw, where he called for ...": the relative "where" names the place
        if k.dep_ == "relcl" and any(ch.dep_ == "advmod" and ch.lower_ == "where" for ch in k.children):
            head = k.head  # "in Warsaw, where he ...", "his speech in Warsaw, where he ..."
            found = place(ctx, head)
            if not (found and found[1]) and head.lemma_.lower() in w["event_frame_nouns"]:
                found = next(
                    (
                        f
                        for t in head.children
                        if t.dep_ == "prep" and t.lower_ in {"in", "at"} and (f := country_place_of(ctx, t))
                    ),
                    None,
                )
            if found and found[1]:  # "a council, where she ..." places nothing
                return found
    chain = set()
    for k in c.keys:
        chain.add(k.i)
        chain.update(a.i for a in k.ancestors)
    physical = c.etype in w["physical_types"]
    for k in c.keys:
        for t in k.subtree:
            if t.dep_ != "prep" or t.lower_ not in w["venue_preps"]:
                continue
            if not (physical or t.head.i in chain):
                continue
            head = t.head
            head_lemma = head.lemma_.lower()
            venue_like = (
                head.pos_ == "VERB"
                or head_lemma in w["event_frame_nouns"]
                or head_lemma in w["venue_nouns"]
                # the parser often hangs the place on the party: "talks with his counterpart in Moscow"
                or head_lemma in ctx.lex.person_titles
                or head.ent_type_ == "PERSON"
            )
            if head.i not in chain and not venue_like:
                continue  # "elections in Greece" does not place talks held the same day
            pobj = pobj_of(t)
            if pobj is not None:
                found = place_deep(ctx, pobj)
                if found and found[1]:
                    return found
    for t in ctx.sent(c.trigger):
        if t.dep_ == "prep" and t.lower_ in w["venue_preps"] and t.head.i in chain:
            found = country_place_of(ctx, t)
            if found:
                return found
    return None


def country_place_of(ctx: ArticleContext, prep: Token) -> Place | None:
    """The place the object of a preposition names, when its country is known ("in Moscow")."""
    pobj = pobj_of(prep)
    if pobj is None:
        return None
    found = place(ctx, pobj)
    return found if found and found[1] else None


def place_deep(ctx: ArticleContext, pobj: Token) -> Place | None:
    """The place of "in Lima, Peru", "at the APEC summit in Peru", "in Russia's far eastern region"."""
    found = place(ctx, pobj)
    if found and found[1]:
        return found
    for t in pobj.subtree:
        if (
            t.i != pobj.i
            and t.ent_type_ in {"GPE", "LOC", "FAC"}
            and (t.head.lower_ in ctx.words["place_head_words"] or t.head.lower_ == pobj.text)
        ):
            inner = place(ctx, t)
            if inner and inner[1]:
                return inner
        if t.dep_ == "appos" or t.dep_ == "poss":
            inner = place(ctx, t)
            if inner and inner[1]:
                return inner
    for t in pobj.subtree:
        if t.dep_ == "prep" and t.lower_ in ctx.words["venue_preps"]:
            inner = country_place_of(ctx, t)
            if inner:
                return inner
    return found
