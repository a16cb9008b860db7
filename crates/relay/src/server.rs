//! The accept loop: axum's router on hyper, with the limits a public service needs that
//! `axum::serve` does not set. At most `max_connections` connections are served at once
//! (further ones wait in the kernel's listen backlog, so a flood costs no memory here), and a
//! client that does not finish its headers within `header_timeout` is disconnected (slowloris;
//! hyper runs that timer while an HTTP/1 connection idles between requests too). HTTP/2 has no
//! such timer, so every connection is also closed gracefully at `MAX_CONNECTION_AGE` (requests
//! in flight finish; the client reconnects), and dead HTTP/2 peers are found by pings: an idle
//! connection can never hold a permit for long. Bodies are capped and whole requests time out
//! in the router's layers.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tower::ServiceExt;

use crate::AppState;

/// How long in-flight requests may take to finish once shutdown begins.
const DRAIN: Duration = Duration::from_secs(10);
/// How often expired sessions and handoffs are dropped when nobody calls.
const PURGE_EVERY: Duration = Duration::from_secs(5);
/// Longest a connection is kept, however busy or idle; then it is closed gracefully.
const MAX_CONNECTION_AGE: Duration = Duration::from_secs(60);
/// How long a request in flight on a connection closed for its age may still take: the whole
/// request timeout, so an age close never cuts a sign-in short (its session and Instagram's
/// code would be spent, its token lost).
const AGE_DRAIN: Duration = Duration::from_secs(crate::REQUEST_TIMEOUT.as_secs() + 5);
/// How often an HTTP/2 peer is pinged, and how long its answer may take.
const H2_PING_EVERY: Duration = Duration::from_secs(20);
const H2_PING_TIMEOUT: Duration = Duration::from_secs(10);

/// Serve on `listener` until `shutdown` completes, then let requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let permits = Arc::new(Semaphore::new(state.config.max_connections));
    // Records also leave on time when nobody calls: no token waits past its handoff.
    let purging = {
        let (store, now) = (state.store.clone(), state.now.clone());
        tokio::spawn(async move {
            let mut every = tokio::time::interval(PURGE_EVERY);
            loop {
                every.tick().await;
                // A shared store that is down is purged by its own expiries meanwhile.
                if let Err(reason) = store.purge(now()).await {
                    tracing::debug!(%reason, "purge skipped");
                }
            }
        })
    };
    let _purging = AbortOnDrop(purging);
    let mut builder = Builder::new(TokioExecutor::new());
    builder.http1().timer(TokioTimer::new()).header_read_timeout(state.config.header_timeout);
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(H2_PING_EVERY))
        .keep_alive_timeout(H2_PING_TIMEOUT);
    let builder = Arc::new(builder);
    let max_connections = state.config.max_connections;
    let app = crate::router(state);
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // Take a permit before accepting: a full relay leaves new clients in the backlog.
        let permit = tokio::select! {
            () = &mut shutdown => break,
            permit = permits.clone().acquire_owned() => permit.expect("never closed"),
        };
        let (stream, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let service = app.clone().map_request(move |mut request: hyper::Request<hyper::body::Incoming>| {
            request.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            request
        });
        let connection = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), TowerToHyperService::new(service))
            .into_owned();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let mut connection = std::pin::pin!(connection);
            // Timeouts and resets are the client's business; nothing to report.
            let drain = tokio::select! {
                _ = connection.as_mut() => None,
                () = tokio::time::sleep(MAX_CONNECTION_AGE) => Some(AGE_DRAIN),
                () = stopped(&mut stopping) => Some(DRAIN),
            };
            if let Some(drain) = drain {
                connection.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(drain, connection).await;
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a permit until it is done: all permits back means all drained.
    let all = u32::try_from(max_connections).unwrap_or(u32::MAX);
    if tokio::time::timeout(DRAIN, permits.acquire_many(all)).await.is_err() {
        tracing::warn!("requests still in flight after {DRAIN:?}; stopping anyway");
    }
    Ok(())
}

/// Until the server says stop (or is gone).
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    while !*stopping.borrow_and_update() && stopping.changed().await.is_ok() {}
}

/// Ends a task when dropped (the purge stops with the server).
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
