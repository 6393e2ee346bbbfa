"""Interop: the Python `mcp` SDK (2.x) drives switchboard through the whole path.

Usage: python3 mcp_path.py stdio SWITCHBOARD_BINARY CATALOG_PATH
       python3 mcp_path.py http URL TOKEN WORKSPACE   (the token's name)
Prints "interop ok" and exits 0 on success; any failed check raises.
"""

import asyncio
import json
import subprocess
import sys
import uuid

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client
import contextlib

def field(obj, snake, camel):
    """The SDK renamed result fields to snake_case in 2.x; accept either spelling."""
    return getattr(obj, snake) if hasattr(obj, snake) else getattr(obj, camel)


# The workspace whose containers this run checks; set in __main__.
WORKSPACE = ""

META_TOOLS = ["mcp-find", "mcp-add", "mcp-remove", "mcp-config-set", "mcp-exec"]


def managed_containers(server):
    """This run's containers of `server`: other tests run gateways at the same time."""
    out = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "label=io.switchboard.managed=true",
         "--filter", f"label=io.switchboard.server={server}",
         "--filter", f"label=io.switchboard.workspace={WORKSPACE}"],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.split()


@contextlib.asynccontextmanager
async def connect(mode, first, second):
    """(read, write) streams to the gateway over stdio or streamable HTTP."""
    if mode == "stdio":
        params = StdioServerParameters(command=first, args=["run", "--catalog", second, "--workspace", WORKSPACE])
        async with stdio_client(params) as (read, write):
            yield read, write
    else:
        client = create_mcp_http_client(headers={"Authorization": f"Bearer {second}"})
        async with client, streamable_http_client(first, http_client=client) as streams:
            yield streams[0], streams[1]


async def main(mode, first, second):
    changed = anyio.Event()
    changes = 0

    async def on_message(message):
        nonlocal changed, changes
        # 1.x wraps notifications in a RootModel; 2.x passes them as they are.
        notification = getattr(message, "root", message)
        if isinstance(notification, types.ToolListChangedNotification):
            changes += 1
            changed.set()

    async def expect_change():
        nonlocal changed
        with anyio.fail_after(30):
            await changed.wait()
        changed = anyio.Event()

    async with connect(mode, first, second) as (read, write):
        async with ClientSession(read, write, message_handler=on_message) as session:
            init = await session.initialize()
            assert field(init.capabilities.tools, 'list_changed', 'listChanged') is True, init.capabilities
            names = [t.name for t in (await session.list_tools()).tools]
            assert names == META_TOOLS, names

            found = await session.call_tool("mcp-find", {"query": "echo text"})
            assert not field(found, 'is_error', 'isError'), found
            assert field(found, 'structured_content', 'structuredContent')["results"][0]["name"] == "echo", field(found, 'structured_content', 'structuredContent')

            before = set(managed_containers("echo"))
            added = await session.call_tool("mcp-add", {"name": "echo"})
            assert not field(added, 'is_error', 'isError'), added
            await expect_change()
            names = [t.name for t in (await session.list_tools()).tools]
            assert "echo" in names and "add" in names, names

            echoed = await session.call_tool("echo", {"text": "from python"})
            assert echoed.content[0].text == "from python", echoed
            summed = await session.call_tool("add", {"a": 20, "b": 22})
            assert field(summed, 'structured_content', 'structuredContent') == {"sum": 42}, summed
            failed = await session.call_tool("fail", {"message": "expected"})
            assert field(failed, 'is_error', 'isError') and failed.content[0].text == "expected", failed
            execd = await session.call_tool("mcp-exec", {"name": "echo", "arguments": {"text": "via exec"}})
            assert execd.content[0].text == "via exec", execd

            mine = set(managed_containers("echo")) - before
            assert len(mine) == 1, mine
            removed = await session.call_tool("mcp-remove", {"name": "echo"})
            assert not field(removed, 'is_error', 'isError'), removed
            await expect_change()
            names = [t.name for t in (await session.list_tools()).tools]
            assert names == META_TOOLS, names
            assert not (mine & set(managed_containers("echo"))), "the echo container outlived mcp-remove"
            print(json.dumps({"list_changed_seen": changes}))
    print("interop ok")


if __name__ == "__main__":
    WORKSPACE = sys.argv[4] if len(sys.argv) > 4 else f"interop-{uuid.uuid4().hex[:12]}"
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
