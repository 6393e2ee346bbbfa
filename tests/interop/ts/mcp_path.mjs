// Interop: the official TypeScript SDK drives Switchboard through the whole path, as the
// Python script does: find -> add -> tools/list_changed -> call -> exec -> remove.
//
//   node mcp_path.mjs stdio SWITCHBOARD_BINARY CATALOG_PATH WORKSPACE
//   node mcp_path.mjs http URL TOKEN WORKSPACE          (the token's name)
//
// Prints "interop ok" and exits 0 on success; any failed check throws.

import { execFileSync } from "node:child_process";
import assert from "node:assert/strict";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { ToolListChangedNotificationSchema } from "@modelcontextprotocol/sdk/types.js";

const META_TOOLS = ["mcp-find", "mcp-add", "mcp-remove", "mcp-config-set", "mcp-exec"];
const [mode, first, second, workspace] = process.argv.slice(2);

/** This run's containers of `server` (other tests run gateways at the same time). */
function containers(server) {
  const out = execFileSync("docker", [
    "ps", "-aq",
    "--filter", "label=io.switchboard.managed=true",
    "--filter", `label=io.switchboard.server=${server}`,
    "--filter", `label=io.switchboard.workspace=${workspace}`,
  ], { encoding: "utf8" });
  return out.split(/\s+/).filter(Boolean);
}

/** Resolves once `count` list_changed notifications arrived in all, or fails after 30 s. */
function changes(client) {
  let seen = 0;
  const waiters = [];
  client.setNotificationHandler(ToolListChangedNotificationSchema, () => {
    seen += 1;
    for (const w of waiters.filter((w) => seen >= w.count)) w.resolve();
  });
  return (count) =>
    new Promise((resolve, reject) => {
      if (seen >= count) return resolve();
      const timer = setTimeout(() => reject(new Error(`no list_changed #${count} within 30 s (saw ${seen})`)), 30000);
      waiters.push({ count, resolve: () => { clearTimeout(timer); resolve(); } });
    });
}

const names = async (client) => (await client.listTools()).tools.map((t) => t.name);
const text = (result) => result.content[0].text;

/** Resolves with the first request `seen` holds that matches, or fails after `ms`. */
async function eventually(what, ms, find) {
  const deadline = Date.now() + ms;
  for (;;) {
    const found = find();
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function main() {
  // Every HTTP exchange the SDK makes, to see how it reconnects.
  const exchanges = [];
  const recordingFetch = async (url, init) => {
    const response = await fetch(url, init);
    const headers = new Headers(init?.headers);
    exchanges.push({ method: init?.method ?? "GET", lastEventId: headers.get("last-event-id"), status: response.status });
    return response;
  };
  const client = new Client({ name: "ts-interop", version: "0" });
  const errors = [];
  client.onerror = (error) => errors.push(String(error));
  const changed = changes(client);
  const transport = mode === "stdio"
    ? new StdioClientTransport({
        command: first,
        args: ["run", "--catalog", second, "--workspace", workspace],
        env: { ...process.env },
        stderr: "inherit",
      })
    : new StreamableHTTPClientTransport(new URL(first), {
        requestInit: { headers: { Authorization: `Bearer ${second}` } },
        fetch: recordingFetch,
      });
  await client.connect(transport);
  assert.equal(client.getServerCapabilities().tools.listChanged, true);
  assert.deepEqual(await names(client), META_TOOLS);

  const found = await client.callTool({ name: "mcp-find", arguments: { query: "echo text" } });
  assert.ok(!found.isError, JSON.stringify(found));
  assert.equal(found.structuredContent.results[0].name, "echo");

  const before = new Set(containers("echo"));
  const added = await client.callTool({ name: "mcp-add", arguments: { name: "echo" } });
  assert.ok(!added.isError, JSON.stringify(added));
  await changed(1);
  const listed = await names(client);
  assert.ok(listed.includes("echo") && listed.includes("add"), listed.join(","));

  assert.equal(text(await client.callTool({ name: "echo", arguments: { text: "from typescript" } })), "from typescript");
  const summed = await client.callTool({ name: "add", arguments: { a: 20, b: 22 } });
  assert.deepEqual(summed.structuredContent, { sum: 42 });
  const failed = await client.callTool({ name: "fail", arguments: { message: "expected" } });
  assert.ok(failed.isError && text(failed) === "expected", JSON.stringify(failed));
  const execd = await client.callTool({ name: "mcp-exec", arguments: { name: "echo", arguments: { text: "via exec" } } });
  assert.equal(text(execd), "via exec");
  // A JSON-RPC error reply: malformed params are invalid params (-32602).
  await assert.rejects(
    client.request({ method: "tools/call", params: { name: 5 } }, ToolListChangedNotificationSchema.partial()),
    /-32602/,
  );
  if (mode === "http") {
    // The SDK counts only results as responses, so after an error reply it reconnects to the
    // finished stream with Last-Event-ID; the gateway must answer that it is complete.
    const resumed = await eventually("the SDK's reconnect after the error reply", 15000, () =>
      exchanges.find((e) => e.method === "GET" && e.lastEventId),
    );
    assert.equal(resumed.status, 204, JSON.stringify(exchanges));
  }

  const mine = containers("echo").filter((id) => !before.has(id));
  assert.equal(mine.length, 1, `one echo container of ours: ${mine}`);
  const removed = await client.callTool({ name: "mcp-remove", arguments: { name: "echo" } });
  assert.ok(!removed.isError, JSON.stringify(removed));
  await changed(2);
  assert.deepEqual(await names(client), META_TOOLS);
  const left = new Set(containers("echo"));
  assert.ok(!mine.some((id) => left.has(id)), "the echo container outlived mcp-remove");
  await client.close();
  // The transport reported nothing: no failed reconnects, no stream errors.
  assert.deepEqual(errors, []);
  const resumptions = exchanges.filter((e) => e.lastEventId).length;
  console.log(JSON.stringify({ list_changed_seen: 2, http_exchanges: exchanges.length, resumptions }));
  console.log("interop ok");
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
