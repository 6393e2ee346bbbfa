//! The clients check: which known MCP clients have Switchboard in their config.

use crate::clients::ClientStatus;
use crate::doctor::Check;

const CLIENTS: &str = "clients";

/// The finding for the clients `switchboard client ls` would list.
pub(crate) fn connected(clients: &[ClientStatus]) -> Check {
    let connected: Vec<&str> = clients
        .iter()
        .filter(|c| c.connected)
        .map(|c| c.name)
        .collect();
    if !connected.is_empty() {
        return Check::ok(CLIENTS, format!("connected: {}", connected.join(", ")));
    }
    let known: Vec<&str> = clients.iter().map(|c| c.name).collect();
    let message = if known.is_empty() {
        "no MCP client has Switchboard in its config".to_string()
    } else {
        format!(
            "no MCP client has Switchboard in its config (known: {})",
            known.join(", ")
        )
    };
    Check::warn(
        CLIENTS,
        message,
        Some("switchboard client connect CLIENT".to_string()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doctor::Status;

    fn client(name: &'static str, connected: bool) -> ClientStatus {
        ClientStatus {
            name,
            path: None,
            connected,
        }
    }

    #[test]
    fn connected_clients_are_named_and_none_is_a_warning() {
        let found = connected(&[
            client("cursor", true),
            client("zed", false),
            client("vscode", true),
        ]);
        assert_eq!(found.status, Status::Ok);
        assert_eq!(found.message, "connected: cursor, vscode");
        let none = connected(&[client("zed", false)]);
        assert_eq!(none.status, Status::Warn);
        assert_eq!(
            none.fix.as_deref(),
            Some("switchboard client connect CLIENT")
        );
    }
}
