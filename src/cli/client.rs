//! `switchboard client`: connect MCP clients to Switchboard (being built for issue 12).

#[derive(Debug, clap::Subcommand)]
pub(super) enum ClientCommand {
    /// List the known clients.
    Ls,
}

pub(super) async fn run(_command: ClientCommand, _home: &crate::store::Home) -> anyhow::Result<()> {
    anyhow::bail!("`switchboard client` is not built yet")
}
