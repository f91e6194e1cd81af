"""Corrections that lose nothing: create, correct and retract over HTTP, every state kept."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.models import Revision
from helpers import SOURCE_ID, assert_problem

NOTE = '"Last year" is 2017: the article was published in February 2018.'


def revisions(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count()).select_from(Revision)) or 0


def etag(client: TestClient, figure_id: str = "removals-2017") -> str:
    return client.get(f"/v1/figures/{figure_id}").headers["etag"]


# --- Correcting ---------------------------------------------------------------------------


def test_a_patch_with_the_right_if_match_changes_the_figure_and_keeps_the_old_state(
    client: TestClient, writer: dict[str, str]
) -> None:
    old = etag(client)
    # Revision 2 is its correction in data/corrections.toml ("convicted of crimes").
    assert old.startswith('W/"removals-2017.r2.')
    response = client.patch(
        "/v1/figures/removals-2017",
        headers={**writer, "If-Match": old},
        json={
            "note": "Checked against the ministry's report.",
            "reason": "the note overstated the source",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["note"] == "Checked against the ministry's report."
    assert body["revision"] == 3
    assert body["value"] == 28 and body["quote"].startswith("Twenty-eight")  # untouched
    assert response.headers["etag"] != old
    assert response.headers["etag"].startswith('W/"removals-2017.r3.')
    # The same PATCH again, with the ETag it was based on, is stale.
    again = client.patch(
        "/v1/figures/removals-2017",
        headers={**writer, "If-Match": old},
        json={"note": "Another.", "reason": "again"},
    )
    assert "revision 3" in assert_problem(again, 412)["detail"]
    history = client.get("/v1/figures/removals-2017/history").json()
    assert [(r["number"], r["actor"]) for r in history] == [
        (1, "load"),
        (2, "load"),
        (3, "newsroom"),
    ]
    assert history[1]["state"]["note"] == NOTE
    assert history[2]["state"]["note"] == "Checked against the ministry's report."
    assert history[2]["reason"] == "the note overstated the source"
    # A reader holding the old ETag now gets the new figure.
    assert (
        client.get("/v1/figures/removals-2017", headers={"If-None-Match": old}).status_code == 200
    )


def test_json_and_json_ld_of_one_revision_share_an_etag(client: TestClient) -> None:
    as_json = client.get("/v1/figures/removals-2017").headers["etag"]
    as_ld = client.get(
        "/v1/figures/removals-2017", headers={"Accept": "application/ld+json"}
    ).headers["etag"]
    assert as_json == as_ld
    assert (
        client.get(
            "/v1/figures/removals-2017",
            headers={"Accept": "application/ld+json", "If-None-Match": as_json},
        ).status_code
        == 304
    )


def test_if_match_is_required_and_compared_weakly(
    client: TestClient, writer: dict[str, str]
) -> None:
    body = {"note": "x", "reason": "y"}
    assert_problem(client.patch("/v1/figures/removals-2017", headers=writer, json=body), 428)
    strong = etag(client).removeprefix("W/")
    response = client.patch(
        "/v1/figures/removals-2017", headers={**writer, "If-Match": strong}, json=body
    )
    assert response.status_code == 200


def test_a_patch_can_move_the_number_and_the_server_finds_the_new_spans(
    client: TestClient, writer: dict[str, str]
) -> None:
    response = client.patch(
        "/v1/figures/removals-since-2002-rounded",
        headers={**writer, "If-Match": etag(client, "removals-since-2002-rounded")},
        json={"reason": "quote only the clause", "quote": "more than 500 since 2002"},
    )
    assert response.status_code == 200, response.text
    figure = response.json()
    text = client.get(f"/v1/sources/{SOURCE_ID}/text").text
    q, v = figure["quote_span"], figure["value_span"]
    assert text[q["start"] : q["end"]] == "more than 500 since 2002"
    assert text[v["start"] : v["end"]] == "500"


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"id": "renamed", "reason": "r"}, "#/id"),
        ({"status": "retracted", "reason": "r"}, "#/status"),
        ({"revision": 9, "reason": "r"}, "#/revision"),
        ({"updated_at": "2020-01-01T00:00:00Z", "reason": "r"}, "#/updated_at"),
        ({"note": "no reason"}, "#/reason"),
        ({"value": 29, "reason": "r"}, "#/value_text"),
        ({"quote": "Twenty-nine Cambodians", "reason": "r"}, "#/quote"),
        (
            {"relations": [{"type": "part_of", "figure": "removals-2018"}], "reason": "r"},
            "#/relations/0/figure",
        ),
        ({"measure": "final-removal-orders", "reason": "r"}, "#/as_of"),
    ],
)
def test_a_patch_that_breaks_a_rule_is_a_422_naming_the_field(
    client: TestClient, writer: dict[str, str], engine: Engine, body: dict, pointer: str
) -> None:
    before = revisions(engine)
    response = client.patch(
        "/v1/figures/removals-2017", headers={**writer, "If-Match": etag(client)}, json=body
    )
    problem = assert_problem(response, 422)
    assert any(e["pointer"].startswith(pointer) for e in problem["errors"]), problem
    assert revisions(engine) == before
    assert client.get("/v1/figures/removals-2017").json()["revision"] == 2  # as loaded


# --- Creating -----------------------------------------------------------------------------


NEW = {
    "id": "criminal-convictions-2017-12-restated",
    "measure": "final-removal-orders-with-convictions",
    "source": SOURCE_ID,
    "value": 1412,
    "qualifier": "exact",
    "value_text": "1,412",
    "as_of": "2017-12",
    "quote": "1,412 of whom have criminal convictions",
    "attribution": {"person": "Brendan Raedy"},
    "relations": [{"type": "restates", "figure": "final-removal-orders-criminal-2017-12"}],
    "reason": "a narrower quote for the graphics desk",
}


def test_a_created_figure_gets_201_its_location_and_revision_1(
    client: TestClient, writer: dict[str, str]
) -> None:
    response = client.post("/v1/figures", headers=writer, json=NEW)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/figures/{NEW['id']}"
    figure = client.get(response.headers["location"]).json()
    assert figure["quote_span"] == {"start": 2943, "end": 2982}  # found by the server
    assert figure["value_span"] == {"start": 2943, "end": 2948}
    assert figure["display"] == "1,412"
    history = client.get(f"/v1/figures/{NEW['id']}/history").json()
    assert [(r["number"], r["actor"], r["reason"]) for r in history] == [
        (1, "newsroom", "a narrower quote for the graphics desk")
    ]
    restated = client.get("/v1/figures/final-removal-orders-criminal-2017-12").json()
    assert {"type": "restated_by", "figure": NEW["id"], "display": "1,412"} in restated["relations"]
    assert_problem(client.post("/v1/figures", headers=writer, json=NEW), 409)


@pytest.mark.parametrize(
    ("change", "status", "pointer"),
    [
        ({"quote": "1,412 people"}, 422, "#/quote"),
        ({"quote": "the US", "value_text": "US", "value": 1}, 422, "#/value_text"),
        ({"quote": "the US"}, 422, "#/quote_span"),  # occurs more than once
        ({"value": 1413}, 422, "#/value_text"),
        ({"value_text": "one thousand four hundred and twelve"}, 422, "#/value_text"),
        ({"source": "no-such-paper"}, 422, "#/source"),
        ({"attribution": {}}, 422, "#/attribution"),  # nobody credited by default
        ({"status": "published"}, 422, "#/status"),
        ({"quote_span": {"start": 0, "end": 39}}, 422, "#/quote_span"),
        (
            {"relations": [{"type": "part_of", "figure": "removals-2017"}]},
            422,
            "#/relations/0",
        ),  # 1,412 cannot be part of 28
    ],
)
def test_a_figure_that_breaks_a_rule_is_refused_with_the_field_named(
    client: TestClient,
    writer: dict[str, str],
    engine: Engine,
    change: dict,
    status: int,
    pointer: str,
) -> None:
    before = revisions(engine)
    problem = assert_problem(
        client.post("/v1/figures", headers=writer, json={**NEW, **change}), status
    )
    assert any(e["pointer"].startswith(pointer) for e in problem["errors"]), problem
    assert revisions(engine) == before


@pytest.mark.parametrize(
    ("change", "pointer", "detail"),
    [
        ({"quote": "1,412 people"}, "#/quote", "quote is not in the source text, verbatim"),
        (
            {"value_text": "1,413", "value": 1413},
            "#/value_text",
            "value_text is not in the quote, verbatim",
        ),
        ({"quote": "Cambodia"}, "#/quote_span", "give quote_span"),
        (
            {"value_text": "1", "value": 1},
            "#/value_span",
            "value_text occurs 2 times in the quote; give value_span",
        ),
    ],
)
def test_spans_left_out_are_found_only_where_the_text_leaves_no_doubt(
    client: TestClient, writer: dict[str, str], change: dict, pointer: str, detail: str
) -> None:
    body = {k: v for k, v in {**NEW, **change}.items() if k not in ("quote_span", "value_span")}
    problem = assert_problem(client.post("/v1/figures", headers=writer, json=body), 422)
    [error] = problem["errors"]
    assert error["pointer"] == pointer, error
    assert error["detail"].endswith(detail), error


# --- Retracting ----------------------------------------------------------------------------


def test_a_retracted_figure_leaves_the_lists_and_stays_at_its_url(
    client: TestClient, writer: dict[str, str]
) -> None:
    response = client.post(
        "/v1/figures/removals-2017/retract",
        headers=writer,
        json={"reason": "the ministry withdrew its count"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "retracted"
    ids = [f["id"] for f in client.get("/v1/figures").json()["items"]]
    assert "removals-2017" not in ids
    figure = client.get("/v1/figures/removals-2017").json()
    assert figure["status"] == "retracted"
    assert figure["retraction_reason"] == "the ministry withdrew its count"
    assert figure["statement"].startswith("Retracted: ")
    history = client.get("/v1/figures/removals-2017/history").json()
    assert [(r["number"], r["state"]["status"]) for r in history] == [
        (1, "published"),
        (2, "published"),  # its correction in data/corrections.toml
        (3, "retracted"),
    ]
    assert_problem(
        client.post("/v1/figures/removals-2017/retract", headers=writer, json={"reason": "again"}),
        409,
    )
    assert client.delete("/v1/figures/removals-2017", headers=writer).status_code == 405


def test_a_retraction_checks_an_if_match_when_one_is_sent(
    client: TestClient, writer: dict[str, str]
) -> None:
    stale = etag(client)
    client.patch(
        "/v1/figures/removals-2017",
        headers={**writer, "If-Match": stale},
        json={"note": "changed", "reason": "r"},
    )
    assert_problem(
        client.post(
            "/v1/figures/removals-2017/retract",
            headers={**writer, "If-Match": stale},
            json={"reason": "r"},
        ),
        412,
    )
    assert_problem(client.post("/v1/figures/removals-2017/retract", headers=writer, json={}), 422)


# --- Sources --------------------------------------------------------------------------------


def test_an_admin_adds_a_source_and_the_server_computes_its_digest(
    client: TestClient, admin: dict[str, str], writer: dict[str, str]
) -> None:
    source = {
        "id": "phnom-penh-post-2019-03",
        "title": "Deportees return home",
        "publisher": "Phnom Penh Post",
        "published": "2019-03",
        "language": "en",
        "text": "Forty-three Cambodians were deported on Tuesday.",
    }
    assert_problem(client.post("/v1/sources", headers=writer, json=source), 403)
    response = client.post("/v1/sources", headers=admin, json=source)
    assert response.status_code == 201, response.text
    assert response.headers["location"] == "/v1/sources/phnom-penh-post-2019-03"
    import hashlib

    assert response.json()["sha256"] == hashlib.sha256(source["text"].encode()).hexdigest()
    assert response.json()["author"] is None
    assert_problem(client.post("/v1/sources", headers=admin, json=source), 409)
    wrong = {**source, "id": "other-2019", "sha256": "0" * 64}
    assert_problem(client.post("/v1/sources", headers=admin, json=wrong), 422)
    # A figure can now be quoted from it, spans found by the server.
    created = client.post(
        "/v1/figures",
        headers=writer,
        json={
            "id": "removals-2019-03-tuesday",
            "measure": "removals-us-to-cambodia",
            "source": "phnom-penh-post-2019-03",
            "value": 43,
            "qualifier": "exact",
            "value_text": "Forty-three",
            "period": {"start": "2019-03", "end": "2019-03"},
            "quote": "Forty-three Cambodians were deported on Tuesday.",
            "attribution": {"organisation": "Phnom Penh Post"},
        },
    )
    assert created.status_code == 201, created.text
    assert created.json()["value_span"] == {"start": 0, "end": 11}


# --- Bad input: a 4xx, the server still up, nothing written ---------------------------------


@pytest.mark.parametrize(
    ("content", "status"),
    [
        pytest.param(b'{"note": "' + b"x" * (11 * 2**20) + b'", "reason": "r"}', 413, id="11 MiB"),
        pytest.param(b'{"note": "\\ud800", "reason": "r"}', 422, id="lone surrogate"),
        pytest.param(b"[" * 100_000 + b"]" * 100_000, 400, id="deeply nested"),
        pytest.param(
            b'{"note": "x", "reason": "r", "quote_span": {"start": '
            b'123456789012345678901234567890, "end": 5}}',
            422,
            id="30-digit number",
        ),
        pytest.param(b'{"note": "a\\u0000b", "reason": "r"}', 422, id="NUL byte"),
        pytest.param(b'{"note": ', 422, id="truncated JSON"),
    ],
)
def test_bad_bodies_are_4xx_and_write_nothing(
    client: TestClient, writer: dict[str, str], engine: Engine, content: bytes, status: int
) -> None:
    before = revisions(engine)
    response = client.patch(
        "/v1/figures/removals-2017",
        content=content,
        headers={**writer, "If-Match": etag(client), "Content-Type": "application/json"},
    )
    assert_problem(response, status)
    assert revisions(engine) == before
    assert client.get("/healthz").status_code == 200


def _answer_to_a_partial_upload(base: str, headers: str, body: bytes) -> bytes:
    """Send headers and only part of a body on a raw socket, then read: an answer that comes
    back now was given without the rest of the body (which is never sent)."""
    import socket
    from urllib.parse import urlsplit

    url = urlsplit(base)
    with socket.create_connection((url.hostname, url.port), timeout=10) as sock:
        sock.sendall(headers.encode() + b"\r\n" + body)
        # One whole response, however the kernel splits it: its head, then its body's length.
        answer = b""
        while b"\r\n\r\n" not in answer and (chunk := sock.recv(65536)):
            answer += chunk
        head, _, rest = answer.partition(b"\r\n\r\n")
        length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
        while len(rest) < length and (chunk := sock.recv(65536)):
            rest += chunk
        return head + b"\r\n\r\n" + rest


def test_an_oversized_body_is_refused_before_it_is_read(
    live_server: str, tokens: dict[str, str]
) -> None:
    """Against a real server: the in-process client reads a streamed body whole first."""
    auth = f"Authorization: Bearer {tokens['write']}\r\nContent-Type: application/json\r\n"
    # Content-Length says 11 MiB; nothing of it is sent.
    declared = _answer_to_a_partial_upload(
        live_server,
        f"POST /v1/figures HTTP/1.1\r\nHost: x\r\n{auth}Content-Length: {11 * 2**20}\r\n",
        b"",
    )
    assert declared.startswith(b"HTTP/1.1 413")
    # Chunked, no length: 1.5 MiB of chunks is sent, then the client waits.
    chunk = b"x" * 2**16
    body = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for _ in range(24))
    chunked = _answer_to_a_partial_upload(
        live_server,
        f"POST /v1/figures HTTP/1.1\r\nHost: x\r\n{auth}Transfer-Encoding: chunked\r\n",
        body,
    )
    assert chunked.startswith(b"HTTP/1.1 413")
    assert b"application/problem+json" in chunked
    import httpx

    assert httpx.get(f"{live_server}/healthz").status_code == 200


def test_eight_concurrent_corrections_with_one_if_match_let_exactly_one_win(
    live_server: str, tokens: dict[str, str]
) -> None:
    import threading

    import httpx

    url = f"{live_server}/v1/figures/removals-2017"
    before = httpx.get(url).headers["etag"]
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def correct(n: int) -> None:
        barrier.wait()  # all eight leave together
        response = httpx.patch(
            url,
            timeout=30,
            json={"note": f"writer {n}", "reason": f"w{n}"},
            headers={"Authorization": f"Bearer {tokens['write']}", "If-Match": before},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=correct, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] + [412] * 7
    history = httpx.get(f"{url}/history").json()
    assert [r["number"] for r in history] == [1, 2, 3]  # 2: its correction in data/
    assert httpx.get(url).json()["note"] == history[2]["state"]["note"]


# --- Rules found by trying to break it ------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "pointer"),
    [
        ({"url": "javascript:alert(1)"}, "#/url"),
        ({"title": "Evil\nER  - \nTY  - JOUR\nTI  - injected"}, "#/title"),  # forged RIS
        ({"publisher": "Tab\tPress"}, "#/publisher"),
        ({"published": "2999"}, "#/published"),
    ],
)
def test_a_source_with_an_unsafe_or_impossible_field_is_refused(
    client: TestClient, admin: dict[str, str], change: dict, pointer: str
) -> None:
    source = {
        "id": "unsafe-2019",
        "title": "A title",
        "publisher": "A paper",
        "published": "2019-03",
        "language": "en",
        "text": "Nine were counted.",
        "url": "https://example.org/a",
        **change,
    }
    problem = assert_problem(client.post("/v1/sources", headers=admin, json=source), 422)
    assert [e["pointer"] for e in problem["errors"]] == [pointer]


def test_a_figure_dated_after_its_source_is_refused(
    client: TestClient, writer: dict[str, str]
) -> None:
    late = {**NEW, "as_of": "2030-01"}
    problem = assert_problem(client.post("/v1/figures", headers=writer, json=late), 422)
    assert problem["errors"][0]["pointer"] == "#/as_of"
    assert "after its source was published (2018-02)" in problem["errors"][0]["detail"]


def test_malformed_json_points_at_the_body_and_says_where(
    client: TestClient, writer: dict[str, str]
) -> None:
    response = client.post(
        "/v1/figures", content=b'{"note": ', headers={**writer, "Content-Type": "application/json"}
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["pointer"] == "#"
    assert "at character 9" in problem["errors"][0]["detail"]


def test_a_relation_that_would_loop_is_refused(client: TestClient, writer: dict[str, str]) -> None:
    # removals-2017 is part of removals-since-2002: the reverse would make a loop. Made
    # "about", 572 has no bounds to compare, so only the loop check stands in the way.
    response = client.patch(
        "/v1/figures/removals-since-2002",
        headers={**writer, "If-Match": etag(client, "removals-since-2002")},
        json={
            "qualifier": "about",
            "reason": "r",
            "relations": [{"type": "part_of", "figure": "removals-2017"}],
        },
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["pointer"] == "#/relations/0"
    assert problem["errors"][0]["detail"] == (
        "part_of 'removals-2017' makes a loop: that figure is, through others, "
        "part_of 'removals-since-2002'"
    )


# --- Messages a person can act on -----------------------------------------------------------


@pytest.mark.parametrize(
    ("if_match", "says"),
    [
        ("*", "If-Match: * is not accepted"),
        ("garbage", "'garbage' is not an ETag"),
        ('W/"unterminated', "is not an ETag"),
    ],
)
@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/figures/removals-2017", {"note": "x", "reason": "y"}),
        ("/v1/figures/removals-2017/retract", {"reason": "y"}),
    ],
)
def test_an_if_match_that_is_star_or_not_an_etag_is_a_400_that_shows_one(
    client: TestClient,
    writer: dict[str, str],
    engine: Engine,
    path: str,
    body: dict,
    if_match: str,
    says: str,
) -> None:
    """`*` would skip the lost-update check, so PATCH and retract refuse it (a departure from
    RFC 9110 the README states); nothing is written either way."""
    before = revisions(engine)
    method = client.patch if path.endswith("2017") else client.post
    problem = assert_problem(method(path, headers={**writer, "If-Match": if_match}, json=body), 400)
    assert says in problem["detail"]
    assert 'e.g. If-Match: W/"removals-2017.r2.' in problem["detail"]
    assert revisions(engine) == before
    assert client.get("/v1/figures/removals-2017").json()["status"] != "retracted"


@pytest.mark.parametrize(
    ("content_type", "content"),
    [
        ("text/plain", b'{"note": "x", "reason": "y"}'),
        ("application/x-www-form-urlencoded", b"note=x&reason=y"),
        ("multipart/form-data; boundary=b", b'--b\r\nContent-Disposition: form-data; name="note"'),
    ],
)
def test_a_body_sent_as_another_media_type_is_a_415_that_says_send_json(
    client: TestClient, writer: dict[str, str], engine: Engine, content_type: str, content: bytes
) -> None:
    before = revisions(engine)
    response = client.patch(
        "/v1/figures/removals-2017",
        content=content,
        headers={**writer, "If-Match": etag(client), "Content-Type": content_type},
    )
    problem = assert_problem(response, 415)
    assert "send the body as JSON with Content-Type: application/json" in problem["detail"]
    assert content_type.split(";")[0] in problem["detail"]
    assert "curl -X PATCH -H 'Content-Type: application/json'" in problem["detail"]
    assert revisions(engine) == before


def test_a_json_body_that_is_not_an_object_says_to_send_one(
    client: TestClient, writer: dict[str, str]
) -> None:
    response = client.patch(
        "/v1/figures/removals-2017",
        json=["note", "x"],
        headers={**writer, "If-Match": etag(client)},
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["detail"].startswith("send a JSON object")


@pytest.mark.parametrize(("given", "shown"), [("28", '28, not "28"'), ("ten", '28, not "ten"')])
def test_a_number_sent_as_a_string_is_refused_and_shown_as_a_number(
    client: TestClient, writer: dict[str, str], engine: Engine, given: str, shown: str
) -> None:
    """Strict types: "28" is not silently read as 28 in a write."""
    before = revisions(engine)
    response = client.patch(
        "/v1/figures/removals-2017",
        json={"value": given, "value_text": "28", "reason": "y"},
        headers={**writer, "If-Match": etag(client)},
    )
    problem = assert_problem(response, 422)
    [error] = [e for e in problem["errors"] if e["pointer"] == "#/value"]
    assert error["detail"] == f"send a JSON number, not a string: {shown}"
    assert revisions(engine) == before
