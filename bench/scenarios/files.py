"""Files: upload and download MiB/s of one large file over real gRPC, and how
much the server's RSS grows while it takes the upload (it must stream: far
below the file's size). bench/files.py does the work, on an embedded server
of its own, started with `files.max_bytes` raised to the file's size."""

from __future__ import annotations

from bench import files
from bench.context import Context
from bench.result import Row, ScenarioResult

NAME = "files"
SHORT_MIB = 256
FULL_MIB = 1024


async def run(ctx: Context) -> ScenarioResult:
    if ctx.opts.mode == "cluster" or ctx.target.external:
        return ScenarioResult(
            NAME, ctx.opts.mode, skipped="skipped: measured on an embedded server of its own"
        )
    mib = SHORT_MIB if ctx.opts.short else FULL_MIB
    got = await files.run(mib)
    growth = got["rss_peak_upload_mib"] - got["rss_before_mib"]
    figures = {
        "size_mib": mib,
        "upload_mib_s": round(got["upload_mib_s"], 1),
        "download_mib_s": round(got["download_mib_s"], 1),
        "server_rss_mb": round(got["rss_peak_upload_mib"], 1),
        "rss_growth_upload_mib": round(growth, 1),
        "rss_peak_download_mib": round(got["rss_peak_download_mib"], 1),
    }
    row = Row(
        label=f"{mib} MiB file",
        achieved=f"up {got['upload_mib_s']:.0f} / down {got['download_mib_s']:.0f} MiB/s",
        note=f"RSS +{growth:.0f} MiB during upload",
    )
    return ScenarioResult(NAME, ctx.opts.mode, figures=figures, rows=[row])
