"""Who: the actor of a candidate act and its parties (counterparts, targets, recipients), from
the parse and the in-article entity table."""

from __future__ import annotations

from spacy.tokens import Token

from pipeline.extract import resolvers
from pipeline.extract.agents import borrowed_agent, event_owner, repeated_speaker
from pipeline.extract.context import ArticleContext
from pipeline.extract.places import place_deep
from pipeline.extract.records import Candidate
from pipeline.extract.resolvers import Resolved
from pipeline.extract.syntax import PLACE_PREPS, agent_token, governing_verb, is_time_word, path_up, pobj_of

# the role a party named on the act's own clause plays, by event type (else "counterpart")
ROLE_BY_TYPE = {"statement": "target", "pledge": "recipient", "aid": "recipient", "speech": "target"}

Party = tuple[Resolved, str]
OCCASION_WINDOW = 8  # sentences a meeting's counterpart is carried to the remarks made at it


def arguments(ctx: ArticleContext, c: Candidate) -> None:
    """Fill the candidate's actor and participants."""
    if c.absorbed:
        return
    ents = ctx.entities
    lex = ctx.lex
    tok = c.trigger
    actor_tok = None
    if c.nominal:
        poss = next((ch for ch in tok.children if ch.dep_ == "poss"), None)
        by = next((ch for ch in tok.children if ch.dep_ in {"prep", "agent"} and ch.lower_ == "by"), None)
        when = poss is not None and is_time_word(poss, ctx.words["time_possessors"])
        if when:
            poss = None  # "Tuesday's council meeting", "last week's talks": the possessor says when
        if poss is not None:
            actor_tok = poss
        elif by is not None:
            actor_tok = pobj_of(by)
        elif (teller := relative_subject(tok, lex.light_verbs | ctx.words["relative_act_verbs"])) is not None:
            actor_tok = teller  # "a speech the president will deliver", "the deal they signed"
        elif tok.dep_ not in {"nsubj", "nsubjpass"}:
            verb = governing_verb(tok)
            actor_tok = (
                agent_token(verb, ctx.words["schedule_adjectives"], ctx.words["owner_act_nouns"])
                if verb is not None
                else None
            )
        if actor_tok is None and when:
            # "at Tuesday's Security Council meeting" with no agent above: the body named on it meets
            actor_tok = next((ch for ch in tok.children if ch.dep_ == "compound" and ch.ent_type_ == "ORG"), None)
    else:
        actor_tok = agent_token(c.keys[0], ctx.words["schedule_adjectives"], ctx.words["owner_act_nouns"])
        if c.held and actor_tok is not None and actor_tok.dep_ == "nsubjpass":
            actor_tok = None  # "the deal was reached": the deal is what was done, not who did it
        if (
            actor_tok is not None
            and actor_tok.dep_ == "nsubjpass"
            and actor_tok.head.i == c.keys[0].i
            and c.etype == "statement"
        ):
            # "Romney was criticised for ...": the subject is the target, the critic is unnamed
            c.actor_text = "__generic__"
            return
    actor_tok = event_owner(ctx, actor_tok)  # "his tour has included a summit": he acts
    if actor_tok is not None and actor_tok.lower_ == "one":
        # "One of the opposition groups, the National Council, rejected ...": the one named
        actor_tok = next((ch for ch in actor_tok.children if ch.dep_ == "appos"), actor_tok)
    if actor_tok is not None:
        if actor_tok.lemma_.lower() in lex.generic_sources and c.etype in {"statement", "pledge"}:
            c.actor = []
            c.actor_text = "__generic__"
            return
        c.actor = ents.resolve(actor_tok)
        if not c.actor and (speaker := repeated_speaker(ctx, actor_tok)) is not None:
            c.actor = ents.resolve(speaker)  # "officials told Congress ..., as they pleaded"
        c.actor_head = actor_tok
        c.animate = bool(c.actor) or animate(ctx, actor_tok)
        c.actor_text = " ".join(t.text for t in actor_tok.subtree if t.i <= actor_tok.i or t.dep_ in {"flat"})
    domestic_actor(ctx, c)
    parties: list[Party] = [(e, "counterpart") for e in c.actor[1:]]
    c.actor = c.actor[:1]
    role = ROLE_BY_TYPE.get(c.etype, "counterpart")
    for key in c.keys:
        for child in key.children:
            parties += parties_of(ctx, child, c, role)
    if c.etype in {"statement"}:
        for key in c.keys:
            parties += content_parties(ctx, key, c)
    if c.etype in {"summit", "meeting", "agreement"} and not parties:
        # "a roundtable on technology cooperation with Japanese Prime Minister Fumio Kishida"
        for t in tok.subtree:
            if t.dep_ == "prep" and t.lower_ == "with" and t.head.i != tok.i:
                parties += pobj_parties(ctx, t, "counterpart")
    seen = {e.name for e in c.actor}
    for e, r in parties:
        if e.kind == "place" or e.name in seen:
            continue
        if c.actor and e.country and e.country == c.actor[0].country and e.kind == c.actor[0].kind == "country":
            continue
        seen.add(e.name)
        c.participants.append((e, r))
    if c.etype in ctx.words["remark_types"]:
        c.participants += occasion_counterparts(ctx, c)
    if c.etype in ctx.words["story_party_types"]:
        c.participants += story_counterpart(ctx, c)
    if c.etype in {"summit", "meeting", "agreement", "visit"}:
        # the parties of a meeting are what a later "they" in the sentence points to
        ents.add_group(c.trigger.i, tuple([*c.actor, *(p for p, _ in c.participants)]))


