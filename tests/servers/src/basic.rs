//! The echo and collide modes' handlers. In the binary they see the process they run in; served
//! inside another process (the gateway's in-process runtime, in its unit tests) they see what
//! they were given, and `crash` ends only their session.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::{tool, tool_handler, tool_router};
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

/// The echo mode: echo, add (structured), sleep, fail (isError), crash, info.
#[derive(Debug, Clone)]
pub struct Echo {
    world: Arc<World>,
}

/// What a handler sees of where it runs.
#[derive(Debug)]
enum World {
    /// The process it runs in: its arguments and environment; `crash` exits it.
    Process,
    /// Served inside another process: what it was given, and whom `crash` tells.
    Given {
        args: Vec<String>,
        env: BTreeMap<String, String>,
        crashed: Arc<tokio::sync::Notify>,
    },
}

impl Echo {
    /// The echo server of `fixture-server echo`.
    pub fn process() -> Echo {
        Echo {
            world: Arc::new(World::Process),
        }
    }

    /// An echo server that reports `args` and `env`, and on `crash` notifies `crashed` and
    /// never answers (whoever serves it then ends it, as the process would end).
    pub fn given(
        args: Vec<String>,
        env: BTreeMap<String, String>,
        crashed: Arc<tokio::sync::Notify>,
    ) -> Echo {
        Echo {
            world: Arc::new(World::Given { args, env, crashed }),
        }
    }
}

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
    async fn crash(&self) -> String {
        match self.world.as_ref() {
            World::Process => {
                eprintln!("fixture: crashing on purpose");
                std::process::exit(3)
            }
            World::Given { crashed, .. } => {
                crashed.notify_one();
                std::future::pending().await
            }
        }
    }

    #[tool(
        description = "Report the command-line arguments and environment this server got; values of variables named *_TOKEN come as their SHA-256"
    )]
    fn info(&self) -> CallToolResult {
        use sha2::Digest;
        let (args, vars): (Vec<String>, Vec<(String, String)>) = match self.world.as_ref() {
            World::Process => (std::env::args().collect(), std::env::vars().collect()),
            World::Given { args, env, .. } => {
                let mut all = vec!["fixture-server".to_string()];
                all.extend(args.iter().cloned());
                (all, env.clone().into_iter().collect())
            }
        };
        let env: BTreeMap<String, String> = vars
            .into_iter()
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

/// The collide mode: echo and add again (to collide with `echo`'s), plus shout.
#[derive(Debug, Clone)]
pub struct Collide;

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
