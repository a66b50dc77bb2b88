//! A TCP proxy that loses a database connection at COMMIT, on either side of the
//! server's decision, for the tests that prove a lost COMMIT is retryable: a real
//! server cannot drop a connection exactly there on demand.
//!
//! It forwards both ways and watches the client's bytes for the protocol's COMMIT
//! messages (given by the test: PostgreSQL's simple query; MySQL's COM_QUERY, alone
//! or ending a script). An armed [`Fault`] fires once, at the next COMMIT, then the
//! proxy forwards again.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the proxy does at the next COMMIT.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    None,
    /// Close both sides without forwarding the COMMIT: nothing is committed.
    DropCommit,
    /// Forward the COMMIT, then close both sides instead of forwarding its answer:
    /// committed, but the client cannot know.
    DropCommitAnswer,
}

/// The running proxy; it stops with the test's runtime.
pub struct CommitProxy {
    pub addr: SocketAddr,
    fault: Arc<Mutex<Fault>>,
    fired: Arc<AtomicUsize>,
}

impl CommitProxy {
    /// Listens on a free loopback port and forwards every connection to
    /// `127.0.0.1:server_port`, watching for any of `commits` (byte strings that only
    /// a COMMIT's message holds).
    pub async fn start(server_port: u16, commits: &'static [&'static [u8]]) -> CommitProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy address");
        let fault = Arc::new(Mutex::new(Fault::None));
        let fired = Arc::new(AtomicUsize::new(0));
        let (accept_fault, accept_fired) = (fault.clone(), fired.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (fault, fired) = (accept_fault.clone(), accept_fired.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", server_port)).await {
                        relay(client, server, commits, &fault, &fired).await;
                    }
                });
            }
        });
        CommitProxy { addr, fault, fired }
    }

    /// Arms `fault` for the next COMMIT.
    pub fn arm(&self, fault: Fault) {
        *self.fault.lock().unwrap_or_else(PoisonError::into_inner) = fault;
    }

    /// How many faults have fired.
    pub fn fired(&self) -> usize {
        self.fired.load(Ordering::SeqCst)
    }
}

/// Forwards both ways until either side closes or the armed fault fires; returning
/// drops (closes) both sockets.
async fn relay(
    client: TcpStream,
    server: TcpStream,
    commits: &[&[u8]],
    fault: &Mutex<Fault>,
    fired: &AtomicUsize,
) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let mut upstream = vec![0u8; 64 * 1024];
    let mut downstream = vec![0u8; 64 * 1024];
    // The COMMIT went through: the next answer is its answer, which is swallowed.
    let mut swallow_answer = false;
    loop {
        tokio::select! {
            read = client_read.read(&mut upstream) => {
                let Ok(n @ 1..) = read else { return };
                let chunk = &upstream[..n];
                if commits
                    .iter()
                    .any(|commit| chunk.windows(commit.len()).any(|w| w == *commit))
                {
                    let armed = std::mem::replace(
                        &mut *fault.lock().unwrap_or_else(PoisonError::into_inner),
                        Fault::None,
                    );
                    match armed {
                        Fault::None => {}
                        Fault::DropCommit => {
                            fired.fetch_add(1, Ordering::SeqCst);
                            return;
                        }
                        Fault::DropCommitAnswer => swallow_answer = true,
                    }
                }
                if server_write.write_all(chunk).await.is_err() {
                    return;
                }
            }
            read = server_read.read(&mut downstream) => {
                let Ok(n @ 1..) = read else { return };
                if swallow_answer {
                    // The server answered, so it has committed: now lose the answer.
                    fired.fetch_add(1, Ordering::SeqCst);
                    return;
                }
                if client_write.write_all(&downstream[..n]).await.is_err() {
                    return;
                }
            }
        }
    }
}
