//! A read-only container registry on loopback, for tests that pull: just enough of the
//! distribution API v2 (`GET /v2/`, `HEAD`/`GET` of manifests and blobs) for the Docker daemon
//! to pull one image from it. Docker lets 127.0.0.0/8 registries speak plain HTTP.
//!
//! The image is a local one (exported through the Engine API, in `docker save`'s legacy
//! layout) re-served as a schema 2 manifest with gzip layers, plus one layer of its own that is
//! new on every start: the daemon never has the image, nor all of its layers, beforehand, so a
//! pull really downloads. Blobs are sent in small chunks at a set pace, so that the pull takes
//! long enough to report progress.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use futures::StreamExt;
use sha2::Digest;

const MANIFEST_TYPE: &str = "application/vnd.docker.distribution.manifest.v2+json";
const CONFIG_TYPE: &str = "application/vnd.docker.container.image.v1+json";
const LAYER_TYPE: &str = "application/vnd.docker.image.rootfs.diff.tar.gzip";
/// Size of the layer made for each registry (random, so it neither compresses nor repeats).
const OWN_LAYER_BYTES: usize = 1_500_000;
/// Blobs go out in chunks of this size, one per `pace`.
const CHUNK: usize = 64 * 1024;

/// A registry serving one image as `<address>/<name>:<tag>`; stops and removes that image
/// from the daemon when dropped.
#[derive(Debug)]
pub struct Registry {
    address: SocketAddr,
    name: String,
    tag: String,
    served: Arc<Mutex<Vec<String>>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// What the registry holds: one manifest and its blobs, by digest.
#[derive(Debug)]
struct Content {
    name: String,
    tag: String,
    manifest: Bytes,
    manifest_digest: String,
    blobs: HashMap<String, Bytes>,
    pace: Duration,
    served: Arc<Mutex<Vec<String>>>,
}

impl Registry {
    /// Serves the local image `source` as `<name>:<tag>`, each blob chunk `pace` apart.
    pub fn start(source: &str, name: &str, tag: &str, pace: Duration) -> anyhow::Result<Registry> {
        let served = Arc::new(Mutex::new(Vec::new()));
        let (ready, listening) = std::sync::mpsc::channel();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let (source, owned_name, owned_tag, log) = (
            source.to_string(),
            name.to_string(),
            tag.to_string(),
            served.clone(),
        );
        let thread = std::thread::spawn(move || {
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready.send(Err(anyhow::Error::from(error)));
                    return;
                }
            };
            runtime.block_on(async move {
                let prepared = async {
                    let content = Content::of(&source, owned_name, owned_tag, pace, log).await?;
                    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
                    Ok::<_, anyhow::Error>((content, listener))
                };
                let (content, listener) = match prepared.await {
                    Ok(prepared) => prepared,
                    Err(error) => {
                        let _ = ready.send(Err(error));
                        return;
                    }
                };
                let _ = ready.send(listener.local_addr().map_err(anyhow::Error::from));
                let content = Arc::new(content);
                let app = axum::Router::new().fallback(move |method: Method, uri: Uri| {
                    let content = content.clone();
                    async move { content.answer(&method, uri.path()) }
                });
                let _ = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stopped.await;
                    })
                    .await;
            });
        });
        let address = listening
            .recv()
            .context("the registry thread ended before it listened")??;
        Ok(Registry {
            address,
            name: name.to_string(),
            tag: tag.to_string(),
            served,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// The reference to pull: `127.0.0.1:PORT/<name>:<tag>`.
    pub fn image(&self) -> String {
        self.image_tagged(&self.tag)
    }

    /// The same repository with another tag (which this registry does not have).
    pub fn image_tagged(&self, tag: &str) -> String {
        format!("{}/{}:{tag}", self.address, self.name)
    }

    /// Every request answered so far, as `METHOD path STATUS`.
    pub fn requests(&self) -> Vec<String> {
        self.served
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// How many blob downloads (`GET` of a blob) were answered.
    pub fn blob_downloads(&self) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.starts_with("GET ") && r.contains("/blobs/"))
            .count()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        let image = self.image();
        let _ = crate::block_on(async move { remove_image(&image).await });
    }
}

