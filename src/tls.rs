//! The TLS crypto provider for outgoing HTTPS (remote servers, `switchboard health`): reqwest is
//! built without one (see Cargo.toml), and builds no client until one is installed.

/// An HTTP client builder, with the provider installed: the one way the gateway builds clients.
pub fn client_builder() -> reqwest::ClientBuilder {
    install_crypto_provider();
    reqwest::Client::builder()
}

/// Installs ring as the process's rustls provider, once (for clients built elsewhere, such as
/// rmcp's own).
pub fn install_crypto_provider() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // An error means another provider is installed already, which serves as well.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}
