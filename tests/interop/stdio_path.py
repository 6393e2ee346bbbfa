"""Interop: the Python `mcp` SDK (2.x) drives switchboard over stdio through the whole path.

Usage: python3 stdio_path.py SWITCHBOARD_BINARY CATALOG_PATH
Prints "interop ok" and exits 0 on success; any failed check raises.
"""

import asyncio
import json
import subprocess
import sys

import anyio
from mcp import ClientSession, StdioServerParameters, types
from mcp.client.stdio import stdio_client

def field(obj, snake, camel):
    """The SDK renamed result fields to snake_case in 2.x; accept either spelling."""
    return getattr(obj, snake) if hasattr(obj, snake) else getattr(obj, camel)


META_TOOLS = ["mcp-find", "mcp-add", "mcp-remove", "mcp-config-set", "mcp-exec"]


def managed_containers(server):
    out = subprocess.run(
        ["docker", "ps", "-aq", "--filter", "label=io.switchboard.managed=true",
         "--filter", f"label=io.switchboard.server={server}"],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.split()


async def main(binary, catalog):
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

    params = StdioServerParameters(command=binary, args=["run", "--catalog", catalog])
    async with stdio_client(params) as (read, write):
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
    asyncio.run(main(sys.argv[1], sys.argv[2]))
