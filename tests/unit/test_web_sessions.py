"""Signed cookies: changed, re-purposed or old ones are refused."""

from bot.web.sessions import Session, SignedCookies


def cookies_at(moment: list[float]) -> SignedCookies:
    return SignedCookies("a-secret-of-at-least-thirty-two-chars", now=lambda: moment[0])


def test_a_cookie_reads_back_only_for_its_purpose_and_age():
    now = [1_000_000.0]
    cookies = cookies_at(now)
    value = cookies.dumps("session", {"uid": "1"})
    assert cookies.loads("session", value, 60)["uid"] == "1"
    assert cookies.loads("signin", value, 60) is None  # made for another purpose
    now[0] += 61
    assert cookies.loads("session", value, 60) is None  # too old


def test_a_changed_or_foreign_cookie_is_refused():
    cookies = cookies_at([1_000_000.0])
    payload, signature = cookies.dumps("session", {"uid": "1"}).split(".")
    forged = cookies_at([1_000_000.0]).dumps("session", {"uid": "2"}).split(".")[0]
    assert cookies.loads("session", f"{forged}.{signature}", 60) is None
    other = SignedCookies("another-secret-of-at-least-thirty-two", now=lambda: 1_000_000.0)
    assert other.loads("session", f"{payload}.{signature}", 60) is None
    for junk in (None, "", "no-dot", "a.b.c", "é.é", f"{payload}.é"):
        assert cookies.loads("session", junk, 60) is None


def test_a_session_survives_its_cookie_and_odd_data_is_no_session():
    session = Session(42, "Olivia", "token", ())
    assert Session.from_cookie(session.to_cookie()) == session
    assert Session.from_cookie({"uid": "x", "name": "n", "csrf": "c", "servers": []}) is None
