//! A link between the relay and Redis that can lose one answer on its way back: a Unix-socket
//! proxy that forwards everything, except that when told, it closes the connection instead of
//! passing on the next bytes Redis sends. The request has then run on Redis and the relay only
//! sees its connection drop, the failure no driver can tell from one where the request never
//! arrived.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{UnixListener, UnixStream};

pub struct LossyLink {
    directory: tempfile::TempDir,
    lose_next_answer: Arc<AtomicBool>,
    task: tokio::task::JoinHandle<()>,
}

impl LossyLink {
    /// A link to the Redis listening on `upstream`.
    pub fn to(upstream: PathBuf) -> Self {
        let directory = tempfile::tempdir().expect("a temporary directory");
        let listener = UnixListener::bind(directory.path().join("link.sock")).expect("a socket");
        let lose_next_answer = Arc::new(AtomicBool::new(false));
        let lose = lose_next_answer.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let upstream = upstream.clone();
                let lose = lose.clone();
                tokio::spawn(async move {
                    let Ok(server) = UnixStream::connect(&upstream).await else { return };
                    forward(client, server, lose).await;
                });
            }
        });
        Self { directory, lose_next_answer, task }
    }

    /// The relay's `redis_url` through the link.
    pub fn url(&self) -> String {
        format!("redis+unix://{}", self.directory.path().join("link.sock").display())
    }

    /// Close the connection that carries Redis' next answer, instead of delivering it.
    pub fn lose_next_answer(&self) {
        self.lose_next_answer.store(true, Ordering::SeqCst);
    }

    /// Whether the answer it was told to lose has been lost.
    pub fn has_lost_it(&self) -> bool {
        !self.lose_next_answer.load(Ordering::SeqCst)
    }
}

impl Drop for LossyLink {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn forward(client: UnixStream, server: UnixStream, lose: Arc<AtomicBool>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let requests = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    });
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match server_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if lose.swap(false, Ordering::SeqCst) {
            break;
        }
        if client_write.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    // Both ways closed: the relay sees its connection drop.
    requests.abort();
}