def relative_subject(tok: Token, doers: frozenset[str]) -> Token | None:
    """The subject of a relative clause on an event noun, not a relative pronoun: "a speech Obama
    will deliver" (Obama), "the deal they signed"; the verb is one of `doers`, not "a summit that
    opened Friday" or "phone calls in which an official demanded ..."."""
    for rel in (ch for ch in tok.children if ch.dep_ == "relcl" and ch.lemma_.lower() in doers):
        subj = next((g for g in rel.children if g.dep_ in {"nsubj", "nsubjpass"}), None)
        if subj is not None and subj.tag_ not in {"WDT", "WP", "WP$"} and subj.dep_ == "nsubj":
            return subj
    return None


def domestic_actor(ctx: ArticleContext, c: Candidate) -> None:
    """A person or a domestic body the article names without a country belongs to the story's
    country (the one most of its people belong to; for a body, with none, the news' place's):
    "Rep. X" in a hearing story, "lawmakers", "police", "officials", a resident quoted.
    International bodies and named organisations keep none."""
    story = ctx.entities.story_country
    if c.actor:
        first = c.actor[0]
        if story is not None and first.kind == "person" and not first.country:
            c.actor[0] = Resolved(first.name, story, "person")
        return
    story = story or scene_country(ctx)  # a person may come from anywhere; local police do not
    if story is None:
        return
    head = c.actor_head
    if head is None or head.ent_type_ in {"ORG", "GPE", "NORP", "LOC", "FAC"}:
        return
    lemma = head.lemma_.lower()
    w = ctx.words
    if lemma in w["domestic_nouns"] and not any(
        ch.dep_ in {"amod", "compound", "poss"} and ch.ent_type_ in {"ORG", "GPE", "NORP"} for ch in head.children
    ):
        c.actor = [Resolved(c.actor_text or head.text, story, "group")]


def scene_country(ctx: ArticleContext) -> str | None:
    """The country the news takes place in: the dateline's, else the place the lead sets ("protesters
    tried to block the summit Friday in Hamburg"); local police, officials and residents quoted in a
    story with no leading country of people are of it."""
    scene = ctx.scene
    if scene.dateline is not None and scene.dateline[1]:
        return scene.dateline[1]
    setting = scene.lead_setting(ctx.doc, lambda t: place_deep(ctx, t))
    return setting.place[1] if setting is not None else None


