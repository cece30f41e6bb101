//! A TCP proxy on loopback that applies a `FaultPlan` to everything passing
//! through: the network drop a 10-hour migration script meets, on a schedule.

use super::plan::{FaultKind, FaultPlan};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the proxy saw.
#[derive(Debug, Default)]
pub struct Stats {
    pub accepted: AtomicU64,
    pub refused: AtomicU64,
    pub killed: AtomicU64,
    pub bytes_up: AtomicU64,
    pub bytes_down: AtomicU64,
}

pub use crate::report::ProxyStats as StatsSnapshot;

impl Stats {
    pub fn snapshot(&self) -> StatsSnapshot {
        StatsSnapshot {
            connections_accepted: self.accepted.load(Ordering::Relaxed),
            connections_refused: self.refused.load(Ordering::Relaxed),
            connections_killed: self.killed.load(Ordering::Relaxed),
            bytes_to_upstream: self.bytes_up.load(Ordering::Relaxed),
            bytes_to_client: self.bytes_down.load(Ordering::Relaxed),
        }
    }
}

/// The plan against a clock started when the proxy started.
#[derive(Clone)]
struct Clock {
    plan: Arc<FaultPlan>,
    start: Instant,
}

impl Clock {
    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    fn down(&self) -> bool {
        let t = self.now();
        self.plan
            .faults
            .iter()
            .any(|f| f.kind == FaultKind::Outage && f.active(t))
    }

    /// Waits as the plan says before `n` bytes may pass.
    async fn before_forward(&self, n: usize) {
        loop {
            let t = self.now();
            let mut delay = Duration::ZERO;
            let mut wait_until = None;
            for f in self.plan.faults.iter().filter(|f| f.active(t)) {
                match f.kind {
                    FaultKind::Blackhole => wait_until = Some(f.end()),
                    FaultKind::Latency(d) => delay = delay.max(d),
                    FaultKind::Bandwidth(rate) => {
                        delay = delay.max(Duration::from_secs_f64(n as f64 / rate as f64))
                    }
                    _ => {}
                }
            }
            if let Some(end) = wait_until {
                tokio::time::sleep(end.saturating_sub(t)).await;
                continue;
            }
            if !delay.is_zero() {
                tokio::time::sleep(delay).await;
            }
            return;
        }
    }
}

/// A running proxy on its own thread; dropped, it stops.
pub struct Proxy {
    pub addr: SocketAddr,
    pub stats: Arc<Stats>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Proxy {
    /// Binds `listen` (port 0 picks a free one) and forwards to `upstream`.
    pub fn start(listen: &str, upstream: &str, plan: FaultPlan) -> std::io::Result<Proxy> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        let listener = rt.block_on(TcpListener::bind(listen))?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(Stats::default());
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let (s, up) = (stats.clone(), upstream.to_string());
        let thread = std::thread::Builder::new()
            .name("understudy-proxy".into())
            .spawn(move || {
                rt.block_on(async move {
                    tokio::select! {
                        _ = serve(listener, up, plan, s) => {}
                        _ = stopped => {}
                    }
                });
                rt.shutdown_timeout(Duration::from_millis(100));
            })?;
        Ok(Proxy {
            addr,
            stats,
            stop: Some(stop),
            thread: Some(thread),
        })
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Accepts and forwards until the future is dropped.
pub async fn serve(listener: TcpListener, upstream: String, plan: FaultPlan, stats: Arc<Stats>) {
    let clock = Clock {
        plan: Arc::new(plan),
        start: Instant::now(),
    };
    // Every outage start and every reset bumps the epoch: open connections die.
    let (epoch_tx, epoch_rx) = watch::channel(0u64);
    let kills: Vec<Duration> = clock
        .plan
        .faults
        .iter()
        .filter(|f| matches!(f.kind, FaultKind::Outage | FaultKind::Reset))
        .map(|f| f.at)
        .collect();
    let start = clock.start;
    tokio::spawn(async move {
        for (i, at) in kills.into_iter().enumerate() {
            tokio::time::sleep_until((start + at).into()).await;
            let _ = epoch_tx.send(i as u64 + 1);
        }
        // Keep the sender alive so receivers do not see a closed channel.
        std::future::pending::<()>().await;
    });
    loop {
        let Ok((client, _)) = listener.accept().await else {
            continue;
        };
        if clock.down() {
            // A reset, as a host that is unreachable would answer.
            #[allow(deprecated)]
            let _ = client.set_linger(Some(Duration::ZERO));
            drop(client);
            stats.refused.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        stats.accepted.fetch_add(1, Ordering::Relaxed);
        let (clock, stats, upstream, mut epoch) = (
            clock.clone(),
            stats.clone(),
            upstream.clone(),
            epoch_rx.clone(),
        );
        epoch.mark_unchanged();
        tokio::spawn(async move {
            let Ok(server) = TcpStream::connect(&upstream).await else {
                return;
            };
            let _ = client.set_nodelay(true);
            let _ = server.set_nodelay(true);
            let (cr, cw) = client.into_split();
            let (sr, sw) = server.into_split();
            let up = pump(cr, sw, clock.clone(), &stats.bytes_up);
            let down = pump(sr, cw, clock, &stats.bytes_down);
            tokio::select! {
                _ = async { tokio::join!(up, down) } => {}
                _ = epoch.changed() => { stats.killed.fetch_add(1, Ordering::Relaxed); }
            }
        });
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    clock: Clock,
    count: &AtomicU64,
) {
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        clock.before_forward(n).await;
        if to.write_all(&buf[..n]).await.is_err() {
            break;
        }
        count.fetch_add(n as u64, Ordering::Relaxed);
    }
    let _ = to.shutdown().await;
}
