// Interop: the official TypeScript SDK sees everything a server offers through the gateway:
// prompts, resources, templates, completions, subscriptions, progress, logs and the server's
// questions, from `conformance` (spoken 2026-07-28 to) and `conformance-legacy` (2025-11-25,
// whose prompt names and resource URIs collide with the first one's).
//
//   node passthrough.mjs URL TOKEN
//
// Prints "interop ok" and exits 0 on success; any failed check throws.

import assert from "node:assert/strict";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import {
  CreateMessageRequestSchema,
  ElicitRequestSchema,
  ListRootsRequestSchema,
  LoggingMessageNotificationSchema,
  PromptListChangedNotificationSchema,
  ResourceUpdatedNotificationSchema,
} from "@modelcontextprotocol/sdk/types.js";

const [url, token] = process.argv.slice(2);
const NEW = "conformance";
const OLD = "conformance-legacy";
const OLD_STATIC_TEXT = "switchboard://conformance-legacy/test%3A%2F%2Fstatic-text";
const OLD_WATCHED = "switchboard://conformance-legacy/test%3A%2F%2Fwatched-resource";

const tool = (server, name) => (server === NEW ? name : `${server}__${name}`);
const text = (result) => result.content[0].text;

/** Waits until `check()` holds, or fails after 30 s. */
async function eventually(what, check) {
  const deadline = Date.now() + 30000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function main() {
  const client = new Client(
    { name: "ts-passthrough", version: "0" },
    { capabilities: { sampling: {}, elicitation: {}, roots: {} } },
  );
  const asked = [];
  client.setRequestHandler(CreateMessageRequestSchema, (request) => {
    asked.push(request.params);
    return { role: "assistant", content: { type: "text", text: "Paris" }, model: "test-model" };
  });
  client.setRequestHandler(ElicitRequestSchema, () => ({
    action: "accept",
    content: { username: "ada", email: "ada@example.com" },
  }));
  client.setRequestHandler(ListRootsRequestSchema, () => ({ roots: [{ uri: "file:///work", name: "work" }] }));
  const logs = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => logs.push(n.params));
  const updated = [];
  client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => updated.push(n.params.uri));
  let promptChanges = 0;
  client.setNotificationHandler(PromptListChangedNotificationSchema, () => (promptChanges += 1));

  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  const capabilities = client.getServerCapabilities();
  assert.ok(capabilities.prompts && capabilities.completions, JSON.stringify(capabilities));
  assert.equal(capabilities.resources.subscribe, true);

  for (const server of [NEW, OLD]) {
    const added = await client.callTool({ name: "mcp-add", arguments: { name: server } });
    assert.ok(!added.isError, JSON.stringify(added));
    assert.equal(added.structuredContent.prompts, 5);
  }

  // Prompts and resources of both, the second server's colliding ones renamed.
  const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
  assert.ok(prompts.includes("test_simple_prompt") && prompts.includes(`${OLD}__test_simple_prompt`), prompts.join());
  for (const name of ["test_prompt_with_arguments", `${OLD}__test_prompt_with_arguments`]) {
    const got = await client.getPrompt({ name, arguments: { arg1: "alpha", arg2: "beta" } });
    assert.equal(got.messages[0].content.text, "Prompt with arguments: arg1='alpha', arg2='beta'");
    const completed = await client.complete({
      ref: { type: "ref/prompt", name },
      argument: { name: "arg1", value: "pa" },
    });
    assert.deepEqual(completed.completion.values, ["paris", "park", "party"]);
  }
  const uris = (await client.listResources()).resources.map((r) => r.uri);
  assert.ok(uris.includes("test://static-text") && uris.includes(OLD_STATIC_TEXT), uris.join());
  for (const uri of ["test://static-text", OLD_STATIC_TEXT]) {
    const read = await client.readResource({ uri });
    assert.equal(read.contents[0].uri, uri);
    assert.equal(read.contents[0].text, "This is the content of the static text resource.");
  }
  const binary = (await client.readResource({ uri: "test://static-binary" })).contents[0];
  assert.ok(binary.blob && binary.mimeType === "image/png", JSON.stringify(binary));
  const templates = (await client.listResourceTemplates()).resourceTemplates;
  assert.equal(templates.length, 2);
  const data = JSON.parse((await client.readResource({ uri: "test://template/9/data" })).contents[0].text);
  assert.equal(data.id, "9");
  await assert.rejects(client.readResource({ uri: "test://nonexistent" }), /-32002/);

  // Content of every kind arrives as the server wrote it.
  const mixed = await client.callTool({ name: "test_multiple_content_types", arguments: {} });
  assert.deepEqual(mixed.content.map((c) => c.type), ["text", "image", "resource"]);

  await client.setLoggingLevel("info");
  for (const server of [NEW, OLD]) {
    const sampled = await client.callTool({ name: tool(server, "test_sampling"), arguments: { prompt: "Capital of France?" } });
    assert.equal(text(sampled), "LLM response: Paris", server);
    const elicited = await client.callTool({ name: tool(server, "test_elicitation"), arguments: { message: "Who?" } });
    assert.ok(text(elicited).includes("ada@example.com"), text(elicited));
    const roots = await client.callTool({ name: tool(server, "test_input_required_result_list_roots"), arguments: {} });
    assert.equal(text(roots), "Found 1 root(s): file:///work", server);

    const steps = [];
    const result = await client.callTool(
      { name: tool(server, "test_tool_with_progress"), arguments: {} },
      undefined,
      { onprogress: (p) => steps.push(p.progress) },
    );
    assert.ok(!result.isError, JSON.stringify(result));
    await eventually(`${server}'s progress`, () => steps.includes(100));
    assert.deepEqual(steps, [0, 50, 100]);

    await client.callTool({ name: tool(server, "test_tool_with_logging"), arguments: {} });
    await eventually(`${server}'s log line`, () =>
      logs.some((l) => (l.logger ?? "").startsWith(server) && l.data === "Tool execution completed"),
    );
  }
  assert.equal(asked.filter((a) => JSON.stringify(a).includes("Capital of France?")).length, 2);

  for (const [server, uri] of [[NEW, "test://watched-resource"], [OLD, OLD_WATCHED]]) {
    await client.subscribeResource({ uri });
    await client.callTool({ name: tool(server, "test_trigger_resource_update"), arguments: {} });
    await eventually(`${uri} updated`, () => updated.includes(uri));
  }

  // The adds' prompt list changes are in (one each); the removal's comes after them.
  await eventually("the adds' prompt list changes", () => promptChanges >= 2);
  const before = promptChanges;
  const removed = await client.callTool({ name: "mcp-remove", arguments: { name: OLD } });
  assert.ok(!removed.isError, JSON.stringify(removed));
  await eventually("the removal's prompt list change", () => promptChanges > before);
  assert.equal((await client.listPrompts()).prompts.length, 5);
  await client.close();
  console.log("interop ok");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
