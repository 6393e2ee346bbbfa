//! The mount policy: which host paths a server container may see, and how.
//!
//! Config can name host paths (`{{filesystem.paths|volume}}`), and the model writes config, so
//! a bind mount is a way out of the container. Host paths are mounted read-only unless they are
//! under a `--allow-write` path; sensitive paths (system directories, the Docker socket, keys
//! and cloud credentials) are refused outright. Named volumes (`name:/path`) are left alone.

use std::path::{Component, Path, PathBuf};

use crate::runtime::{Mount, MountSource};

/// Host paths no server may mount, and paths under them.
const REFUSED: &[&str] = &[
    "/etc",
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/lib/docker",
    "/run/containerd",
    "/var/run",
];
/// Directory names that hold keys or credentials wherever they are (`~/.ssh`, ...).
const REFUSED_NAMES: &[&str] = &[
    ".ssh",
    ".aws",
    ".docker",
    ".gnupg",
    ".azure",
    ".config/gcloud",
    ".kube/cache",
];

/// Why a volume was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("cannot mount `{path}`: {reason}")]
pub struct MountRefused {
    pub path: String,
    pub reason: String,
}

/// Checks one `source:target[:options]` volume and returns it as it will be mounted.
pub(crate) fn check(
    volume: &str,
    writable: &[PathBuf],
    home: Option<&Path>,
) -> Result<Mount, MountRefused> {
    let mut parts = volume.splitn(3, ':');
    let source = parts.next().unwrap_or_default();
    let Some(target) = parts.next().filter(|t| !t.is_empty()) else {
        return Err(refused(volume, "a volume needs `source:target`"));
    };
    let options = parts.next().unwrap_or_default();
    let is_host_path =
        source.starts_with('/') || source.starts_with('~') || source.starts_with('.');
    if !is_host_path {
        return Ok(Mount {
            source: MountSource::Volume(source.to_string()),
            target: target.to_string(),
            read_only: options.split(',').any(|o| o == "ro"),
        });
    }
    let expanded = match (source.strip_prefix('~'), home) {
        (Some(rest), Some(home)) => home.join(rest.trim_start_matches('/')),
        (Some(_), None) => return Err(refused(source, "`~` cannot be expanded: HOME is not set")),
        (None, _) => PathBuf::from(source),
    };
    if !expanded.is_absolute()
        || expanded
            .components()
            .any(|c| matches!(c, Component::ParentDir))
    {
        return Err(refused(source, "host paths must be absolute, without `..`"));
    }
    if expanded == Path::new("/") || REFUSED.iter().any(|r| expanded.starts_with(r)) {
        return Err(refused(
            source,
            "system paths and the Docker socket are never mounted into servers",
        ));
    }
    let text = expanded.to_string_lossy();
    if REFUSED_NAMES
        .iter()
        .any(|name| text.contains(&format!("/{name}")))
    {
        return Err(refused(
            source,
            "directories holding keys or credentials are never mounted into servers",
        ));
    }
    let read_only = !writable.iter().any(|w| expanded.starts_with(w));
    Ok(Mount {
        source: MountSource::Host(expanded),
        target: target.to_string(),
        read_only,
    })
}

fn refused(path: &str, reason: &str) -> MountRefused {
    MountRefused {
        path: path.to_string(),
        reason: reason.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mount as the Docker runtime passes it on, to compare in one line.
    fn bind(volume: &str, writable: &[PathBuf], home: Option<&Path>) -> String {
        check(volume, writable, home).unwrap().to_docker()
    }

    #[test]
    fn host_paths_are_read_only_unless_allowed() {
        let writable = [PathBuf::from("/srv/work")];
        assert_eq!(bind("/data:/data", &writable, None), "/data:/data:ro");
        assert_eq!(bind("/data:/data:rw", &writable, None), "/data:/data:ro");
        assert_eq!(bind("/srv/work/x:/x", &writable, None), "/srv/work/x:/x:rw");
        assert_eq!(
            bind("~/notes:/notes", &writable, Some(Path::new("/home/u"))),
            "/home/u/notes:/notes:ro"
        );
        assert_eq!(
            check("mcp-sqlite:/mcp", &writable, None).unwrap(),
            Mount {
                source: MountSource::Volume("mcp-sqlite".into()),
                target: "/mcp".into(),
                read_only: false,
            }
        );
        assert!(check("cache:/c:ro", &writable, None).unwrap().read_only);
    }

    #[test]
    fn sensitive_paths_are_refused() {
        for bad in [
            "/etc:/etc",
            "/:/host",
            "/var/run/docker.sock:/var/run/docker.sock",
            "~/.ssh:/keys",
            "/home/u/.aws/x:/a",
            "/data/../etc:/x",
            "relative:/x",
        ] {
            let home = Some(Path::new("/home/u"));
            if bad.starts_with("relative") {
                assert!(check(bad, &[], home).is_ok(), "named volume {bad}");
            } else {
                assert!(check(bad, &[], home).is_err(), "{bad} was allowed");
            }
        }
        assert!(check("/data", &[], None).is_err(), "no target");
    }
}
