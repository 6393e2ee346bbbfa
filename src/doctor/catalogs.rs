//! The catalog checks: the bundled catalog loads, and so do the `--catalog` sources given.

use crate::catalog::{Catalog, Error};
use crate::doctor::Check;

const CATALOG: &str = "catalog";

/// The finding for the bundled catalog.
pub(crate) fn bundled(loaded: &Result<Catalog, Error>) -> Check {
    finding(
        "bundled catalog",
        loaded,
        "reinstall switchboard: its bundled catalog is broken",
    )
}

/// The finding for the `--catalog` sources (named as given), merged; `None` when loading
/// them took too long.
pub(crate) fn configured(sources: &[String], loaded: Option<&Result<Catalog, Error>>) -> Check {
    let what = format!("--catalog {}", sources.join(" --catalog "));
    match loaded {
        Some(loaded) => finding(
            &what,
            loaded,
            "fix the file or entry named, or leave that --catalog out",
        ),
        None => Check::fail(
            CATALOG,
            format!("{what}: loading did not finish in time (a slow or unreachable URL?)"),
            "check the URL with `curl -I URL`, or use a local copy of the catalog",
        ),
    }
}

fn finding(what: &str, loaded: &Result<Catalog, Error>, fix: &str) -> Check {
    match loaded {
        Ok(catalog) => Check::ok(
            CATALOG,
            format!(
                "{what}: {} server{}",
                catalog.len(),
                if catalog.len() == 1 { "" } else { "s" }
            ),
        ),
        Err(error) => Check::fail(
            CATALOG,
            format!("{what}: {}", crate::gateway::error_chain(error)),
            fix,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    #[test]
    fn the_bundled_catalog_loads_and_a_bad_entry_is_named() {
        let bundled_catalog = Catalog::parse("(bundled)", crate::catalog::BUNDLED);
        let found = bundled(&bundled_catalog);
        assert_eq!(found.status, Status::Ok);
        assert!(found.message.ends_with(" servers"), "{}", found.message);
        let one = bundled(&Catalog::parse(
            "o",
            "registry:\n  a: {description: d, type: server, image: i}\n",
        ));
        assert!(one.message.ends_with(": 1 server"), "{}", one.message);
        let broken = Catalog::parse("/tmp/c.yaml", "registry:\n  bad: [1, 2]\n");
        let found = configured(&["/tmp/c.yaml".to_string()], Some(&broken));
        assert_eq!(found.status, Status::Fail);
        assert!(found.message.contains("/tmp/c.yaml"), "{}", found.message);
        assert!(found.message.contains("bad"), "{}", found.message);
        assert_eq!(configured(&["x".into()], None).status, Status::Fail);
    }
}
