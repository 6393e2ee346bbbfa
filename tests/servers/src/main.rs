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

use rmcp::ServiceExt;
use switchboard_fixture_servers::basic::{Collide, Echo};

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
            "echo" => serve(Echo::process()).await,
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
