"""Interop: the Python `mcp` SDK (2.x) sees everything a server offers through the gateway.

Usage: python3 passthrough.py legacy URL TOKEN   (a 2025-11-25 session: initialize)
       python3 passthrough.py modern URL TOKEN   (2026-07-28: server/discover, input-required)

Both add the conformance fixture twice over: `conformance`, which the gateway speaks 2026-07-28
to, and `conformance-legacy`, which speaks 2025-11-25 only and whose prompt names and resource
URIs collide with the first one's. Prints "interop ok" and exits 0 on success; any failed check
raises.
"""

import asyncio
import sys

import anyio
from mcp import ClientSession, types
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

NEW, OLD = "conformance", "conformance-legacy"
OLD_STATIC_TEXT = "switchboard://conformance-legacy/test%3A%2F%2Fstatic-text"
STATIC_TEXT = "This is the content of the static text resource."


def tool(server, name):
    """A tool as the gateway exposes it: the second server's colliding names get its prefix."""
    return name if server == NEW else f"{server}__{name}"


def text(result):
    return result.content[0].text


class Heard:
    """Notifications the session received, for polling with a deadline."""

    def __init__(self):
        self.items = []

    async def handler(self, message):
        if isinstance(message, Exception):
            return
        self.items.append(getattr(message, "root", message))

    def count(self, kind):
        return sum(isinstance(n, kind) for n in self.items)

    async def wait(self, what, check, seconds=30):
        with anyio.fail_after(seconds):
            while not check():
                await anyio.sleep(0.02)


async def sampling(context, params):
    return types.CreateMessageResult(
        role="assistant", content=types.TextContent(type="text", text="Paris"), model="test-model"
    )


async def elicitation(context, params):
    return types.ElicitResult(action="accept", content={"username": "ada", "email": "ada@example.com"})


async def roots(context):
    return types.ListRootsResult(roots=[types.Root(uri="file:///work", name="work")])


