"""Latency of sequential `tools/call`s made by the Python `mcp` SDK (used by
`cargo bench --bench http_load`).

Usage: python3 latency.py http URL TOKEN CALLS          (adds `echo` first)
       python3 latency.py stdio BINARY CATALOG CALLS    (adds `echo` first)
Prints one JSON line: {"mode", "calls", "p50_us", "p90_us"}.
"""

import asyncio
import contextlib
import json
import sys
import time

from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

WARM_UP = 20


@contextlib.asynccontextmanager
async def connect(mode, first, second):
    if mode == "stdio":
        params = StdioServerParameters(command=first, args=["run", "--catalog", second])
        async with stdio_client(params) as (read, write):
            yield read, write
    else:
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {second}"})
        async with client, streamable_http_client(first, http_client=client) as streams:
            yield streams[0], streams[1]


async def main(mode, first, second, calls):
    async with connect(mode, first, second) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            added = await session.call_tool("mcp-add", {"name": "echo"})
            assert not getattr(added, "is_error", getattr(added, "isError", False)), added
            arguments = {"text": "hello from the Python SDK"}
            for _ in range(WARM_UP):
                await session.call_tool("echo", arguments)
            samples = []
            for _ in range(calls):
                started = time.perf_counter()
                await session.call_tool("echo", arguments)
                samples.append((time.perf_counter() - started) * 1e6)
    samples.sort()
    pick = lambda q: round(samples[min(len(samples) - 1, int(len(samples) * q))])
    print(json.dumps({"mode": mode, "calls": calls, "p50_us": pick(0.5), "p90_us": pick(0.9)}))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
