//! Loly beside bare socketioxide and Node Socket.IO, in one run, on this
//! machine: the resident memory an idle connection costs the server, and the
//! server CPU time one `echo` with an ack costs. Each server runs as its own
//! process; the numbers are medians over the rounds, and the ratios compare
//! each server with bare socketioxide measured in the same run.
//!
//! ```sh
//! npm ci --prefix bench/node
//! cargo run --release -p loly-bench
//! ```

mod client;
mod process;
mod servers;

use std::time::{Duration, Instant};

use clap::Parser;
use futures_util::{StreamExt, TryStreamExt, future::try_join_all, stream};

use client::Connection;
use servers::{Kind, Server};

/// Any failure of the harness.
pub type BenchError = Box<dyn std::error::Error + Send + Sync>;

/// The namespace every server serves.
const NAMESPACE: &str = "/echo";

/// The payload of each echo.
const PAYLOAD: &str = r#"{"text":"hello","n":42}"#;

/// Echoes each client sends before measuring.
const WARMUP_ECHOES: u64 = 200;

/// Connections opened at once while filling the server.
const OPENING_AT_ONCE: usize = 64;

#[derive(Parser)]
#[command(about = "Idle memory per connection and server CPU per echo, side by side")]
struct Options {
    /// Idle connections held open to measure memory.
    #[arg(long, default_value_t = 2000)]
    connections: usize,
    /// Connections sending echoes at once.
    #[arg(long, default_value_t = 8)]
    clients: usize,
    /// Echoes measured per server and round, across all clients.
    #[arg(long, default_value_t = 40_000)]
    echoes: u64,
    /// Rounds; each round measures every server once, in turn.
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Measure only these servers (socketioxide, loly, loly-nolog, node).
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
}

/// One server's numbers in one round.
#[derive(Debug, Clone, Copy)]
struct Sample {
    idle_bytes_per_connection: f64,
    cpu_per_echo: Duration,
    echoes_per_second: f64,
}

#[tokio::main]
async fn main() -> Result<(), BenchError> {
    let options = Options::parse();
    let kinds: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|k| options.only.is_empty() || options.only.iter().any(|o| o == k.name()))
        .collect();
    if kinds.contains(&Kind::Node) && !servers::node_dir().join("node_modules").exists() {
        return Err("Node's socket.io is missing: run `npm ci --prefix bench/node`".into());
    }
    let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); kinds.len()];
    for round in 1..=options.rounds {
        for (i, &kind) in kinds.iter().enumerate() {
            let sample = measure(kind, &options).await?;
            eprintln!(
                "round {round}: {:<12} {:>6.1} KB/connection {:>6.2} µs/echo {:>8.0} echoes/s",
                kind.name(),
                sample.idle_bytes_per_connection / 1000.0,
                sample.cpu_per_echo.as_secs_f64() * 1e6,
                sample.echoes_per_second,
            );
            samples[i].push(sample);
        }
    }
    print_table(&kinds, &samples, &options);
    Ok(())
}

/// Starts `kind`, fills it with idle connections, then measures echoes.
async fn measure(kind: Kind, options: &Options) -> Result<Sample, BenchError> {
    let server = Server::start(kind)?;
    let (port, pid) = (server.port, server.pid());

    // One connection first, so that lazily built structures are not
    // charged to the measured ones.
    let mut first = Connection::open(port, NAMESPACE).await?;
    for id in 0..WARMUP_ECHOES {
        first.echo(id, PAYLOAD).await?;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let rss_before = process::rss_bytes(pid)?;
    let idle: Vec<Connection> = stream::iter(0..options.connections)
        .map(|_| Connection::open(port, NAMESPACE))
        .buffer_unordered(OPENING_AT_ONCE)
        .try_collect()
        .await?;
    let idle: Vec<_> = idle.into_iter().map(|c| tokio::spawn(c.idle())).collect();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_after = process::rss_bytes(pid)?;

    let mut clients = vec![first];
    for _ in 1..options.clients.max(1) {
        clients.push(Connection::open(port, NAMESPACE).await?);
    }
    let per_client = options.echoes / clients.len() as u64;
    let run = |clients: Vec<Connection>, from: u64, count: u64| {
        try_join_all(clients.into_iter().map(|mut c| async move {
            for id in from..from + count {
                c.echo(id, PAYLOAD).await?;
            }
            Ok::<_, BenchError>(c)
        }))
    };
    let clients = run(clients, WARMUP_ECHOES, WARMUP_ECHOES).await?;
    let cpu_before = process::cpu_time(pid)?;
    let started = Instant::now();
    run(clients, 2 * WARMUP_ECHOES, per_client).await?;
    let elapsed = started.elapsed();
    let cpu = process::cpu_time(pid)?.saturating_sub(cpu_before);
    for task in idle {
        task.abort();
    }
    let echoes = per_client * options.clients.max(1) as u64;
    Ok(Sample {
        idle_bytes_per_connection: rss_after.saturating_sub(rss_before) as f64
            / options.connections.max(1) as f64,
        cpu_per_echo: cpu / echoes.max(1) as u32,
        echoes_per_second: echoes as f64 / elapsed.as_secs_f64(),
    })
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn print_table(kinds: &[Kind], samples: &[Vec<Sample>], options: &Options) {
    let medians: Vec<(f64, f64, f64)> = samples
        .iter()
        .map(|s| {
            (
                median(s.iter().map(|x| x.idle_bytes_per_connection).collect()),
                median(
                    s.iter()
                        .map(|x| x.cpu_per_echo.as_secs_f64() * 1e6)
                        .collect(),
                ),
                median(s.iter().map(|x| x.echoes_per_second).collect()),
            )
        })
        .collect();
    let baseline = kinds
        .iter()
        .position(|&k| k == Kind::Bare)
        .map(|i| medians[i]);
    let ratio = |value: f64, base: Option<f64>| match base {
        Some(base) if base > 0.0 => format!("{:.2}×", value / base),
        _ => "-".to_owned(),
    };
    println!(
        "\n{} idle connections, {} echoes over {} clients, median of {} rounds\n",
        options.connections, options.echoes, options.clients, options.rounds
    );
    println!(
        "| server | idle memory / connection | vs socketioxide | server CPU / echo | vs socketioxide | echoes/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|");
    for (kind, &(memory, cpu, rate)) in kinds.iter().zip(&medians) {
        println!(
            "| {} | {:.1} KB | {} | {:.2} µs | {} | {:.0} |",
            kind.name(),
            memory / 1000.0,
            ratio(memory, baseline.map(|b| b.0)),
            cpu,
            ratio(cpu, baseline.map(|b| b.1)),
            rate,
        );
    }
}
