# Switchboard as a container: the static gateway binary alone in an empty image, run as a
# non-root user, serving streamable HTTP on port 8811 with a health check on /healthz.
#
#   docker build -t switchboard .     # compiles in the rust image (needs a registry)
#   cargo gateway-image               # offline: compiles on this machine, then builds the
#                                     # runtime stage below unchanged (see README)
#
# The runtime stage takes only `/out/` from the build stage; `cargo gateway-image` relies on
# that to build the same stage from a local `out/` directory.

FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
ENV RUSTFLAGS="-C target-feature=+crt-static"
RUN cargo build --release --locked -p switchboard --bin switchboard \
        --target x86_64-unknown-linux-gnu \
    && mkdir -p /out/data /out/certs \
    && cp target/x86_64-unknown-linux-gnu/release/switchboard /out/switchboard \
    && cp /etc/ssl/certs/ca-certificates.crt /out/certs/ca-certificates.crt

FROM scratch AS runtime
COPY --from=build /out/switchboard /switchboard
# Roots for remote MCP servers over HTTPS.
COPY --from=build /out/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
# The state directory (tokens, secrets, config), owned by the user the gateway runs as; a named
# volume mounted here starts with this ownership.
COPY --from=build --chown=10001:10001 /out/data /data
ENV SWITCHBOARD_HOME=/data HOME=/data
USER 10001:10001
EXPOSE 8811
VOLUME ["/data"]
HEALTHCHECK --interval=10s --timeout=5s --start-period=5s --retries=3 \
    CMD ["/switchboard", "health"]
ENTRYPOINT ["/switchboard"]
CMD ["run", "--transport", "http", "--host", "0.0.0.0", "--port", "8811"]