async def check_catalog_items(session):
    """Prompts, resources, templates and completions of both servers, with the collisions."""
    prompts = [p.name for p in (await session.list_prompts()).prompts]
    assert "test_simple_prompt" in prompts and f"{OLD}__test_simple_prompt" in prompts, prompts
    assert len(prompts) == 10, prompts
    for name in ["test_prompt_with_arguments", f"{OLD}__test_prompt_with_arguments"]:
        got = await session.get_prompt(name, {"arg1": "alpha", "arg2": "beta"})
        assert got.messages[0].content.text == "Prompt with arguments: arg1='alpha', arg2='beta'", got
    image = await session.get_prompt("test_prompt_with_image")
    assert any(m.content.type == "image" for m in image.messages), image

    uris = [str(r.uri) for r in (await session.list_resources()).resources]
    assert "test://static-text" in uris and OLD_STATIC_TEXT in uris, uris
    for uri in ["test://static-text", OLD_STATIC_TEXT]:
        read = await session.read_resource(uri)
        assert str(read.contents[0].uri) == uri and read.contents[0].text == STATIC_TEXT, read
    binary = (await session.read_resource("test://static-binary")).contents[0]
    assert binary.blob and binary.mime_type == "image/png", binary
    templates = (await session.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["test://template/{id}/data"] * 2, templates
    data = (await session.read_resource("test://template/7/data")).contents[0].text
    assert '"id":"7"' in data.replace(" ", ""), data
    try:
        await session.read_resource("test://nonexistent")
        raise AssertionError("an unknown resource was read")
    except Exception as error:  # the SDK raises MCPError
        assert getattr(error, "code", None) in (-32002, -32602), error

    for name in ["test_prompt_with_arguments", f"{OLD}__test_prompt_with_arguments"]:
        completed = await session.complete(
            types.PromptReference(type="ref/prompt", name=name), {"name": "arg1", "value": "pa"}
        )
        assert completed.completion.values == ["paris", "park", "party"], completed


async def add_both(session):
    for server in [NEW, OLD]:
        added = await session.call_tool("mcp-add", {"name": server})
        assert not added.is_error, added
        assert added.structured_content["prompts"] == 5, added.structured_content
        assert added.structured_content["resources"] == 3, added.structured_content


async def legacy(url, token):
    heard = Heard()
    client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with client, streamable_http_client(url, http_client=client) as (read, write, *_):
        async with ClientSession(
            read, write,
            sampling_callback=sampling, elicitation_callback=elicitation, list_roots_callback=roots,
            message_handler=heard.handler,
        ) as session:
            init = await session.initialize()
            assert init.capabilities.prompts and init.capabilities.resources.subscribe, init.capabilities
            assert init.capabilities.completions is not None, init.capabilities
            await add_both(session)
            await check_catalog_items(session)
            await session.set_logging_level("info")

            for server in [NEW, OLD]:
                sampled = await session.call_tool(tool(server, "test_sampling"), {"prompt": "Capital of France?"})
                assert text(sampled) == "LLM response: Paris", (server, sampled)
                elicited = await session.call_tool(tool(server, "test_elicitation"), {"message": "Who?"})
                assert "action=accept" in text(elicited) and "ada@example.com" in text(elicited), elicited
                listed = await session.call_tool(tool(server, "test_input_required_result_list_roots"), {})
                assert text(listed) == "Found 1 root(s): file:///work", (server, listed)

                steps = []

                async def progress(done, total, message):
                    steps.append(done)

                result = await session.call_tool(
                    tool(server, "test_tool_with_progress"), {}, progress_callback=progress
                )
                assert not result.is_error, result
                await heard.wait(f"{server}'s progress", lambda: 100 in steps)
                assert steps == [0, 50, 100], steps

                logged = await session.call_tool(tool(server, "test_tool_with_logging"), {})
                assert not logged.is_error, logged
                await heard.wait(f"{server}'s log line", lambda: any(
                    isinstance(n, types.LoggingMessageNotification)
                    and (n.params.logger or "").startswith(server)
                    and n.params.data == "Tool execution completed"
                    for n in heard.items
                ))

            for server, uri in [(NEW, "test://watched-resource"),
                                (OLD, "switchboard://conformance-legacy/test%3A%2F%2Fwatched-resource")]:
                await session.subscribe_resource(uri)
                touched = await session.call_tool(tool(server, "test_trigger_resource_update"), {})
                assert not touched.is_error, touched
                await heard.wait(f"{uri} updated", lambda: any(
                    isinstance(n, types.ResourceUpdatedNotification) and str(n.params.uri) == uri
                    for n in heard.items
                ))

            # Each add announced both lists once (all heard by now); the removal once more.
            await heard.wait("the adds' prompt list changes",
                             lambda: heard.count(types.PromptListChangedNotification) >= 2)
            before = heard.count(types.PromptListChangedNotification)
            removed = await session.call_tool("mcp-remove", {"name": OLD})
            assert not removed.is_error, removed
            await heard.wait("the removal's prompt list change",
                             lambda: heard.count(types.PromptListChangedNotification) > before)
            prompts = [p.name for p in (await session.list_prompts()).prompts]
            assert len(prompts) == 5 and not any(p.startswith(OLD) for p in prompts), prompts
            uris = [str(r.uri) for r in (await session.list_resources()).resources]
            assert OLD_STATIC_TEXT not in uris, uris


async def answered(session, name, arguments, answer):
    """Calls `name` the 2026-07-28 way: the questions come back as an input-required result,
    and the call is sent again with `answer(request)` for each."""
    first = await session.call_tool(name, arguments, allow_input_required=True)
    assert isinstance(first, types.InputRequiredResult), first
    responses = {key: answer(request) for key, request in first.input_requests.items()}
    done = await session.call_tool(
        name, arguments, input_responses=responses, request_state=first.request_state,
        allow_input_required=True,
    )
    assert isinstance(done, types.CallToolResult), done
    return first, done


def answer_of(request):
    if isinstance(request, types.CreateMessageRequest):
        return types.CreateMessageResult(
            role="assistant", content=types.TextContent(type="text", text="Paris"), model="test-model"
        )
    if isinstance(request, types.ElicitRequest):
        return types.ElicitResult(action="accept", content={"username": "ada", "email": "ada@example.com"})
    if isinstance(request, types.ListRootsRequest):
        return types.ListRootsResult(roots=[types.Root(uri="file:///work", name="work")])
    raise AssertionError(f"unexpected question {request!r}")


async def never(*args):
    raise AssertionError("a 2026-07-28 client is never asked directly")


async def modern(url, token):
    client = create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    async with client, streamable_http_client(url, http_client=client) as (read, write, *_):
        async with ClientSession(
            read, write, sampling_callback=never, elicitation_callback=never, list_roots_callback=never,
        ) as session:
            found = await session.discover()
            assert "2026-07-28" in found.supported_versions, found
            await add_both(session)
            await check_catalog_items(session)

            # A 2026-07-28 server's questions come through as it wrote them; a 2025-era server's
            # (asked in the middle of its call) as questions of the gateway's, the call held.
            for server in [NEW, OLD]:
                first, done = await answered(
                    session, tool(server, "test_sampling"), {"prompt": "Capital of France?"}, answer_of
                )
                assert text(done) == "LLM response: Paris", (server, done)
                held = (first.request_state or "").startswith("switchboard-held:")
                assert held == (server == OLD), (server, first.request_state)
                _, done = await answered(session, tool(server, "test_elicitation"), {"message": "Who?"}, answer_of)
                assert "ada@example.com" in text(done), (server, done)
                _, done = await answered(
                    session, tool(server, "test_input_required_result_list_roots"), {}, answer_of
                )
                assert text(done) == "Found 1 root(s): file:///work", (server, done)

            # A held call is answered once: its state does not come back to life.
            first, _ = await answered(session, tool(OLD, "test_sampling"), {"prompt": "again"}, answer_of)
            try:
                await session.call_tool(
                    tool(OLD, "test_sampling"), {"prompt": "again"},
                    input_responses={"sampling": answer_of(types.CreateMessageRequest(
                        params=types.CreateMessageRequestParams(messages=[], max_tokens=1)))},
                    request_state=first.request_state, allow_input_required=True,
                )
                raise AssertionError("a spent requestState was accepted")
            except Exception as error:
                assert "requestState" in str(error), error

            removed = await session.call_tool("mcp-remove", {"name": OLD})
            assert not removed.is_error, removed
            prompts = [p.name for p in (await session.list_prompts()).prompts]
            assert len(prompts) == 5, prompts


if __name__ == "__main__":
    mode, url, token = sys.argv[1], sys.argv[2], sys.argv[3]
    asyncio.run({"legacy": legacy, "modern": modern}[mode](url, token))
    print("interop ok")
