//! The seed's counter in cluster mode: 2 instances × 10 clients × 100
//! increments give exactly 2,000.

use loly_tests::{Server, node, redis::RedisServer};
use serde_json::json;

#[test]
fn two_instances_ten_clients_each_a_hundred_increments_give_exactly_two_thousand() {
    let redis = RedisServer::start();
    let a = Server::cluster("example-counter", &redis.url(), &[]);
    let b = Server::cluster("example-counter", &redis.url(), &[]);
    let urls = json!([a.base_url, b.base_url]).to_string();
    let out = node::run_with(
        &a,
        r#"
        const h = require("harness");
        const urls = JSON.parse(process.env.URLS);
        h.run(async () => {
          const client = (i) => new Promise((resolve, reject) => {
            const s = h.io(urls[i % 2] + "/counter", { path: h.PATH, transports: ["websocket"], forceNew: true, reconnection: false, auth: { name: "c" + i } });
            s.once("counter-state", () => resolve(s));
            s.once("connect_error", reject);
          });
          const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => client(i)));
          let limited = 0;
          // Each increment is retried when rate-limited, as a client should:
          // a refused increment did not count, an accepted one counted once.
          const increment = async (s) => {
            for (;;) {
              const ack = await h.ack(s, "increment", { by: 1 }, 10000);
              if (ack.ok) return ack.data.count;
              if (ack.error.code !== "RATE_LIMIT") throw new Error(JSON.stringify(ack.error));
              limited += 1;
              await new Promise((r) => setTimeout(r, ack.error.details.retryAfterMs));
            }
          };
          const counts = await Promise.all(clients.map(async (s) => {
            const seen = [];
            for (let n = 0; n < 100; n++) seen.push(await increment(s));
            return seen;
          }));
          const all = counts.flat().sort((x, y) => x - y);
          const final = (await h.ack(clients[0], "increment", { by: 1 })).data.count - 1;
          clients.forEach((s) => s.close());
          return { final, distinct: new Set(all).size, max: all[all.length - 1], limited };
        });
        "#,
        &[("URLS", &urls)],
    );
    assert_eq!(out["final"], 2000, "{out}");
    assert_eq!(
        out["distinct"], 2000,
        "every increment saw its own value: {out}"
    );
    assert_eq!(out["max"], 2000);
}
