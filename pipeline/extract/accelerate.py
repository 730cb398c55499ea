"""Faster stand-ins for two rule components of the English pipelines: same output, less Python.

Measured on corpus articles (benchmarks/extract_speed.py), spaCy's `attribute_ruler` and rule
`lemmatizer` take about a quarter of `nlp.pipe` in en_core_web_sm, more than the parser: the
ruler runs a Matcher of ~180 token patterns over every token, and the lemmatizer runs its rule
search again for most tokens because its cache skips base forms. The extractor needs their
output (POS for the trigger patterns, lemmas for the lexicon) but not that cost.

- `newsevents_attribute_ruler` takes the model's own ruler (its patterns, attributes and
  indices, so the model stays the source of truth), indexes its single-token patterns by one
  attribute with a finite set of values (LOWER, DEP, TAG or IS_SPACE), checks the remaining
  predicates of the few candidates of each token in Python, leaves the multi-token patterns to a
  Matcher of their own, and applies the attributes in the ruler's order (later patterns win),
  with spaCy's own `set_token_attrs`.
- `newsevents_lemmatizer` calls the model's lemmatizer for each distinct (text, POS, morphology)
  once per process and reuses the answer: the rule lemmatizer is a function of those three.

tests/test_extract.py::test_fast_components_match_spacy checks token by token (POS, TAG, MORPH,
LEMMA, DEP, heads, entities) that a pipeline with them gives the same annotations as the
original; benchmarks/extract_speed.py does the same on corpus articles and times both. Any
pattern the index cannot read (a predicate other than equality, IN, NOT_IN or REGEX) goes to
the fallback Matcher, so an unknown model degrades to spaCy's own speed, never to different output.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from spacy.attrs import DEP, IS_SPACE, LEMMA, LOWER, MORPH, ORTH, POS, TAG
from spacy.language import Language
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.tokens import Doc
from spacy.tokens._retokenize import set_token_attrs

FAST_ATTRIBUTE_RULER = "newsevents_attribute_ruler"
FAST_LEMMATIZER = "newsevents_lemmatizer"

# the token attributes a single-token pattern may test here, with the column they are read from
_COLUMNS = {"LOWER": LOWER, "DEP": DEP, "TAG": TAG, "IS_SPACE": IS_SPACE}
# which attribute indexes a pattern, most selective first
_INDEX_ORDER = ("LOWER", "DEP", "TAG", "IS_SPACE")
_LEMMA_CACHE_LIMIT = 200_000


def _predicate(attr: str, spec) -> tuple[str, Callable[[object], bool], frozenset | None] | None:
    """(attr, test of the token's value, the finite set of values that can match or None);
    None if the spec is not one this module reads (the pattern then goes to the Matcher)."""
    if attr == "IS_SPACE":
        if isinstance(spec, bool):
            return attr, (lambda v, s=spec: v == s), frozenset([spec])
        return None
    if isinstance(spec, str):
        return attr, (lambda v, s=spec: v == s), frozenset([spec])
    if not isinstance(spec, dict) or len(spec) != 1:
        return None
    ((op, value),) = spec.items()
    if op == "IN" and isinstance(value, list):
        values = frozenset(value)
        return attr, (lambda v, s=values: v in s), values
    if op == "NOT_IN" and isinstance(value, list):
        values = frozenset(value)
        return attr, (lambda v, s=values: v not in s), None
    if op == "REGEX" and isinstance(value, str):
        rx = re.compile(value)
        return attr, (lambda v, r=rx: isinstance(v, str) and r.search(v) is not None), None
    return None


def _compile_single(pattern: list[dict]) -> tuple[str, frozenset, list] | None:
    """(index attribute, its values, all predicates) for a one-token pattern this module can index."""
    if len(pattern) != 1 or not pattern[0] or any(k not in _COLUMNS for k in pattern[0]):
        return None
    preds = [_predicate(attr, spec) for attr, spec in pattern[0].items()]
    if any(p is None for p in preds):
        return None
    for attr in _INDEX_ORDER:
        for p_attr, _test, values in preds:
            if p_attr == attr and values is not None:
                return attr, values, [(a, t) for a, t, _v in preds]
    return None


class IndexedAttributeRuler:
    """The model's attribute ruler, matched by index instead of a Matcher over every pattern."""

    def __init__(self, nlp: Language, source: AttributeRuler):
        self.attrs = list(source.attrs)
        self.indices = list(source.indices)
        self.index: dict[str, dict[object, list[tuple[int, list]]]] = {a: {} for a in _INDEX_ORDER}
        self.fallback = Matcher(nlp.vocab)
        self.n_fallback = 0
        for attr_id in range(len(self.attrs)):
            found = source.matcher.get(str(attr_id))
            if found is None:
                continue
            for pattern in found[1]:
                compiled = _compile_single(pattern)
                if compiled is None:
                    self.fallback.add(str(attr_id), [pattern])
                    self.n_fallback += 1
                    continue
                attr, values, preds = compiled
                for value in values:
                    self.index[attr].setdefault(value, []).append((attr_id, preds))

    def __call__(self, doc: Doc) -> Doc:
        n = len(doc)
        if n == 0:
            return doc
        strings = doc.vocab.strings
        cols = doc.to_array([LOWER, DEP, TAG, IS_SPACE]).tolist()
        # token values as the patterns state them: strings, and IS_SPACE as a bool
        decoded: dict[int, str] = {}

        def text(h: int) -> str:
            s = decoded.get(h)
            if s is None:
                s = decoded[h] = strings[h] if h else ""
            return s

        hits: dict[int, set[int]] = {}
        for i, (lower_h, dep_h, tag_h, space) in enumerate(cols):
            values = {"LOWER": text(lower_h), "DEP": text(dep_h), "TAG": text(tag_h), "IS_SPACE": bool(space)}
            for attr in _INDEX_ORDER:
                for attr_id, preds in self.index[attr].get(values[attr], ()):
                    if all(test(values[a]) for a, test in preds):
                        hits.setdefault(attr_id, set()).add(i)
        if self.n_fallback:
            for match_id, start, end in self.fallback(doc, allow_missing=True, as_spans=False):
                attr_id = int(strings[match_id])
                index = self.indices[attr_id]
                target = (start if index >= 0 else end) + index
                if start <= target < end:
                    hits.setdefault(attr_id, set()).add(target)
                else:
                    raise ValueError(f"attribute ruler pattern {attr_id} has index {index} outside its match")
        for attr_id in sorted(hits):
            attrs = self.attrs[attr_id]
            for i in sorted(hits[attr_id]):
                set_token_attrs(doc[i], attrs)
        return doc


class CachedLemmatizer:
    """The model's rule lemmatizer, asked once per (text, POS, morphology) in this process."""

    def __init__(self, source: Lemmatizer):
        self.source = source
        self.overwrite = bool(source.overwrite)
        self.cache: dict[tuple[int, int, int], int] = {}

    def __call__(self, doc: Doc) -> Doc:
        if len(doc) == 0:
            return doc
        strings = doc.vocab.strings
        arr = doc.to_array([ORTH, POS, MORPH, LEMMA])
        rows = arr.tolist()
        changed = False
        for i, (orth, pos, morph, lemma) in enumerate(rows):
            if lemma and not self.overwrite:
                continue
            key = (orth, pos, morph)
            found = self.cache.get(key)
            if found is None:
                if len(self.cache) >= _LEMMA_CACHE_LIMIT:
                    self.cache.clear()
                found = self.cache[key] = strings.add(self.source.lemmatize(doc[i])[0])
            if found != lemma:
                arr[i, 3] = found
                changed = True
        if changed:
            doc.from_array([LEMMA], arr[:, 3:4].copy())
        return doc


@Language.factory(FAST_ATTRIBUTE_RULER, default_config={"source": "attribute_ruler"})
def make_indexed_attribute_ruler(nlp: Language, name: str, source: str) -> IndexedAttributeRuler:
    return IndexedAttributeRuler(nlp, nlp.get_pipe(source))


@Language.factory(FAST_LEMMATIZER, default_config={"source": "lemmatizer"})
def make_cached_lemmatizer(nlp: Language, name: str, source: str) -> CachedLemmatizer:
    return CachedLemmatizer(nlp.get_pipe(source))


def install_fast_rule_components(nlp: Language) -> Language:
    """Put the stand-ins in place of the model's attribute_ruler and lemmatizer, where present
    and of the kinds they mirror (a trainable or lookup lemmatizer is left as it is)."""
    names = nlp.pipe_names
    if "attribute_ruler" in names and isinstance(nlp.get_pipe("attribute_ruler"), AttributeRuler):
        nlp.add_pipe(FAST_ATTRIBUTE_RULER, before="attribute_ruler")
        nlp.remove_pipe("attribute_ruler")
    if "lemmatizer" in names:
        lem = nlp.get_pipe("lemmatizer")
        if isinstance(lem, Lemmatizer) and lem.mode == "rule":
            nlp.add_pipe(FAST_LEMMATIZER, before="lemmatizer")
            nlp.remove_pipe("lemmatizer")
    return nlp
