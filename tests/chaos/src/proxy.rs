//! The fault-injecting TCP proxy between the backends and PostgreSQL: it relays
//! bytes both ways and, on command, cuts every open connection, delays every chunk,
//! or truncates the next chunks it relays and then closes their connections.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

pub struct Proxy {
    pub port: u16,
    shared: Arc<Shared>,
}

struct Shared {
    target: u16,
    /// Bumped to cut every connection open at that moment.
    cuts: watch::Sender<u64>,
    /// Added to every chunk relayed, in milliseconds.
    delay_ms: AtomicU64,
    /// Chunks still to truncate (half relayed, then the connection closed).
    truncate: AtomicUsize,
}

impl Proxy {
    pub async fn start(target: u16) -> anyhow::Result<Proxy> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let port = listener.local_addr()?.port();
        let shared = Arc::new(Shared {
            target,
            cuts: watch::channel(0).0,
            delay_ms: AtomicU64::new(0),
            truncate: AtomicUsize::new(0),
        });
        let accepting = shared.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let shared = accepting.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", shared.target)).await {
                        relay(client, server, &shared).await;
                    }
                });
            }
        });
        Ok(Proxy { port, shared })
    }

    /// Closes every connection open now.
    pub fn cut(&self) {
        self.shared.cuts.send_modify(|n| *n += 1);
    }

    /// Adds `delay` to every chunk until set back to zero.
    pub fn delay(&self, delay: Duration) {
        let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.shared.delay_ms.store(millis, Ordering::Relaxed);
    }

    /// Truncates the next `chunks` chunks relayed, either way, closing their
    /// connections.
    pub fn truncate(&self, chunks: usize) {
        self.shared.truncate.store(chunks, Ordering::Relaxed);
    }
}

async fn relay(client: TcpStream, server: TcpStream, shared: &Shared) {
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let mut cuts = shared.cuts.subscribe();
    cuts.mark_unchanged();
    tokio::select! {
        _ = pump(client_read, server_write, shared) => {}
        _ = pump(server_read, client_write, shared) => {}
        _ = cuts.changed() => {}
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    shared: &Shared,
) {
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = match from.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        let delay = shared.delay_ms.load(Ordering::Relaxed);
        if delay > 0 {
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
        let truncated = shared
            .truncate
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| n.checked_sub(1))
            .is_ok();
        if truncated {
            let _ = to.write_all(&buffer[..read / 2]).await;
            return;
        }
        if to.write_all(&buffer[..read]).await.is_err() {
            return;
        }
    }
}