def occasion_counterparts(ctx: ArticleContext, c: Candidate) -> list[Party]:
    """A remark made at a meeting or summit has its counterpart as a party: the other countries
    of the latest talks the actor's country took part in, a few sentences back, when the remark
    names no other country itself ("'The embargo is going to end,' Obama said" after his talks
    with Castro)."""
    if not c.actor or not c.actor[0].country:
        return []
    own = c.actor[0].country
    if any(e.country and e.country != own for e, _ in c.participants):
        return []
    here = ctx.sent_index[c.trigger.i]
    occasions = ctx.words["occasion_types"]
    for e in reversed(ctx.emitted):
        if here - e.sent_index > OCCASION_WINDOW:
            break
        if e.etype in occasions and own in e.countries and len(e.countries) > 1:
            return [
                (Resolved(resolvers.country_name(code) or code, code, "country"), "counterpart")
                for code in sorted(e.countries - {own})
            ]
    return []


def story_counterpart(ctx: ArticleContext, c: Candidate) -> list[Party]:
    """In a story of two countries' relations (entities.story_pair), an act of one side that
    names no other country involves the other: "'The deal's not done,' the press secretary said"
    in a story of a deal between the two, "the pope said" on his visit to the other's schoolchildren.
    Not for a named actor of neither side or anonymous sources; not for commentary (an analyst's view is no act between the two)."""
    pair = ctx.entities.story_pair
    if not pair:
        return []
    known = resolvers.lookup(c.actor[0].name, ctx.published) if c.actor and not c.actor[0].country else None
    if known is not None and not known.country:
        return []  # a known actor of neither side (the EU's president, a UN body) about one of them
    head = c.actor_head
    if not c.actor and head is not None and head.lemma_.lower() in ctx.words["anonymous_sources"]:
        return []  # "sources said China tried to ...": whose sources is unknown
    found = {e.country for e in c.actor if e.country} | {e.country for e, _ in c.participants if e.country}
    if len(found) != 1 or not found <= pair:
        return []
    if speaker_kind(ctx, c) in ctx.words["commentary_kinds"]:  # (remembered: "he says" of an analyst)
        return []
    (other,) = pair - found
    return [(Resolved(resolvers.country_name(other) or other, other, "country"), "counterpart")]


# the kinds of speaker an actor is, most specific first: what a noun phrase's words say wins over
# what the entity is; the gold counts commentary, journalism and the public as optional
SPEAKER_KINDS = ("journalist", "commentator", "public", "armed_group", "official")


def speaker_kind(ctx: ArticleContext, c: Candidate) -> str | None:
    """The kind of the candidate's speaker (see `_speaker_kind`); a person named before with a
    telling title keeps that kind when referred to by pronoun or surname."""
    kind = _speaker_kind(ctx, c)
    actor = c.actor[0] if c.actor else None
    if actor is None or actor.kind != "person":
        return kind
    known = ctx.entities.speaker_kinds
    if kind == "unknown":
        return known.get(actor.name, kind)
    known.setdefault(actor.name, kind)
    return kind


def _speaker_kind(ctx: ArticleContext, c: Candidate) -> str | None:
    """Who speaks: official | government | organisation | armed_group | commentator | journalist |
    public | unknown. From the words of the actor's phrase and its apposition ("Kim, an analyst
    at ...", "a resident", "The New York Times"), else from the entity: a country or national body
    is the government, an international body an organisation, an armed group an armed group, a
    known office holder an official."""
    actor = c.actor[0] if c.actor else None
    if actor is None and c.actor_head is None:
        return None
    if actor is not None and (actor.kind in {"country", "place"} or resolvers.institution_country(actor.name)):
        return "government"  # a state, or a national body, party or state outlet ("KCNA said")
    words = _phrase_words(ctx, c.actor_head) if c.actor_head is not None else set()
    if actor is not None:
        words |= {w.lower() for w in actor.name.replace("-", " ").split()}
    for kind in SPEAKER_KINDS:
        if kind == "official" and actor is not None and actor.kind == "organisation":
            break  # a body's own name is not a title: decided below
        if words & ctx.words[f"kind_{kind}_words"]:
            return kind
    if actor is None:
        return "unknown"
    if actor.kind == "organisation":
        if resolvers.institution_country(actor.name) or (actor.country and words & ctx.words["authority_nouns"]):
            return "government"
        known = resolvers.lookup(actor.name, ctx.published)
        if known is not None and known.kind == "group":
            return "armed_group"
        return "organisation"
    if actor.kind == "group":
        known = resolvers.lookup(actor.name, ctx.published)
        return "armed_group" if known is not None and known.kind == "group" else "unknown"
    known = resolvers.lookup(actor.name, ctx.published)
    if known is not None and known.kind == "person" and known.country:
        return "official"  # in the table of office holders
    mention = ctx.entities.mention_at(c.actor_head.i) if c.actor_head is not None else None
    if mention is not None and mention.titles or words & ctx.words["kind_official_words"]:
        return "official"
    return "unknown"


