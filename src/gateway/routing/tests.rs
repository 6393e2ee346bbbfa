//! The routing tables: exposure, collisions per kind, reads by URI, removal.

use rmcp::model::{Prompt, Resource, ResourceTemplate, Tool};

use super::*;
use crate::upstream::Offer;

fn tool(name: &str) -> Tool {
    Tool::new(
        name.to_string(),
        "a tool",
        std::sync::Arc::new(rmcp::model::JsonObject::new()),
    )
}

fn offer(tools: &[&str], prompts: &[&str], resources: &[&str], templates: &[&str]) -> Offer {
    Offer {
        tools: tools.iter().map(|n| tool(n)).collect(),
        prompts: prompts
            .iter()
            .map(|n| Prompt::new(*n, Some("a prompt"), None))
            .collect(),
        resources: resources.iter().map(|u| Resource::new(*u, "r")).collect(),
        templates: templates
            .iter()
            .map(|t| ResourceTemplate::new(*t, "t"))
            .collect(),
    }
}

fn server(name: &str) -> ServerName {
    ServerName::new(name.to_string())
}

fn names<T>(items: impl Iterator<Item = T>, name: impl Fn(T) -> String) -> Vec<String> {
    items.map(name).collect()
}

#[test]
fn the_later_server_yields_on_every_kind_and_each_item_routes_home() {
    let reserved = ExposedToolName::new("mcp-find");
    let mut routes = Routes::new(reserved);
    let (a, b) = (server("alpha"), server("beta"));
    routes.register(
        &a,
        &offer(&["echo"], &["greet"], &["file:///notes.md"], &["t://{id}"]),
    );
    let exposed = routes.register(
        &b,
        &offer(
            &["echo", "mcp-find", "shout"],
            &["greet", "other"],
            &["file:///notes.md", "file:///b.md"],
            &["t://{id}", "u://{id}"],
        ),
    );
    let exposed: Vec<&str> = exposed.iter().map(|t| t.item.name.as_ref()).collect();
    assert_eq!(exposed, ["beta__echo", "beta__mcp-find", "shout"]);
    assert_eq!(routes.tool("beta__echo").unwrap().original, "echo");
    assert_eq!(routes.tool("echo").unwrap().server, a);

    let prompts = names(routes.prompts(), |p| p.item.name.clone());
    assert_eq!(prompts, ["beta__greet", "greet", "other"]);
    let greet = routes.prompt("beta__greet").unwrap();
    assert_eq!((&greet.server, greet.original.as_str()), (&b, "greet"));

    let uris = names(routes.resources(), |r| r.item.uri.clone());
    assert_eq!(
        uris,
        [
            "file:///b.md",
            "file:///notes.md",
            "switchboard://beta/file%3A%2F%2F%2Fnotes.md"
        ]
    );
    assert_eq!(
        routes.resource("switchboard://beta/file%3A%2F%2F%2Fnotes.md"),
        Some(ResourceRoute {
            server: b.clone(),
            uri: "file:///notes.md".to_string()
        })
    );
    assert_eq!(routes.resource("file:///notes.md").unwrap().server, a);
    // Templates: listed as given; the first server added wins a URI both match.
    assert_eq!(routes.templates().count(), 3);
    assert_eq!(routes.resource("t://7").unwrap().server, a);
    assert_eq!(routes.resource("u://7").unwrap().server, b);
    assert_eq!(routes.resource("nothing://here"), None);
    assert_eq!(
        routes.resource("switchboard://gamma/x"),
        None,
        "a gateway URI of a server that is not added"
    );
    assert_eq!(routes.template("u://{id}").unwrap().server, b);
    assert_eq!(
        routes.exposed_uri(&b, "file:///notes.md").as_deref(),
        Some("switchboard://beta/file%3A%2F%2F%2Fnotes.md")
    );
    assert_eq!(routes.exposed_uri(&b, "u://9").as_deref(), Some("u://9"));

    let gone = routes.unregister(&b);
    assert_eq!(
        gone,
        Kinds {
            tools: true,
            prompts: true,
            resources: true
        }
    );
    assert_eq!(routes.tool_names(), ["echo"]);
    assert_eq!(names(routes.prompts(), |p| p.item.name.clone()), ["greet"]);
    assert_eq!(routes.templates().count(), 1);
    assert_eq!(
        routes.unregister(&b),
        Kinds::default(),
        "nothing left of it"
    );
}

#[test]
fn prompt_names_that_collide_twice_are_numbered() {
    let mut routes = Routes::default();
    routes.register(&server("a"), &offer(&[], &["p", "b__p"], &[], &[]));
    routes.register(&server("b"), &offer(&[], &["p"], &[], &[]));
    assert_eq!(
        names(routes.prompts(), |p| p.item.name.clone()),
        ["b__p", "b__p_2", "p"]
    );
}

#[test]
fn kinds_say_what_an_offer_holds_and_what_changed() {
    let empty = Offer::default();
    let some = offer(&["t"], &[], &[], &["x://{y}"]);
    assert_eq!(
        Kinds::of(&some),
        Kinds {
            tools: true,
            prompts: false,
            resources: true
        }
    );
    assert!(!Kinds::of(&empty).any());
    let changed = Kinds::between(&some, &offer(&["t"], &["p"], &[], &["x://{y}"]));
    assert_eq!(
        changed,
        Kinds {
            tools: false,
            prompts: true,
            resources: false
        }
    );
}
