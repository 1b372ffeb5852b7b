"""The SDK's files: send a file or an image, download through the cache,
and an upload that survives a cut connection with its progress."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from parley_sdk import SendStatus
from tests.harness import Api, ServerProcess
from tests.sdk.helpers import Pair, accounts, eventually, open_client
from tests.sdk.proxy import Proxy


async def test_a_sent_file_reaches_the_peer_who_saves_it_through_the_cache(
    pair: Pair, tmp_path: Path
) -> None:
    src = tmp_path / "report.txt"
    src.write_bytes(b"quarterly figures\n" * 5000)
    sent = await pair.ca.send_file(pair.ca.conversation_with(pair.b.user_id), src)
    assert sent.send_status == SendStatus.SENT
    await eventually(lambda: any(m.content and m.content.file.file_id for m in pair.rb.new))
    got = next(m for m in pair.rb.new if m.content and m.content.file.file_id)
    assert got.content is not None
    assert (got.content.file.name, got.content.file.mime_type) == ("report.txt", "text/plain")
    dest = await pair.cb.download_file(got.content.file.file_id, tmp_path / "saved.txt")
    assert dest.read_bytes() == src.read_bytes()
    cache = pair.cb.files.cache_dir
    assert cache is not None and len(list(cache.iterdir())) == 1
    again = await pair.cb.download_file(got.content.file.file_id, tmp_path / "again.txt")
    assert again.read_bytes() == src.read_bytes()


async def test_a_picture_goes_as_an_image_message(pair: Pair, tmp_path: Path) -> None:
    src = tmp_path / "cat.png"
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (10, 120, 200)).save(buf, format="PNG")
    src.write_bytes(buf.getvalue())
    sent = await pair.ca.send_file(pair.ca.conversation_with(pair.b.user_id), src)
    assert sent.content is not None
    image = sent.content.image
    assert (image.original.width, image.original.height) == (640, 480)
    assert image.mime_type == "image/png" and image.placeholder


async def test_an_upload_resumes_after_the_connection_is_cut(
    server: ServerProcess, api: Api, tmp_path: Path
) -> None:
    (account,) = await accounts(api, 1, "up")
    proxy = Proxy(lambda: server.address)
    await proxy.start()
    client = open_client(lambda: proxy.address, account, tmp_path, "up")
    await client.open()
    try:
        await client.wait_connected(10)
        src = tmp_path / "big.txt"
        src.write_bytes(b"0123456789abcdef" * 200_000)  # 3.2 MB
        total = src.stat().st_size
        seen: list[int] = []

        def progress(done: int, of: int) -> None:
            assert of == total
            seen.append(done)
            if proxy.cuts == 0 and done > total // 3:
                proxy.cut()

        info = await client.upload_file(src, progress)
        assert proxy.cuts == 1 and info.size == total
        assert seen[-1] == total
        dest = await client.download_file(info.file_id, tmp_path / "back.txt")
        assert dest.read_bytes() == src.read_bytes()
    finally:
        await client.close()
        await proxy.stop()