def _phrase_words(ctx: ArticleContext, head: Token) -> set[str]:
    """Lower-case lemmas and words of a noun phrase with its modifiers and apposition, and, for an
    appositive name, the phrase it stands in ("Kim Dong-yub, an analyst from ..."); clauses
    (relative, participial: "speaking on Fox News") left out."""
    keep = ctx.words["phrase_deps"]
    top = head.head if head.dep_ == "appos" else head
    tokens = [t for t in top.subtree if all(a.dep_ in keep for a in _path(t, top))]
    out = set()
    for t in tokens:
        out.add(t.lemma_.lower())
        out.add(t.lower_.strip("."))
    return out


def _path(tok: Token, top: Token) -> list[Token]:
    out = []
    while tok.i != top.i and tok.head.i != tok.i:
        out.append(tok)
        tok = tok.head
    return out


def is_place_of_occasion(ctx: ArticleContext, tok: Token) -> bool:
    """A place named as where something is or goes, not who is involved: "in Biarritz, France",
    "during a trip to Russia", "the summit in Osaka" (the country after a city in apposition too)."""
    while tok.dep_ in {"appos", "conj", "npadvmod"} and tok.head.i != tok.i:
        tok = tok.head  # "Biarritz, France": France hangs on the city
    prep = tok.head
    if prep.dep_ != "prep":
        return False
    word = prep.lower_
    if word in PLACE_PREPS:
        return True
    head = prep.head
    noun = head.lemma_.lower()
    if word not in ctx.words["destination_preps"]:
        return False
    # "during a trip to Russia", "before heading to China", "during his flight to Washington"
    return (
        noun in ctx.words["event_frame_nouns"]
        or noun in ctx.words["journey_nouns"]
        or (head.pos_ == "VERB" and ctx.lex.verb_type.get(noun) == "visit")
    )


def is_traveller(ctx: ArticleContext, c: Candidate) -> bool:
    """A visit is an official's trip: a named person, an office holder or a delegation (never a
    ship or plane named like a person: "the British-flagged X", "the tanker X")."""
    head = c.actor_head
    if head is not None and any(
        m.dep_ in {"amod", "compound", "appos"}
        and (m.lower_.endswith("flagged") or m.lemma_.lower() in ctx.words["vessel_modifiers"])
        for m in head.children
    ):
        return False
    if c.actor and c.actor[0].kind == "person":
        return True
    return head is not None and head.lemma_.lower() in ctx.lex.traveller_nouns


def animate(ctx: ArticleContext, tok: Token) -> bool:
    """An unresolved agent that can still act: a named one, or an office, body or group."""
    if tok.ent_type_ in {"PERSON", "ORG", "GPE", "NORP"}:
        return True
    if tok.lower_ in ctx.words["inanimate_pronouns"]:
        return borrowed_agent(ctx, tok, animate)  # "officials said they will meet"
    lemma = tok.lemma_.lower()
    return lemma in ctx.lex.animate_nouns or lemma in ctx.lex.person_titles or borrowed_agent(ctx, tok, animate)


