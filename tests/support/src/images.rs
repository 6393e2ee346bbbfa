//! The fixture image: a static build of `tests/servers` in a `FROM scratch` image, tagged by the
//! binary's content hash so an unchanged binary is never packed twice.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

use anyhow::Context as _;
use futures::StreamExt;
use sha2::Digest;

/// The tag test catalogs use; always points at the newest build.
pub const FIXTURE_IMAGE: &str = "switchboard-fixture:latest";

const TARGET: &str = "x86_64-unknown-linux-gnu";

/// Builds the fixture binary statically (`+crt-static`, its own target dir so features do not
/// unify with the gateway's) and returns its path.
pub fn fixture_binary() -> anyhow::Result<PathBuf> {
    let root = crate::repo_root();
    let target_dir = root.join("target/fixtures");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build",
            "--quiet",
            "-p",
            "switchboard-fixture-servers",
            "--profile",
            "fixture",
            "--target",
            TARGET,
        ])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .context("running cargo to build the fixture server")?;
    anyhow::ensure!(
        status.success(),
        "building the fixture server failed ({status})"
    );
    Ok(target_dir.join(TARGET).join("fixture/fixture-server"))
}

/// Builds (once per process) the fixture binary and image; returns the content-hash tag.
pub fn ensure_fixture_image() -> anyhow::Result<String> {
    static BUILT: OnceLock<Result<String, String>> = OnceLock::new();
    BUILT
        .get_or_init(|| build().map_err(|e| format!("{e:#}")))
        .clone()
        .map_err(anyhow::Error::msg)
}

fn build() -> anyhow::Result<String> {
    let binary = fixture_binary()?;
    let bytes = std::fs::read(&binary).with_context(|| format!("reading {}", binary.display()))?;
    let hash = hex(&sha2::Sha256::digest(&bytes)[..6]);
    let tag = format!("switchboard-fixture:{hash}");
    crate::block_on(pack(bytes, tag.clone()))?;
    Ok(tag)
}

async fn pack(binary: Vec<u8>, tag: String) -> anyhow::Result<()> {
    let docker = crate::docker().await?;
    if docker.inspect_image(&tag).await.is_err() {
        let dockerfile = b"FROM scratch\nCOPY fixture-server /fixture-server\nENTRYPOINT [\"/fixture-server\"]\nCMD [\"echo\"]\n";
        let mut context = tar::Builder::new(Vec::new());
        // Explicit headers: `append_path` may write a sparse entry, which dockerd rejects.
        for (name, data, mode) in [
            ("Dockerfile", &dockerfile[..], 0o644),
            ("fixture-server", &binary[..], 0o755),
        ] {
            let mut header = tar::Header::new_gnu();
            header.set_size(data.len() as u64);
            header.set_mode(mode);
            header.set_cksum();
            context.append_data(&mut header, name, data)?;
        }
        let options = bollard::query_parameters::BuildImageOptionsBuilder::default()
            .dockerfile("Dockerfile")
            .t(&tag)
            .rm(true)
            .build();
        let body = bollard::body_full(context.into_inner()?.into());
        let mut build = docker.build_image(options, None, Some(body));
        while let Some(step) = build.next().await {
            let step = step.context("docker build of the fixture image")?;
            if let Some(error) = step.error_detail.and_then(|d| d.message) {
                anyhow::bail!("docker build of the fixture image: {error}");
            }
        }
    }
    let (repo, version) = FIXTURE_IMAGE
        .split_once(':')
        .unwrap_or((FIXTURE_IMAGE, "latest"));
    let options = bollard::query_parameters::TagImageOptionsBuilder::default()
        .repo(repo)
        .tag(version)
        .build();
    docker
        .tag_image(&tag, Some(options))
        .await
        .context("tagging the fixture image")?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
