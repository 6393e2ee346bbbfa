//! Test support: builds the fixture MCP servers into `FROM scratch` images, builds the gateway
//! image without a registry, serves an image from a local registry substitute for pull tests,
//! and looks at the containers a gateway left through the Docker API. Used by the end-to-end
//! tests, benches and `cargo gateway-image`; never part of the shipped binary.

mod containers;
mod gateway_container;
mod gateway_image;
mod images;
mod registry;

pub use containers::{managed_containers, remove_containers_of_pid, workspaces_of};
pub use gateway_container::GatewayContainer;
pub use gateway_image::{build_gateway_image, runtime_stage};
pub use images::{FIXTURE_IMAGE, ensure_fixture_image, fixture_binary};
pub use registry::{Registry, image_present, remove_image};

/// The repository root, for paths like `tests/fixtures/catalog.yaml`.
pub fn repo_root() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Runs `future` on a fresh runtime in its own thread, so it works from sync code and from
/// inside another runtime alike (e.g. in `Drop`).
pub fn block_on<T: Send + 'static>(
    future: impl std::future::Future<Output = T> + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime builds")
            .block_on(future)
    })
    .join()
    .expect("the helper thread does not panic")
}

async fn docker() -> anyhow::Result<bollard::Docker> {
    Ok(bollard::Docker::connect_with_defaults()?
        .negotiate_version()
        .await?)
}

/// The `q` quantile (0.0 to 1.0) of `samples`, which it sorts; nearest-rank.
pub fn percentile(samples: &mut [f64], q: f64) -> f64 {
    if samples.is_empty() {
        return f64::NAN;
    }
    samples.sort_by(f64::total_cmp);
    let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

/// The resident set of process `pid`, in KiB (Linux).
pub fn rss_kb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("proc status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmRSS")
}
