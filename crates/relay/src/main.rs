//! The relay binary: parse the configuration, install tracing, bind, serve until SIGINT or
//! SIGTERM.

use clap::{CommandFactory, FromArgMatches};
use evergreen_relay::config::{Command, check_report, defaults_help};
use evergreen_relay::{AppState, Args, serve};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info".into()),
        )
        .init();
    let matches = Args::command().after_help(defaults_help()).get_matches();
    let args = Args::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
    let command = args.command;
    let config = match args.resolve() {
        Ok(config) => config,
        Err(error) => {
            eprintln!("evergreen-relay: {error}");
            std::process::exit(2);
        }
    };
    if command == Some(Command::Check) {
        print!("{}", check_report(&config));
        return Ok(());
    }
    if let evergreen_relay::config::StoreConfig::Redis(redis) = &config.store
        && redis.crosses_the_network()
    {
        tracing::warn!(
            "plain TCP to Redis on another machine: its password crosses the network in the clear \
             (keep it on a private network or behind a TLS tunnel)"
        );
    }
    let listener = tokio::net::TcpListener::bind(config.listen).await?;
    tracing::info!(
        address = %listener.local_addr()?,
        redirect_uri = %config.redirect_uri(),
        "relay listening"
    );
    serve(listener, AppState::new(config), shutdown_signal()).await?;
    tracing::info!("relay stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
}
