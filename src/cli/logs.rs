//! `switchboard logs`: reads the call log (being built for issue 12).

#[derive(Debug, clap::Args)]
pub(super) struct LogsArgs {}

pub(super) async fn run(_args: LogsArgs, _home: &crate::store::Home) -> anyhow::Result<()> {
    anyhow::bail!("`switchboard logs` is not built yet")
}
