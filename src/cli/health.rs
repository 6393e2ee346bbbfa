//! `switchboard health`: probes a running gateway's `/healthz`, for container health checks
//! (a `FROM scratch` image has no curl).

use std::time::Duration;

use anyhow::Context as _;

#[derive(Debug, clap::Args)]
pub(super) struct HealthArgs {
    /// The health endpoint of the gateway to probe.
    #[arg(long, default_value = "http://127.0.0.1:8811/healthz")]
    url: String,
    /// Seconds to wait for the answer.
    #[arg(long, default_value_t = 3)]
    timeout: u64,
}

/// Succeeds when the gateway answers 2xx; the error says what it answered instead.
pub(super) async fn run(args: HealthArgs) -> anyhow::Result<()> {
    let client = crate::tls::client_builder()
        .timeout(Duration::from_secs(args.timeout))
        .build()
        .context("building the HTTP client")?;
    let response = client
        .get(&args.url)
        .send()
        .await
        .with_context(|| format!("no answer from {}", args.url))?;
    let status = response.status();
    anyhow::ensure!(status.is_success(), "{} answered {status}", args.url);
    println!("ok");
    Ok(())
}
