//! The sandbox as its own program: `evergreen-sandbox --listen 127.0.0.1:8787`.

use std::net::SocketAddr;

use clap::Parser;
use evergreen_sandbox::{SandboxClock, World, demo_app, router, seed};

/// A local imitation of Instagram's Login and Graph endpoints.
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
    /// Start without the three test accounts.
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
    let mut world = World::new(SandboxClock::system(), demo_app(args.redirect_uris));
    let fresh = args.state.as_ref().is_none_or(|p| !p.exists());
    if let Some(path) = args.state {
        world = world.persisted_at(path)?;
    }
    if fresh && !args.empty {
        seed(&world);
    }
    world.set_latency_ms(args.latency_ms);
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    tracing::info!(address = %listener.local_addr()?, client_id = %world.app.client_id, "sandbox Instagram listening");
    axum::serve(listener, router(std::sync::Arc::new(world)))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
