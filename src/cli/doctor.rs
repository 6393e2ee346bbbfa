//! `switchboard doctor`: reads what the checks need from the command line and environment,
//! runs them (`crate::doctor`) and prints the report on stdout; exit 1 when any check failed.

use crate::cli::CatalogArgs;
use crate::doctor::{HttpTarget, Setup};

#[derive(Debug, clap::Args)]
pub(super) struct DoctorArgs {
    #[command(flatten)]
    catalogs: CatalogArgs,
    /// The address `run --transport http` would listen on.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// The port `run --transport http` would listen on: free, or served by a gateway.
    #[arg(long, default_value_t = 8811)]
    port: u16,
    /// Check the gateway at this URL instead (it must answer `/healthz`).
    #[arg(long, value_name = "URL")]
    url: Option<String>,
    /// Print `{"ok": bool, "checks": [{"check", "status", "message", "fix"}]}`.
    #[arg(long)]
    json: bool,
}

pub(super) async fn run(args: DoctorArgs, home: &crate::store::Home) -> anyhow::Result<()> {
    let http = match args.url {
        Some(url) => HttpTarget::Gateway { url },
        None => HttpTarget::Listen {
            host: args.host,
            port: args.port,
        },
    };
    let non_empty = |name: &str| std::env::var_os(name).filter(|v| !v.is_empty());
    let setup = Setup {
        home: home.clone(),
        docker_host: std::env::var("DOCKER_HOST").ok(),
        catalogs: args.catalogs.catalogs,
        env: std::env::vars().collect(),
        http,
        user_home: non_empty("HOME").map(Into::into),
        xdg_config: non_empty("XDG_CONFIG_HOME").map(Into::into),
    };
    let report = crate::doctor::diagnose(&setup).await;
    if args.json {
        println!("{}", report.json()?);
    } else {
        print!("{}", report.human());
    }
    match report.failures() {
        0 => Ok(()),
        1 => anyhow::bail!("doctor found 1 problem to fix (see above)"),
        n => anyhow::bail!("doctor found {n} problems to fix (see above)"),
    }
}
