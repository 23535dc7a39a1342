//! Health endpoints and a Prometheus scrape after real traffic.

use loly_tests::{Server, node};

#[test]
fn health_and_metrics_after_traffic() {
    let server = Server::start("fixture-pipeline-app", "fixture-pipeline-app");
    let metrics_url = server
        .metrics_url
        .clone()
        .expect("metrics are served by default");
    let out = node::run(
        &server,
        &format!(
            r#"
        const h = require("harness");
        h.run(async () => {{
          const healthz = await fetch(h.BASE + "/healthz");
          const readyz = await fetch(h.BASE + "/readyz");
          const s = await h.connect("/pipeline");
          await h.ack(s, "record", {{ name: "ok" }});
          await h.ack(s, "record", {{ name: "" }});
          await Promise.all(Array.from({{ length: 15 }}, () => h.ack(s, "record", {{ name: "x" }})));
          await h.ack(s, "nope", {{}});
          // 18 events so far: 70 more go over the socket's burst of 60.
          await Promise.all(Array.from({{ length: 70 }}, () => h.ack(s, "unlimited", {{}})));
          const scrape = await (await fetch("{metrics_url}")).text();
          s.close();
          return {{ healthz: healthz.status, readyz: readyz.status, scrape }};
        }});
        "#
        ),
    );
    assert_eq!(out["healthz"], 200);
    assert_eq!(out["readyz"], 200);
    let scrape = out["scrape"].as_str().unwrap();
    let has = |needle: &str| {
        assert!(
            scrape.lines().any(|l| l.starts_with(needle)),
            "no `{needle}` in:\n{scrape}"
        );
    };
    has(r#"loly_connections{namespace="/pipeline"} 1"#);
    has(r#"loly_events_total{namespace="/pipeline",event="record",outcome="ok"}"#);
    has(r#"loly_events_total{namespace="/pipeline",event="record",outcome="BAD_PAYLOAD"} 1"#);
    has(r#"loly_events_total{namespace="/pipeline",event="-",outcome="UNKNOWN_EVENT"} 1"#);
    has(r#"loly_errors_total{code="RATE_LIMIT"}"#);
    has(r#"loly_errors_total{code="BAD_PAYLOAD"} 1"#);
    has(r#"loly_errors_total{code="UNKNOWN_EVENT"} 1"#);
    has(r#"loly_rate_limited_total{namespace="/pipeline",scope="event"}"#);
    has(r#"loly_rate_limited_total{namespace="/pipeline",scope="socket"}"#);
    has(r#"loly_handler_seconds_bucket{namespace="/pipeline",event="record",le="0.001"}"#);
    has(r#"loly_handler_seconds_bucket{namespace="/pipeline",event="record",le="+Inf"}"#);
    has(r#"loly_handler_seconds_count{namespace="/pipeline",event="record"}"#);
}

#[test]
fn readiness_and_the_redis_gauge_follow_redis_in_cluster_mode() {
    let mut redis = loly_tests::redis::RedisServer::start();
    let server = Server::cluster("fixture-actions-app", &redis.url(), &[]);
    let metrics_url = server.metrics_url.clone().unwrap();
    let probe = format!(
        r#"
        const h = require("harness");
        h.run(async () => {{
          const ready = (await fetch(h.BASE + "/readyz")).status;
          await new Promise((r) => setTimeout(r, 2500));
          const scrape = await (await fetch("{metrics_url}")).text();
          const up = scrape.split("\n").find((l) => l.startsWith("loly_redis_up"));
          const heartbeats = scrape.split("\n").find((l) => l.startsWith("loly_cluster_heartbeats_total"));
          return {{ ready, up, heartbeats }};
        }});
        "#
    );
    let healthy = node::run(&server, &probe);
    assert_eq!(healthy["ready"], 200);
    assert_eq!(healthy["up"], "loly_redis_up 1");
    assert!(
        healthy["heartbeats"]
            .as_str()
            .is_some_and(|l| l.starts_with(r#"loly_cluster_heartbeats_total{result="ok"}"#)),
        "{healthy}"
    );
    redis.stop();
    let down = node::run(&server, &probe);
    assert_eq!(down["ready"], 503, "not ready without Redis");
    assert_eq!(down["up"], "loly_redis_up 0");
}
