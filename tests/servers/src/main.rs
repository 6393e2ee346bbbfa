//! Fixture MCP servers for Switchboard's end-to-end tests, one binary with modes:
//!
//! - `fixture-server echo`: echo, add (structured), sleep, fail (isError), crash (exits), info.
//! - `fixture-server collide`: echo and add again (to collide with `echo`), plus shout.
//! - `fixture-server exit`: writes a line to stderr and exits before `initialize`.
//! - `fixture-server conformance`: what the MCP conformance suite's server scenarios call, on
//!   the 2025-11-25 and 2026-07-28 lifecycles (the library's `conformance` module);
//!   `fixture-server conformance-2025` is the same server speaking no revision after 2025-11-25.
//!
//! Built static and packed into a `FROM scratch` image by `switchboard-testsupport`.

use std::time::Duration;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::{ServiceExt, tool, tool_handler, tool_router};
use serde::Deserialize;

#[derive(Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
struct TextArgs {
    /// Text to send back.
    text: String,
}

#[derive(Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
struct AddArgs {
    a: i64,
    b: i64,
}

#[derive(Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
struct SleepArgs {
    /// How long to sleep, in milliseconds.
    ms: u64,
}

#[derive(Deserialize, rmcp::schemars::JsonSchema)]
#[schemars(crate = "rmcp::schemars")]
struct FailArgs {
    /// The error message to return.
    message: String,
}

#[derive(Clone)]
struct Echo;

#[tool_router]
impl Echo {
    #[tool(description = "Echo the given text back unchanged")]
    fn echo(&self, Parameters(args): Parameters<TextArgs>) -> String {
        args.text
    }

    #[tool(description = "Add two integers; the sum comes back as structured content")]
    fn add(&self, Parameters(args): Parameters<AddArgs>) -> CallToolResult {
        let sum = args.a + args.b;
        let mut result = CallToolResult::success(vec![ContentBlock::text(sum.to_string())]);
        result.structured_content = Some(serde_json::json!({ "sum": sum }));
        result
    }

    #[tool(description = "Sleep for a number of milliseconds, then say so")]
    async fn sleep(&self, Parameters(args): Parameters<SleepArgs>) -> String {
        tokio::time::sleep(Duration::from_millis(args.ms)).await;
        format!("slept {} ms", args.ms)
    }

    #[tool(description = "Return a tool error (isError: true) with the given message")]
    fn fail(&self, Parameters(args): Parameters<FailArgs>) -> CallToolResult {
        CallToolResult::error(vec![ContentBlock::text(args.message)])
    }

    #[tool(description = "Crash: the server process exits at once, without answering")]
    fn crash(&self) -> String {
        eprintln!("fixture: crashing on purpose");
        std::process::exit(3)
    }

    #[tool(
        description = "Report the command-line arguments and environment this server got; values of variables named *_TOKEN come as their SHA-256"
    )]
    fn info(&self) -> CallToolResult {
        use sha2::Digest;
        let args: Vec<String> = std::env::args().collect();
        let env: std::collections::BTreeMap<String, String> = std::env::vars()
            .map(|(name, value)| {
                if name.ends_with("_TOKEN") {
                    let digest = sha2::Sha256::digest(value.as_bytes());
                    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                    (name, format!("sha256:{hex}"))
                } else {
                    (name, value)
                }
            })
            .collect();
        let value = serde_json::json!({ "args": args, "env": env });
        let mut result = CallToolResult::success(vec![ContentBlock::text(value.to_string())]);
        result.structured_content = Some(value);
        result
    }
}

#[tool_handler(name = "fixture-echo", version = "0.1.0")]
impl rmcp::ServerHandler for Echo {}

#[derive(Clone)]
struct Collide;

#[tool_router]
impl Collide {
    #[tool(description = "Echo the text back in brackets (collides with the echo server's echo)")]
    fn echo(&self, Parameters(args): Parameters<TextArgs>) -> String {
        format!("[{}]", args.text)
    }

    #[tool(description = "Multiply two integers (collides with the echo server's add by name)")]
    fn add(&self, Parameters(args): Parameters<AddArgs>) -> String {
        (args.a * args.b).to_string()
    }

    #[tool(description = "Echo the text back in upper case")]
    fn shout(&self, Parameters(args): Parameters<TextArgs>) -> String {
        args.text.to_uppercase()
    }
}

#[tool_handler(name = "fixture-collide", version = "0.1.0")]
impl rmcp::ServerHandler for Collide {}

fn main() -> std::process::ExitCode {
    let mode = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "echo".to_string());
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("fixture: cannot start runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async {
        match mode.as_str() {
            "echo" => serve(Echo).await,
            "collide" => serve(Collide).await,
            "conformance" => serve(switchboard_fixture_servers::conformance_server()).await,
            "conformance-2025" => {
                let newest = rmcp::model::ProtocolVersion::V_2025_11_25;
                serve(switchboard_fixture_servers::conformance::Conformance::up_to(&newest)).await
            }
            "exit" => {
                eprintln!("fixture: exiting before initialize on purpose");
                Err("asked to exit".to_string())
            }
            other => Err(format!(
                "unknown mode `{other}`; use echo, collide, conformance, conformance-2025 or exit"
            )),
        }
    });
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("fixture: {error}");
            std::process::ExitCode::from(2)
        }
    }
}

async fn serve<S: rmcp::ServerHandler>(server: S) -> Result<(), String> {
    let running = server
        .serve(rmcp::transport::stdio())
        .await
        .map_err(|e| e.to_string())?;
    running.waiting().await.map_err(|e| e.to_string())?;
    Ok(())
}
