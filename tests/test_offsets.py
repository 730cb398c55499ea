from pipeline.offsets import OffsetMap, apply_removals


def test_offsets_map_cleaned_spans_back_to_raw():
    raw = "HEADER keep one. CAPTION keep two."
    spans = [(0, 7), (17, 25)]
    clean = apply_removals(raw, spans)
    assert clean == "keep one. keep two."
    omap = OffsetMap(spans)
    for word in ("keep one.", "keep two."):
        s = clean.index(word)
        rs, re_ = omap.span_to_raw(s, s + len(word))
        assert raw[rs:re_] == word


def test_overlapping_removals_merge():
    assert apply_removals("abcdef", [(1, 3), (2, 4)]) == "aef"
