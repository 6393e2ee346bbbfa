//! The `server/discover` probe, made to fall back for servers that answer it but speak no
//! 2026-07-28: an rmcp server capped at 2025-11-25 answers the probe with its older revisions
//! (a result, or an unsupported-version error listing them), and rmcp's client then fails the
//! connection ("no compatible protocol version") where the server would have spoken the
//! session way. This transport rewrites that one answer into the error a legacy server gives,
//! so the handshake goes on to `initialize` on the same stdio.

use std::future::Future;

use rmcp::RoleClient;
use rmcp::model::{
    ClientRequest, ErrorCode, ErrorData, JsonRpcError, JsonRpcMessage, ProtocolVersion, RequestId,
    ServerResult,
};
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;

/// A client transport that reads a probe answer without a revision the gateway prefers as the
/// server being legacy.
pub(super) struct Probed<T> {
    inner: T,
    /// The revisions the probe asks for.
    preferred: Vec<ProtocolVersion>,
    /// The probe's request id, until its answer arrived.
    probe: Option<RequestId>,
}

impl<T> Probed<T> {
    pub(super) fn new(inner: T, preferred: Vec<ProtocolVersion>) -> Probed<T> {
        Probed {
            inner,
            preferred,
            probe: None,
        }
    }

    /// The message as the handshake should see it.
    fn judge(&mut self, message: RxJsonRpcMessage<RoleClient>) -> RxJsonRpcMessage<RoleClient> {
        let (id, supported) = match &message {
            JsonRpcMessage::Response(response) => match &response.result {
                ServerResult::DiscoverResult(found) => {
                    (&response.id, found.supported_versions.clone())
                }
                _ => return message,
            },
            // The other way to say it: the probe's revision refused, with the server's list.
            JsonRpcMessage::Error(JsonRpcError {
                id: Some(id),
                error,
                ..
            }) if error.code == ErrorCode::UNSUPPORTED_PROTOCOL_VERSION => {
                let supported = error.data.as_ref().and_then(|data| data.get("supported"));
                let supported = supported.cloned().map(serde_json::from_value::<Vec<_>>);
                (id, supported.and_then(Result::ok).unwrap_or_default())
            }
            _ => return message,
        };
        if self.probe.as_ref() != Some(id) {
            return message;
        }
        let id = id.clone();
        self.probe = None;
        if supported
            .iter()
            .any(|version| self.preferred.contains(version))
        {
            return message;
        }
        tracing::debug!(
            ?supported,
            "the server lists no revision the gateway probes for; speaking to it the session way"
        );
        JsonRpcMessage::Error(JsonRpcError {
            jsonrpc: Default::default(),
            id: Some(id),
            error: ErrorData::new(
                ErrorCode::METHOD_NOT_FOUND,
                "server/discover lists no revision the gateway probes for",
                None,
            ),
        })
    }
}

impl<T: Transport<RoleClient> + 'static> Transport<RoleClient> for Probed<T> {
    type Error = T::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleClient>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        if let JsonRpcMessage::Request(request) = &item
            && matches!(request.request, ClientRequest::DiscoverRequest(_))
        {
            self.probe = Some(request.id.clone());
        }
        self.inner.send(item)
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleClient>> {
        let message = self.inner.receive().await?;
        Some(self.judge(message))
    }

    fn close(&mut self) -> impl Future<Output = Result<(), Self::Error>> + Send {
        self.inner.close()
    }
}

#[cfg(test)]
mod tests {
    use rmcp::model::{DiscoverResult, JsonRpcResponse, NumberOrString, ServerCapabilities};

    use super::*;

    /// A transport that is never used: `judge` is tested on its own.
    struct Idle;

    fn discovered(versions: Vec<ProtocolVersion>, id: i64) -> RxJsonRpcMessage<RoleClient> {
        let result = DiscoverResult::new(versions, ServerCapabilities::default());
        JsonRpcMessage::Response(JsonRpcResponse {
            jsonrpc: Default::default(),
            id: NumberOrString::Number(id),
            result: ServerResult::DiscoverResult(result),
        })
    }

    fn probed() -> Probed<Idle> {
        let mut probed = Probed::new(Idle, vec![ProtocolVersion::V_2026_07_28]);
        probed.probe = Some(NumberOrString::Number(0));
        probed
    }

    #[test]
    fn an_answer_without_the_preferred_revision_reads_as_legacy() {
        let old = vec![ProtocolVersion::V_2025_06_18, ProtocolVersion::V_2025_11_25];
        let judged = probed().judge(discovered(old, 0));
        let JsonRpcMessage::Error(error) = judged else {
            panic!("expected an error, got {judged:?}");
        };
        assert_eq!(error.id, Some(NumberOrString::Number(0)));
        assert_eq!(error.error.code, ErrorCode::METHOD_NOT_FOUND);
    }

    #[test]
    fn a_refusal_listing_only_older_revisions_reads_as_legacy() {
        let refused = ErrorData::new(
            ErrorCode::UNSUPPORTED_PROTOCOL_VERSION,
            "unsupported",
            Some(serde_json::json!({ "supported": ["2025-06-18", "2025-11-25"] })),
        );
        let message = JsonRpcMessage::Error(JsonRpcError {
            jsonrpc: Default::default(),
            id: Some(NumberOrString::Number(0)),
            error: refused,
        });
        let JsonRpcMessage::Error(judged) = probed().judge(message) else {
            panic!("an error stays an error");
        };
        assert_eq!(judged.error.code, ErrorCode::METHOD_NOT_FOUND);
    }

    #[test]
    fn an_answer_with_it_and_other_responses_pass_unchanged() {
        let new = vec![ProtocolVersion::V_2025_11_25, ProtocolVersion::V_2026_07_28];
        let mut probed = probed();
        assert!(matches!(
            probed.judge(discovered(new, 0)),
            JsonRpcMessage::Response(_)
        ));
        // Only the probe's own answer is judged, once.
        let mut probed = Probed::new(Idle, vec![ProtocolVersion::V_2026_07_28]);
        let old = vec![ProtocolVersion::V_2025_11_25];
        assert!(matches!(
            probed.judge(discovered(old, 7)),
            JsonRpcMessage::Response(_)
        ));
    }
}
