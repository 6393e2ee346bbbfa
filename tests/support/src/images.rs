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

/// Builds the fixture binary statically and returns its path.
pub fn fixture_binary() -> anyhow::Result<PathBuf> {
    static_binary(
        "switchboard-fixture-servers",
        "fixture-server",
        "fixture",
        "fixtures",
    )
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
        let context = [
            Entry::file("Dockerfile", dockerfile.to_vec(), 0o644),
            Entry::file("fixture-server", binary, 0o755),
        ];
        build_image(&docker, &context, &tag).await?;
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

/// One entry of a build context: a file, or a directory when `data` is `None`.
pub(crate) struct Entry {
    path: String,
    data: Option<Vec<u8>>,
    mode: u32,
}

impl Entry {
    pub(crate) fn file(path: &str, data: Vec<u8>, mode: u32) -> Entry {
        Entry {
            path: path.to_string(),
            data: Some(data),
            mode,
        }
    }

    pub(crate) fn dir(path: &str, mode: u32) -> Entry {
        Entry {
            path: path.to_string(),
            data: None,
            mode,
        }
    }
}

/// `docker build` of a context held in memory (the legacy builder: no BuildKit needed).
pub(crate) async fn build_image(
    docker: &bollard::Docker,
    context: &[Entry],
    tag: &str,
) -> anyhow::Result<()> {
    let mut tar = tar::Builder::new(Vec::new());
    // Explicit headers: `append_path` may write a sparse entry, which dockerd rejects.
    for entry in context {
        let mut header = tar::Header::new_gnu();
        header.set_mode(entry.mode);
        match &entry.data {
            Some(data) => {
                header.set_size(data.len() as u64);
                header.set_cksum();
                tar.append_data(&mut header, &entry.path, &data[..])?;
            }
            None => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_size(0);
                header.set_cksum();
                tar.append_data(&mut header, &entry.path, std::io::empty())?;
            }
        }
    }
    let options = bollard::query_parameters::BuildImageOptionsBuilder::default()
        .dockerfile("Dockerfile")
        .t(tag)
        .rm(true)
        .build();
    let body = bollard::body_full(tar.into_inner()?.into());
    let mut build = docker.build_image(options, None, Some(body));
    while let Some(step) = build.next().await {
        let step = step.with_context(|| format!("docker build of {tag}"))?;
        if let Some(error) = step.error_detail.and_then(|d| d.message) {
            anyhow::bail!("docker build of {tag}: {error}");
        }
    }
    Ok(())
}

/// A static build (`+crt-static`, in `target/<target_dir>` so its features and flags never mix
/// with the normal build) of `binary` from `package`; returns its path.
pub(crate) fn static_binary(
    package: &str,
    binary: &str,
    profile: &str,
    target_dir: &str,
) -> anyhow::Result<PathBuf> {
    let root = crate::repo_root();
    let target_dir = root.join("target").join(target_dir);
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "build", "--quiet", "--locked", "-p", package, "--bin", binary,
        ])
        .args(["--profile", profile, "--target", TARGET])
        .arg("--target-dir")
        .arg(&target_dir)
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .status()
        .with_context(|| format!("running cargo to build {binary}"))?;
    anyhow::ensure!(status.success(), "building {binary} failed ({status})");
    // Cargo names the output folder of the built-in profiles differently from the profile.
    let folder = match profile {
        "dev" => "debug",
        "release" => "release",
        other => other,
    };
    Ok(target_dir.join(TARGET).join(folder).join(binary))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