impl Content {
    /// Exports `source` from the daemon and builds the manifest and blobs served for it.
    async fn of(
        source: &str,
        name: String,
        tag: String,
        pace: Duration,
        served: Arc<Mutex<Vec<String>>>,
    ) -> anyhow::Result<Content> {
        let docker = crate::docker().await?;
        let mut export = docker.export_image(source);
        let mut saved = Vec::new();
        while let Some(chunk) = export.next().await {
            saved.extend_from_slice(&chunk.with_context(|| format!("exporting {source}"))?);
        }
        let files = untar(&saved)?;
        let index: serde_json::Value = serde_json::from_slice(
            files
                .get("manifest.json")
                .context("the export has no manifest.json")?,
        )?;
        let entry = &index[0];
        let config_file = entry["Config"]
            .as_str()
            .context("no Config in manifest.json")?;
        let mut config: serde_json::Value =
            serde_json::from_slice(files.get(config_file).context("the config is missing")?)?;
        let mut layers: Vec<Vec<u8>> = Vec::new();
        for layer in entry["Layers"]
            .as_array()
            .context("no Layers in manifest.json")?
        {
            let path = layer.as_str().context("a layer path is not a string")?;
            layers.push(files.get(path).context("a layer is missing")?.clone());
        }
        let own = own_layer(&format!(
            "{tag}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ))?;
        config["rootfs"]["diff_ids"]
            .as_array_mut()
            .context("the config has no rootfs.diff_ids")?
            .push(digest(&own).into());
        if let Some(history) = config["history"].as_array_mut() {
            history.push(serde_json::json!({"created_by": "switchboard test registry"}));
        }
        layers.push(own);
        let mut blobs = HashMap::new();
        let mut descriptors = Vec::new();
        for layer in &layers {
            let compressed = gzip(layer)?;
            let digest = digest(&compressed);
            descriptors.push(serde_json::json!({
                "mediaType": LAYER_TYPE, "size": compressed.len(), "digest": digest,
            }));
            blobs.insert(digest, Bytes::from(compressed));
        }
        let config = serde_json::to_vec(&config)?;
        let config_digest = digest(&config);
        let manifest = serde_json::to_vec(&serde_json::json!({
            "schemaVersion": 2,
            "mediaType": MANIFEST_TYPE,
            "config": {"mediaType": CONFIG_TYPE, "size": config.len(), "digest": config_digest},
            "layers": descriptors,
        }))?;
        blobs.insert(config_digest, Bytes::from(config));
        Ok(Content {
            name,
            tag,
            manifest_digest: digest(&manifest),
            manifest: Bytes::from(manifest),
            blobs,
            pace,
            served,
        })
    }

    fn answer(&self, method: &Method, path: &str) -> Response {
        let response = self.route(method, path);
        self.served
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(format!("{method} {path} {}", response.status().as_u16()));
        response
    }

    fn route(&self, method: &Method, path: &str) -> Response {
        if method != Method::GET && method != Method::HEAD {
            return error(
                StatusCode::METHOD_NOT_ALLOWED,
                "UNSUPPORTED",
                "read-only registry",
            );
        }
        if path == "/v2/" || path == "/v2" {
            let mut response = axum::Json(serde_json::json!({})).into_response();
            response.headers_mut().insert(
                "Docker-Distribution-API-Version",
                HeaderValue::from_static("registry/2.0"),
            );
            return response;
        }
        let Some(rest) = path.strip_prefix("/v2/") else {
            return error(StatusCode::NOT_FOUND, "NAME_UNKNOWN", "not a registry path");
        };
        if let Some((name, reference)) = rest.rsplit_once("/manifests/") {
            if name != self.name || (reference != self.tag && reference != self.manifest_digest) {
                return error(
                    StatusCode::NOT_FOUND,
                    "MANIFEST_UNKNOWN",
                    "manifest unknown",
                );
            }
            return blob(
                MANIFEST_TYPE,
                &self.manifest_digest,
                self.manifest.clone(),
                Duration::ZERO,
            );
        }
        if let Some((name, wanted)) = rest.rsplit_once("/blobs/") {
            return match self.blobs.get(wanted).filter(|_| name == self.name) {
                Some(bytes) if method == Method::HEAD => blob(
                    "application/octet-stream",
                    wanted,
                    bytes.clone(),
                    Duration::ZERO,
                ),
                Some(bytes) => blob("application/octet-stream", wanted, bytes.clone(), self.pace),
                None => error(StatusCode::NOT_FOUND, "BLOB_UNKNOWN", "blob unknown"),
            };
        }
        error(
            StatusCode::NOT_FOUND,
            "NAME_UNKNOWN",
            "repository name not known",
        )
    }
}

/// `bytes` with its digest headers, sent in chunks `pace` apart (all at once when zero).
fn blob(content_type: &'static str, digest: &str, bytes: Bytes, pace: Duration) -> Response {
    let length = bytes.len();
    let body = if pace.is_zero() {
        Body::from(bytes)
    } else {
        // A slow link: one chunk per tick of `pace` (the first at once), so a pull lasts long
        // enough for its progress to be reported more than once.
        let link = tokio::time::interval(pace);
        let chunks = futures::stream::unfold((link, 0), move |(mut link, start)| {
            let bytes = bytes.clone();
            async move {
                if start >= length {
                    return None;
                }
                link.tick().await;
                let chunk = bytes.slice(start..(start + CHUNK).min(length));
                Some((Ok::<_, std::io::Error>(chunk), (link, start + CHUNK)))
            }
        });
        Body::from_stream(chunks)
    };
    let mut response = Response::new(body);
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    if let Ok(digest) = HeaderValue::from_str(digest) {
        headers.insert("Docker-Content-Digest", digest);
    }
    response
}

/// The registry API's error body.
fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = serde_json::json!({"errors": [{"code": code, "message": message, "detail": null}]});
    (status, axum::Json(body)).into_response()
}

/// The files of a tar archive, by path.
fn untar(archive: &[u8]) -> anyhow::Result<HashMap<String, Vec<u8>>> {
    let mut files = HashMap::new();
    let mut archive = tar::Archive::new(archive);
    for entry in archive.entries()? {
        let mut entry = entry?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry.path()?.to_string_lossy().into_owned();
        let mut data = Vec::new();
        entry.read_to_end(&mut data)?;
        files.insert(path, data);
    }
    Ok(files)
}

/// A layer (an uncompressed tar) holding one file of bytes made from `seed`.
fn own_layer(seed: &str) -> anyhow::Result<Vec<u8>> {
    let mut data = Vec::with_capacity(OWN_LAYER_BYTES + 32);
    let mut counter = 0u64;
    while data.len() < OWN_LAYER_BYTES {
        let mut hasher = sha2::Sha256::new();
        hasher.update(seed.as_bytes());
        hasher.update(counter.to_le_bytes());
        data.extend_from_slice(&hasher.finalize());
        counter += 1;
    }
    data.truncate(OWN_LAYER_BYTES);
    let mut tar = tar::Builder::new(Vec::new());
    let mut header = tar::Header::new_gnu();
    header.set_mode(0o644);
    header.set_size(data.len() as u64);
    header.set_cksum();
    tar.append_data(&mut header, "switchboard-registry/filler", &data[..])?;
    Ok(tar.into_inner()?)
}

fn gzip(data: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(data)?;
    Ok(encoder.finish()?)
}

fn digest(bytes: &[u8]) -> String {
    let hash = sha2::Sha256::digest(bytes);
    let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// Whether the daemon has `image`.
pub async fn image_present(image: &str) -> anyhow::Result<bool> {
    let docker = crate::docker().await?;
    match docker.inspect_image(image).await {
        Ok(_) => Ok(true),
        Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(false),
        Err(error) => Err(error.into()),
    }
}

/// Removes `image` from the daemon (forced: containers left from it go too); absent is fine.
pub async fn remove_image(image: &str) -> anyhow::Result<()> {
    let docker = crate::docker().await?;
    let options = bollard::query_parameters::RemoveImageOptionsBuilder::default()
        .force(true)
        .build();
    match docker.remove_image(image, Some(options), None).await {
        Ok(_)
        | Err(bollard::errors::Error::DockerResponseServerError {
            status_code: 404, ..
        }) => Ok(()),
        Err(error) => Err(error.into()),
    }
}
