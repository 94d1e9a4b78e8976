"""Finding 1: every absolute link is on PUBLIC_URL; other hosts are refused (400) before
anything is cached, on the board's fast path and in Flask alike."""

from __future__ import annotations

import pytest

from backend.media.documents import upload_document
from tests.board.conftest import world  # noqa: F401  (the board's small world)


def _publish_with_attachment(world):  # noqa: F811
    document = upload_document(b"%PDF-1.4\n%%EOF\n", "收支表.pdf", staff_id=world.company.id)
    return world.publish(section="public_income", title="公共收益公示", document_ids=(document.id,))


def _urls(board):
    return [
        attachment["url"]
        for section in board["sections"]
        for post in section["posts"]
        for attachment in post["attachments"]
    ]


@pytest.mark.parametrize(
    "headers",
    [
        {"Host": "evil.example"},
        {"Host": "evil.example:80"},
        {"Host": "localhost.evil.example"},
        {"Host": "evil.example/"},
    ],
)
def test_an_untrusted_host_is_refused_on_the_fast_path_and_in_flask(client, world, headers):  # noqa: F811
    post = _publish_with_attachment(world)
    board = f"/api/v1/estates/{world.estate.id}/board"
    assert client.get(board).status_code == 200
    assert client.get(board).status_code == 200  # now cached: the fast path answers
    for path in (board, f"{board}/posts/{post.id}", f"/board/{world.estate.id}", "/admin/login"):
        response = client.get(path, headers=headers)
        assert response.status_code == 400, path
        assert "主机名不受信任" in response.get_data(as_text=True)
        assert "evil" not in response.get_data(as_text=True)


def test_a_forwarded_host_changes_no_link_and_no_cached_board(client, world):  # noqa: F811
    _publish_with_attachment(world)
    board = f"/api/v1/estates/{world.estate.id}/board"
    # first reader arrives on a trusted but different name, with a forged forwarded host
    forged = {"Host": "127.0.0.1:8080", "X-Forwarded-Host": "evil.example"}
    first = client.get(board, headers=forged)
    assert first.status_code == 200
    (url,) = _urls(first.json)
    assert url.startswith("http://localhost/api/v1/media/")
    later = client.get(board)
    assert later.get_data() == first.get_data()
    assert _urls(later.json) == [url]


def test_links_follow_public_url(app, client, world):  # noqa: F811
    post = _publish_with_attachment(world)
    app.config["PUBLIC_URL"] = "https://linli.example.gov.cn"
    try:
        detail = client.get(
            f"/api/v1/estates/{world.estate.id}/board/posts/{post.id}",
            headers={"Host": "127.0.0.1"},
        ).json
        page = client.get(f"/board/{world.estate.id}/posts/{post.id}").get_data(as_text=True)
    finally:
        app.config["PUBLIC_URL"] = "http://localhost"
    (version,) = detail["versions"]
    assert version["attachments"][0]["url"].startswith("https://linli.example.gov.cn/api/v1/")
    assert "https://linli.example.gov.cn/api/v1/media/" in page
    assert "http://127.0.0.1" not in page


def test_the_fast_path_cache_key_ignores_request_headers():
    import inspect

    from backend.board import cache, fast

    # the key is the estate, its generation and the entry's name: nothing from the request
    assert "environ" not in inspect.signature(cache.stored).parameters
    assert "HTTP_HOST" not in inspect.getsource(fast)
