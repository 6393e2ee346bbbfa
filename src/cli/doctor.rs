//! `switchboard doctor`: checks of this machine's set-up (being built for issue 12).

#[derive(Debug, clap::Args)]
pub(super) struct DoctorArgs {}

pub(super) async fn run(_args: DoctorArgs, _home: &crate::store::Home) -> anyhow::Result<()> {
    anyhow::bail!("`switchboard doctor` is not built yet")
}
