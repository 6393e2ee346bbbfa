// Latency of sequential `tools/call`s made by the official TypeScript SDK (used by
// `cargo bench --bench http_load`).
//
//   node latency.mjs floor CALLS                  the SDK's own streamable-HTTP server, in-process
//   node latency.mjs http URL TOKEN CALLS         Switchboard over HTTP (adds `echo` first)
//   node latency.mjs stdio BINARY CATALOG CALLS   Switchboard over stdio (adds `echo` first)
//
// Prints one JSON line: {"mode", "calls", "p50_us", "p90_us"}.

import { createServer } from "node:http";
import { randomUUID } from "node:crypto";

import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

const WARM_UP = 20;

/** An echo server of the SDK's own, on a loopback port; returns its URL and a closer. */
async function floorServer() {
  const transports = new Map();
  const newServer = () => {
    const server = new Server({ name: "floor-echo", version: "0" }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({
      tools: [{ name: "echo", description: "Echo", inputSchema: { type: "object", properties: { text: { type: "string" } } } }],
    }));
    server.setRequestHandler(CallToolRequestSchema, async (request) => ({
      content: [{ type: "text", text: String(request.params.arguments?.text ?? "") }],
    }));
    return server;
  };
  const http = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString("utf8")) : undefined;
    const id = req.headers["mcp-session-id"];
    let transport = id ? transports.get(id) : undefined;
    if (!transport) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (sid) => transports.set(sid, transport),
      });
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise((resolve) => http.listen(0, "127.0.0.1", resolve));
  const { port } = http.address();
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    close: async () => {
      for (const t of transports.values()) await t.close();
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    },
  };
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

async function measure(client, calls) {
  const call = () => client.callTool({ name: "echo", arguments: { text: "hello from the TypeScript SDK" } });
  for (let i = 0; i < WARM_UP; i++) await call();
  const samples = [];
  for (let i = 0; i < calls; i++) {
    const started = process.hrtime.bigint();
    const result = await call();
    samples.push(Number(process.hrtime.bigint() - started) / 1000);
    if (result.isError) throw new Error(`echo failed: ${JSON.stringify(result)}`);
  }
  samples.sort((a, b) => a - b);
  return { p50_us: Math.round(percentile(samples, 0.5)), p90_us: Math.round(percentile(samples, 0.9)) };
}

async function addEcho(client) {
  const added = await client.callTool({ name: "mcp-add", arguments: { name: "echo" } });
  if (added.isError) throw new Error(`mcp-add failed: ${JSON.stringify(added)}`);
}

async function main() {
  const [mode, ...args] = process.argv.slice(2);
  const client = new Client({ name: "ts-latency", version: "0" });
  let calls;
  let cleanup = async () => {};
  if (mode === "floor") {
    calls = Number(args[0]);
    const server = await floorServer();
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url)));
    cleanup = server.close;
  } else if (mode === "http") {
    const [url, token, n] = args;
    calls = Number(n);
    await client.connect(
      new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }),
    );
    await addEcho(client);
  } else if (mode === "stdio") {
    const [binary, catalog, n] = args;
    calls = Number(n);
    await client.connect(
      new StdioClientTransport({ command: binary, args: ["run", "--catalog", catalog], env: process.env, stderr: "ignore" }),
    );
    await addEcho(client);
  } else {
    throw new Error(`unknown mode ${mode}; use floor, http or stdio`);
  }
  const figures = await measure(client, calls);
  await client.close();
  await cleanup();
  console.log(JSON.stringify({ mode, calls, ...figures }));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
