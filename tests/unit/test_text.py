from bot.domain.text import clip


def test_text_within_the_limit_is_kept_as_it_is():
    assert clip("Ada", 3) == "Ada"
    assert clip(None, 3) is None


def test_longer_text_is_cut_with_an_ellipsis_to_the_limit():
    assert clip("Lovelace", 5) == "Love…"


def test_a_list_is_cut_between_two_items():
    assert clip("Ada, Grace, Hedy", 14, at=", ") == "Ada, Grace, …"
    assert clip("one\ntwo\nthree", 10, at="\n") == "one\ntwo\n…"
