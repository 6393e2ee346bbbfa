//! Starts the real binary with `--transport http` on port 0 and connects rmcp clients to it.

use std::path::Path;
use std::process::Stdio;

use rmcp::ServiceExt;
use rmcp::model::{ClientCapabilities, ClientConfig, Implementation};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use tokio::io::AsyncBufReadExt;

use crate::common::STEP;

/// `switchboard run --transport http --port 0` with its own home and the given tokens.
pub(crate) struct HttpGateway {
    child: tokio::process::Child,
    pub(crate) url: String,
    pub(crate) tokens: Vec<String>,
    _home: tempfile::TempDir,
}

impl HttpGateway {
    pub(crate) fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    pub(crate) async fn start(token_names: &[&str]) -> HttpGateway {
        Self::start_with(&crate::common::fixture_catalog(), token_names, &[]).await
    }

    /// With a given catalog and extra `run` arguments.
    pub(crate) async fn start_with(
        catalog: &Path,
        token_names: &[&str],
        extra: &[&str],
    ) -> HttpGateway {
        let home = tempfile::tempdir().unwrap();
        let tokens = token_names
            .iter()
            .map(|name| {
                let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
                    .args(["token", "create", name])
                    .env("SWITCHBOARD_HOME", home.path())
                    .output()
                    .unwrap();
                assert!(
                    out.status.success(),
                    "{}",
                    String::from_utf8_lossy(&out.stderr)
                );
                String::from_utf8(out.stdout).unwrap().trim().to_string()
            })
            .collect();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["run", "--transport", "http", "--port", "0", "--catalog"])
            .arg(catalog)
            .args(extra)
            .env("SWITCHBOARD_HOME", home.path())
            .env_remove("SWITCHBOARD_TOKEN")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stderr.take().unwrap()).lines();
        let url = tokio::time::timeout(STEP, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(url) = line.strip_prefix("switchboard: listening on ") {
                    return url.to_string();
                }
            }
            panic!("the gateway exited before listening");
        })
        .await
        .expect("the gateway listens");
        // Keep draining stderr so the gateway never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        HttpGateway {
            child,
            url,
            tokens,
            _home: home,
        }
    }

    pub(crate) async fn client(
        &self,
        token: &str,
    ) -> rmcp::service::RunningService<rmcp::service::RoleClient, ClientConfig> {
        let config = StreamableHttpClientTransportConfig::with_uri(self.url.clone())
            .auth_header(token.to_string());
        let transport = StreamableHttpClientTransport::from_config(config);
        let info = ClientConfig::new(
            ClientCapabilities::default(),
            Implementation::new("http-test", "0"),
        );
        tokio::time::timeout(STEP, info.serve(transport))
            .await
            .unwrap()
            .expect("initialize over HTTP")
    }
}

impl Drop for HttpGateway {
    fn drop(&mut self) {
        let pid = self.child.id();
        let _ = self.child.start_kill();
        if let Some(pid) = pid {
            let _ = switchboard_testsupport::block_on(
                switchboard_testsupport::remove_containers_of_pid(pid),
            );
        }
    }
}
