//! The state directory's permissions: the home directory should be 0700, and the files
//! holding secrets or token hashes (`secrets.json`, `secrets/*.json`, `tokens.json`) 0600.
//! The store creates them so; this finds what was loosened since.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use crate::doctor::Check;

const PERMISSIONS: &str = "permissions";

/// Bits that let the group or others in.
const OTHERS: u32 = 0o077;

/// One path under the home directory and what it holds.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    path: PathBuf,
    mode: u32,
    /// Secrets or token hashes (a file), rather than a directory.
    sensitive_file: bool,
}

/// Looks at the home directory and the sensitive files in it.
pub(crate) fn check(home: &Path) -> Vec<Check> {
    let metadata = match std::fs::metadata(home) {
        Ok(metadata) => metadata,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return vec![Check::ok(
                PERMISSIONS,
                format!("{} not created yet", home.display()),
            )];
        }
        Err(error) => {
            return vec![Check::fail(
                PERMISSIONS,
                format!("cannot read {}: {error}", home.display()),
                format!("ls -ld {}", home.display()),
            )];
        }
    };
    if !metadata.is_dir() {
        return vec![Check::fail(
            PERMISSIONS,
            format!("{} is not a directory", home.display()),
            "point SWITCHBOARD_HOME at a directory",
        )];
    }
    let mut entries = vec![Entry {
        path: home.to_path_buf(),
        mode: metadata.permissions().mode(),
        sensitive_file: false,
    }];
    let mut push = |path: PathBuf, sensitive_file: bool| {
        if let Ok(metadata) = std::fs::metadata(&path) {
            entries.push(Entry {
                path,
                mode: metadata.permissions().mode(),
                sensitive_file,
            });
        }
    };
    push(home.join("secrets.json"), true);
    push(home.join("tokens.json"), true);
    let workspace_secrets = home.join("secrets");
    push(workspace_secrets.clone(), false);
    if let Ok(items) = std::fs::read_dir(&workspace_secrets) {
        for item in items.flatten() {
            let path = item.path();
            if path.extension().is_some_and(|e| e == "json") {
                push(path, true);
            }
        }
    }
    judge(home, &entries)
}

/// The findings for what was found: a loose sensitive file fails, a loose directory warns.
fn judge(home: &Path, entries: &[Entry]) -> Vec<Check> {
    let mut checks = Vec::new();
    for entry in entries {
        let mode = entry.mode & 0o777;
        if mode & OTHERS == 0 {
            continue;
        }
        let path = entry.path.display();
        if entry.sensitive_file {
            checks.push(Check::fail(
                PERMISSIONS,
                format!("{path} is mode {mode:04o}: other users can read its secrets"),
                format!("chmod 600 {path}"),
            ));
        } else {
            checks.push(Check::warn(
                PERMISSIONS,
                format!("{path} is mode {mode:04o}; it should be 0700 (owner only)"),
                Some(format!("chmod 700 {path}")),
            ));
        }
    }
    if checks.is_empty() {
        let files = entries.iter().filter(|e| e.sensitive_file).count();
        let message = match files {
            0 => format!(
                "{} is owner-only (no secrets or tokens stored yet)",
                home.display()
            ),
            n => format!(
                "{} is owner-only, and so are the {n} secrets and tokens files in it",
                home.display()
            ),
        };
        checks.push(Check::ok(PERMISSIONS, message));
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn loose_secrets_fail_with_chmod_and_a_missing_home_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let missing = check(&dir.path().join("nope"));
        assert_eq!(missing[0].status, Status::Ok);
        assert!(missing[0].message.contains("not created yet"));

        let home =
            crate::store::Home::resolve(Some(dir.path().join("h").display().to_string()), None);
        home.secrets()
            .set("a", crate::store::Secret::new("v".into()))
            .unwrap();
        home.workspace_secrets("w")
            .set("a", crate::store::Secret::new("v".into()))
            .unwrap();
        let good = check(home.path());
        assert_eq!(good.len(), 1, "{good:?}");
        assert_eq!(good[0].status, Status::Ok);
        assert!(
            good[0].message.contains("the 2 secrets"),
            "{}",
            good[0].message
        );

        let loose = home.path().join("secrets/w.json");
        std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
        std::fs::set_permissions(home.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let found = check(home.path());
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].status, Status::Warn);
        assert_eq!(
            found[0].fix,
            Some(format!("chmod 700 {}", home.path().display()))
        );
        assert_eq!(found[1].status, Status::Fail);
        assert!(found[1].message.contains("0644"));
        assert_eq!(found[1].fix, Some(format!("chmod 600 {}", loose.display())));
    }
}
