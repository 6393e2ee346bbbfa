//! Runs every check, the ones that wait on I/O at the same time and each under a timeout, so
//! that doctor answers within a few seconds even when Docker or a URL does not.

use std::path::PathBuf;
use std::time::Duration;

use crate::catalog::{self, Catalog, Source};
use crate::doctor::docker::DockerAddress;
use crate::doctor::http::HttpTarget;
use crate::doctor::saved::Saved;
use crate::doctor::{Check, Report, catalogs, clients, docker, http, permissions, saved};
use crate::runtime::DockerProbe;
use crate::store::{Home, Secrets};

/// How long the Docker daemon may take to answer each question.
const DOCKER_TIMEOUT: Duration = Duration::from_secs(3);
/// How long the `--catalog` sources may take to load (URLs are fetched).
const CATALOG_TIMEOUT: Duration = Duration::from_secs(5);
/// How long an HTTP gateway may take to answer `/healthz`.
const HTTP_TIMEOUT: Duration = Duration::from_secs(2);

/// Everything the checks look at, read from the command line and environment by `cli/`.
#[derive(Debug, Clone)]
pub struct Setup {
    pub home: Home,
    /// `DOCKER_HOST`, if set.
    pub docker_host: Option<String>,
    /// The `--catalog` arguments as given (none: the bundled catalog alone).
    pub catalogs: Vec<String>,
    /// A snapshot of the environment, where gateway-wide secrets may come from.
    pub env: Vec<(String, String)>,
    pub http: HttpTarget,
    /// The user's HOME, where clients keep their config; `None` skips the clients check.
    pub user_home: Option<PathBuf>,
    /// `XDG_CONFIG_HOME`, if set.
    pub xdg_config: Option<PathBuf>,
}

/// Runs the checks and collects their findings in a fixed order.
pub async fn diagnose(setup: &Setup) -> Report {
    let address = DockerAddress::new(setup.docker_host.as_deref());
    let sources: Vec<Source> = setup.catalogs.iter().map(|c| Source::parse(c)).collect();
    let cache = setup.home.catalog_cache();
    let configured = async {
        if sources.is_empty() {
            return None;
        }
        let load = catalog::load_sources(&sources, &cache);
        Some(tokio::time::timeout(CATALOG_TIMEOUT, load).await.ok())
    };
    let (probe, configured, http_finding) = tokio::join!(
        DockerProbe::connect(Some(&address.address), DOCKER_TIMEOUT),
        configured,
        http::check(&setup.http, HTTP_TIMEOUT),
    );
    let bundled = Catalog::parse("(bundled)", catalog::BUNDLED);

    let mut report = Report::default();
    let (probe, version) = match probe {
        Ok((probe, version)) => (Some(probe), Ok(version)),
        Err(error) => (None, Err(error)),
    };
    report.checks.push(docker::reachable(&address, &version));
    report.checks.push(catalogs::bundled(&bundled));
    if let Some(loaded) = &configured {
        report
            .checks
            .push(catalogs::configured(&setup.catalogs, loaded.as_ref()));
    }
    // The servers are looked up where `run` would find them: the `--catalog`s, else bundled.
    let catalog = match &configured {
        None => bundled.ok(),
        Some(loaded) => loaded.as_ref().and_then(|l| l.as_ref().ok()).cloned(),
    };
    report
        .checks
        .extend(servers(setup, catalog.as_ref(), probe.as_ref()).await);
    report.checks.extend(permissions::check(setup.home.path()));
    report.checks.push(http_finding);
    if let Some(user_home) = &setup.user_home {
        let found = crate::clients::list(user_home, setup.xdg_config.as_deref());
        report.checks.push(clients::connected(&found));
    }
    report
}

/// The findings about the saved servers: unreadable files, unknown servers, images, secrets
/// and egress.
async fn servers(
    setup: &Setup,
    catalog: Option<&Catalog>,
    probe: Option<&DockerProbe>,
) -> Vec<Check> {
    let saved = Saved::read(&setup.home);
    let mut checks = saved.problems.clone();
    if saved.servers.is_empty() {
        checks.push(Check::ok(
            "config",
            "no saved server config yet (`switchboard config set`), so no images or secrets to check",
        ));
        return checks;
    }
    let Some(catalog) = catalog else {
        checks.push(Check::warn(
            "config",
            "the saved servers were not checked: their catalog did not load (see above)",
            None,
        ));
        return checks;
    };
    let (entries, unknown) = saved.entries(catalog);
    checks.extend(unknown);
    let images = saved::images(&entries);
    match probe {
        Some(probe) => checks.extend(docker::images(probe, &images).await),
        None => checks.push(docker::images_skipped()),
    }
    let secrets = Secrets::new(Some(setup.home.secrets()), setup.env.iter().cloned());
    checks.extend(saved::secrets(&entries, &setup.home, &secrets));
    checks.extend(saved::egress(&entries));
    checks
}
