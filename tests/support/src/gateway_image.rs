//! The gateway image without a registry: the static gateway binary is compiled here, then the
//! `runtime` stage of the repository's `Dockerfile` is built unchanged from a local `out/`
//! directory in place of the `build` stage's `/out/` (this machine's Docker has only the
//! legacy builder, which would try to pull the `rust` image for the `build` stage).

use anyhow::Context as _;

use crate::images::{Entry, build_image, static_binary};

/// The runtime stage of `dockerfile`, reading from the context's `out/` instead of the `build`
/// stage's `/out/`; an error if the Dockerfile no longer has that shape.
pub fn runtime_stage(dockerfile: &str) -> anyhow::Result<String> {
    let start = dockerfile
        .find("FROM scratch AS runtime")
        .context("the Dockerfile has no `FROM scratch AS runtime` stage")?;
    let mut local = String::new();
    for line in dockerfile[start..].lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        if words.first() == Some(&"COPY") && words.contains(&"--from=build") {
            let rewritten: Vec<String> = words
                .iter()
                .filter(|w| **w != "--from=build")
                .map(|w| match w.strip_prefix("/out/") {
                    Some(rest) => format!("out/{rest}"),
                    None => w.to_string(),
                })
                .collect();
            anyhow::ensure!(
                rewritten.iter().any(|w| w.starts_with("out/")),
                "`{line}` copies from the build stage but not from its /out/"
            );
            local.push_str(&rewritten.join(" "));
        } else {
            anyhow::ensure!(
                !line.contains("--from="),
                "`{line}` copies from another stage than `build`"
            );
            local.push_str(line);
        }
        local.push('\n');
    }
    anyhow::ensure!(
        local.contains("out/"),
        "the runtime stage takes nothing from the build stage"
    );
    Ok(local)
}

/// This machine's TLS roots, which the build stage copies from the rust image.
const CA_BUNDLE: &str = "/etc/ssl/certs/ca-certificates.crt";

/// Compiles the gateway with cargo `profile` and builds the runtime image as `tag`.
pub fn build_gateway_image(profile: &str, tag: &str) -> anyhow::Result<()> {
    let dockerfile = std::fs::read_to_string(crate::repo_root().join("Dockerfile"))
        .context("reading the Dockerfile")?;
    let stage = runtime_stage(&dockerfile)?;
    let binary = static_binary("switchboard", "switchboard", profile, "static")?;
    let bytes = std::fs::read(&binary).with_context(|| format!("reading {}", binary.display()))?;
    let roots = std::fs::read(CA_BUNDLE).with_context(|| {
        format!("reading {CA_BUNDLE}, the TLS roots for the image (install ca-certificates)")
    })?;
    let context = vec![
        Entry::file("Dockerfile", stage.into_bytes(), 0o644),
        Entry::dir("out/", 0o755),
        Entry::file("out/switchboard", bytes, 0o755),
        Entry::dir("out/data/", 0o700),
        Entry::dir("out/certs/", 0o755),
        Entry::file("out/certs/ca-certificates.crt", roots, 0o644),
    ];
    let tag = tag.to_string();
    crate::block_on(async move {
        let docker = crate::docker().await?;
        build_image(&docker, &context, &tag).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_repository_dockerfile_has_a_buildable_runtime_stage() {
        let dockerfile = std::fs::read_to_string(crate::repo_root().join("Dockerfile")).unwrap();
        let stage = runtime_stage(&dockerfile).unwrap();
        assert!(stage.starts_with("FROM scratch AS runtime"));
        assert!(
            stage.contains("COPY out/switchboard /switchboard"),
            "{stage}"
        );
        assert!(
            stage.contains("COPY --chown=10001:10001 out/data /data"),
            "{stage}"
        );
        assert!(!stage.contains("rust:"), "{stage}");
    }

    #[test]
    fn other_shapes_are_refused() {
        assert!(runtime_stage("FROM rust AS build\n").is_err());
        assert!(runtime_stage("FROM scratch AS runtime\nCOPY --from=tools /x /x\n").is_err());
        assert!(runtime_stage("FROM scratch AS runtime\nCOPY --from=build /src /x\n").is_err());
    }
}
