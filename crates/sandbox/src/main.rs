//! The sandbox as its own program: `evergreen-sandbox --listen 127.0.0.1:8787` (Instagram),
//! with Threads on `--threads-listen` (127.0.0.1:8789).

use std::net::SocketAddr;

use clap::Parser;
use evergreen_sandbox::{SandboxClock, World, demo_app, demo_threads_app, router, seed, threads_router};

/// A local imitation of Instagram's and Threads' Login and Graph endpoints.
#[derive(Parser)]
#[command(version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "SANDBOX_LISTEN", default_value = "127.0.0.1:8787")]
    listen: SocketAddr,
    /// A valid OAuth redirect URI of the sandbox app (repeat for several).
    #[arg(
        long = "redirect-uri",
        env = "SANDBOX_REDIRECT_URI",
        default_value = "http://127.0.0.1:8788/v1/callback"
    )]
    redirect_uris: Vec<String>,
    /// Address Threads listens on.
    #[arg(long, env = "SANDBOX_THREADS_LISTEN", default_value = "127.0.0.1:8789")]
    threads_listen: SocketAddr,
    /// A valid OAuth redirect URI of the sandbox's Threads app (repeat for several).
    #[arg(
        long = "threads-redirect-uri",
        env = "SANDBOX_THREADS_REDIRECT_URI",
        default_value = "http://127.0.0.1:8788/v1/callback/threads"
    )]
    threads_redirect_uris: Vec<String>,
    /// Start without the test accounts.
    #[arg(long)]
    empty: bool,
    /// Keep accounts and tokens (as digests) in this file across restarts.
    #[arg(long, env = "SANDBOX_STATE")]
    state: Option<std::path::PathBuf>,
    /// Milliseconds added to every Instagram call.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    let mut world = World::new(SandboxClock::system(), demo_app(args.redirect_uris))
        .with_threads(demo_threads_app(args.threads_redirect_uris));
    let fresh = args.state.as_ref().is_none_or(|p| !p.exists());
    if let Some(path) = args.state {
        world = world.persisted_at(path)?;
    }
    if fresh && !args.empty {
        seed(&world);
    }
    world.set_latency_ms(args.latency_ms);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let threads_listener = tokio::net::TcpListener::bind(args.threads_listen).await?;
    tracing::info!(address = %listener.local_addr()?, client_id = %world.app.client_id, "sandbox Instagram listening");
    let threads_id = world.threads_app.as_ref().map(|app| app.client_id.clone()).unwrap_or_default();
    tracing::info!(address = %threads_listener.local_addr()?, client_id = %threads_id, "sandbox Threads listening");
    let world = std::sync::Arc::new(world);
    let stop = || async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let instagram = axum::serve(listener, router(world.clone())).with_graceful_shutdown(stop());
    let threads = axum::serve(threads_listener, threads_router(world)).with_graceful_shutdown(stop());
    tokio::try_join!(async { instagram.await }, async { threads.await }).map(|_| ())
}