def parties_of(ctx: ArticleContext, child: Token, c: Candidate, role: str) -> list[Party]:
    """The parties a child of the act's key token names ("met [Xi]", "talks [with] X", "aid [to] Y")."""
    dep = child.dep_
    out: list[Party] = []
    if dep in {"dobj", "dative", "iobj"}:
        if c.etype == "visit":
            return out
        if c.etype in {"pledge", "aid"} and dep == "dobj" and child.pos_ == "NOUN":
            for p in child.children:  # "vowed support for Putin", "assistance to Ukraine"
                if p.dep_ == "prep" and p.lower_ in ctx.words["support_preps"]:
                    out += pobj_parties(ctx, p, role)
            return out
        out += [(e, role) for e in ctx.entities.resolve(child)]
    elif dep == "prep":
        word = child.lower_
        if word in ctx.words["party_preps"] and not (
            c.etype in {"visit"} and word in ctx.words["destination_party_preps"]
        ):
            if word == "on" and c.etype != "statement":
                return out
            out += pobj_parties(ctx, child, role)
    elif dep in {"compound", "nmod"} and c.etype in {"summit", "meeting"}:
        out += [(e, "counterpart") for e in ctx.entities.resolve(child)]
    return out


def pobj_parties(ctx: ArticleContext, prep: Token, role: str) -> list[Party]:
    """The parties named by a preposition's object, one per nationality for plural titles."""
    pobj = pobj_of(prep)
    if pobj is None:
        return []
    found = ctx.entities.resolve(pobj)
    if pobj.lemma_.lower() in ctx.lex.person_titles and pobj.tag_ in {"NNS", "NNPS"}:
        several = plural_titles(ctx, pobj)
        if len(several) > len(found):
            found = several
    return [(e, role) for e in found]


def plural_titles(ctx: ArticleContext, tok: Token) -> list[Resolved]:
    """ "his South Korean and Japanese counterparts": one party per nationality."""
    out = []
    for child in tok.children:
        if child.dep_ in {"amod", "compound", "nmod"}:
            for t in [child] + [g for g in child.subtree if g.dep_ == "conj"]:
                code = resolvers.country_of(t.text) or (
                    resolvers.country_of(" ".join(x.text for x in t.subtree if x.dep_ != "conj" and x.dep_ != "cc"))
                )
                if code:
                    out.append(Resolved(f"{t.text} {tok.text}", code, "person"))
    if not out:
        for ent in ctx.entities.ents:
            if ent.label_ in {"NORP", "GPE"} and ent.end <= tok.i and ent.start >= tok.left_edge.i:
                code = resolvers.country_of(ent.text)
                if code:
                    out.append(Resolved(f"{ent.text} {tok.text}", code, "person"))
    return out


def content_parties(ctx: ArticleContext, key: Token, c: Candidate) -> list[Party]:
    """Who a statement is about: the parties named as nouns in its content clause; not places of
    the event, not nationality adjectives ("Ukrainian forces"), not the content of another
    speaker's statement nested in it ("as intelligence reports have confirmed that ..."), not the
    phrase of a speaker whose country is known ("the head of the Cairo-based Arab League said")."""
    out = []
    keys = {k.i for k in c.keys}
    ents = ctx.entities
    sent_index = ctx.sent_index
    # the speaker's own phrase, once the speaker has a country ("a former ambassador to Ukraine")
    actor_head = c.actor_head if c.actor and c.actor[0].country else None
    for t in key.subtree:
        if t.i == key.i or sent_index[t.i] != sent_index[key.i]:
            continue
        if t.dep_ == "pobj" and t.head.lower_ in PLACE_PREPS and t.head.head.i in keys:
            continue
        m = ents.mention_at(t.i)
        if m is None or m.start != t.i and ents.mention_at(t.i - 1) is m:
            continue
        if t.ent_type_ == "NORP" and t.dep_ in {"amod", "compound", "nmod"}:
            continue
        path = path_up(t, key)
        if any(a.i in ctx.other_statement_keys and a.i not in keys for a in path):
            continue
        listed = t.dep_ == "conj" or any(ch.dep_ == "conj" for ch in t.children)
        if actor_head is not None and not listed and any(a.i == actor_head.i for a in path):
            continue  # "the head of the Cairo-based Arab League said": Egypt is no party; a list is
            # ("the leaders of France, Germany and Italy said")
        if m.entity.kind in {"person", "country", "organisation", "group"} and m.entity.country:
            if t.ent_type_ in {"GPE", "LOC"} and is_place_of_occasion(ctx, t):
                continue
            out.append((m.entity, "target"))
    return out
