//! The fault proxy: transparent with no plan; outages kill open connections
//! and refuse new ones for their window only; latency and blackholes delay.

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};
use understudy::faults::{FaultPlan, Proxy};

/// An echo server on a free loopback port, for the life of the test process.
fn echo_server() -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for c in l.incoming() {
            let Ok(mut c) = c else { continue };
            std::thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = c.read(&mut buf) {
                    if n == 0 || c.write_all(&buf[..n]).is_err() {
                        break;
                    }
                }
            });
        }
    });
    addr
}

fn proxy(plan: &str) -> Proxy {
    Proxy::start(
        "127.0.0.1:0",
        &echo_server(),
        plan.parse::<FaultPlan>().unwrap(),
    )
    .unwrap()
}

/// Sends `msg` and reads the echo; Err on any failure.
fn round_trip(s: &mut TcpStream, msg: &[u8]) -> std::io::Result<Vec<u8>> {
    s.write_all(msg)?;
    let mut got = vec![0u8; msg.len()];
    s.read_exact(&mut got)?;
    Ok(got)
}

fn connect(p: &Proxy) -> TcpStream {
    let s = TcpStream::connect(p.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s
}

#[test]
fn empty_plan_is_transparent() {
    let p = proxy("");
    let mut s = connect(&p);
    let msg: Vec<u8> = (0..1_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
    s.write_all(&msg).unwrap();
    let mut got = vec![0u8; msg.len()];
    s.read_exact(&mut got).unwrap();
    assert!(got == msg);
    let st = p.stats.snapshot();
    assert_eq!(st.connections_accepted, 1);
    assert_eq!(st.bytes_to_upstream, 1_000_000);
}

#[test]
fn outage_kills_open_connections_and_refuses_new_ones_for_its_window() {
    let p = proxy("outage@400ms+800ms");
    let t0 = Instant::now();
    let mut before = connect(&p);
    assert_eq!(round_trip(&mut before, b"hello").unwrap(), b"hello");
    std::thread::sleep(Duration::from_millis(600).saturating_sub(t0.elapsed()));
    assert!(
        round_trip(&mut before, b"again").is_err(),
        "open connection survived the outage"
    );
    let mut during = connect(&p);
    assert!(
        round_trip(&mut during, b"x").is_err(),
        "new connection served during the outage"
    );
    std::thread::sleep(Duration::from_millis(1400).saturating_sub(t0.elapsed()));
    let mut after = connect(&p);
    assert_eq!(round_trip(&mut after, b"back").unwrap(), b"back");
    let st = p.stats.snapshot();
    assert!(
        st.connections_killed >= 1 && st.connections_refused >= 1,
        "{st:?}"
    );
}

#[test]
fn latency_and_blackhole_delay_traffic() {
    let p = proxy("latency@0s+10s=150ms");
    let mut s = connect(&p);
    let t = Instant::now();
    round_trip(&mut s, b"ping").unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(290),
        "{:?}",
        t.elapsed()
    );

    let p = proxy("blackhole@0s+700ms");
    let mut s = connect(&p);
    let t = Instant::now();
    round_trip(&mut s, b"ping").unwrap();
    assert!(
        t.elapsed() >= Duration::from_millis(600),
        "{:?}",
        t.elapsed()
    );
}

#[test]
fn cli_prints_its_address_and_stops_when_told() {
    let up = echo_server();
    let o = common::run(&[
        "proxy",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        &up,
        "--for",
        "300ms",
    ]);
    assert!(o.status.success());
    let addr = String::from_utf8(o.stdout).unwrap();
    assert!(addr.trim().starts_with("127.0.0.1:"), "{addr}");
    let o = common::run(&["proxy", "--upstream", &up, "--faults", "otage@1s+1s"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("did you mean `outage`"));
}
