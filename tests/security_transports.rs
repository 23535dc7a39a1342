//! Origins, payload sizes and per-address limits, sent as real requests.

use loly_tests::{Server, node};
use serde_json::json;

const APP: &str = "fixture-routing-app";

#[test]
fn foreign_origins_are_refused_on_both_transports() {
    let server = Server::start_with(
        APP,
        APP,
        &[("LOLY_REALTIME__ALLOWED_ORIGINS", "https://good.example")],
    );
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        const poll = (origin) => fetch(h.BASE + h.PATH + "/?EIO=4&transport=polling", { headers: origin ? { origin } : {} });
        h.run(async () => {
          const foreign = await poll("https://evil.example");
          const good = await poll("https://good.example");
          const noOrigin = await poll(null);
          const preflight = await fetch(h.BASE + h.PATH + "/?EIO=4&transport=polling", {
            method: "OPTIONS",
            headers: { origin: "https://good.example", "access-control-request-method": "POST", "access-control-request-headers": "content-type" },
          });
          const ws = (origin) => h.connect("/chat", { extraHeaders: { origin } }).then((s) => { s.close(); return "connected"; }, (e) => "refused: " + e.message);
          // The bare upgrade request, as a page on another site would send it.
          const upgrade = (origin) => new Promise((resolve, reject) => {
            const url = new URL(h.BASE + h.PATH + "/?EIO=4&transport=websocket");
            const req = require("node:http").request(url, { headers: {
              connection: "Upgrade", upgrade: "websocket", origin,
              "sec-websocket-version": "13", "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==",
            } });
            req.on("response", (res) => { res.resume(); resolve(res.statusCode); });
            req.on("upgrade", (res, socket) => { socket.destroy(); resolve(res.statusCode); });
            req.on("error", reject);
            req.end();
          });
          return {
            foreign: foreign.status,
            good: good.status,
            goodAllowOrigin: good.headers.get("access-control-allow-origin"),
            goodCredentials: good.headers.get("access-control-allow-credentials"),
            noOrigin: noOrigin.status,
            preflight: preflight.status,
            preflightHeaders: preflight.headers.get("access-control-allow-headers"),
            wsForeign: await ws("https://evil.example"),
            upgradeForeign: await upgrade("https://evil.example"),
            upgradeGood: await upgrade("https://good.example"),
            wsGood: await ws("https://good.example"),
          };
        });
        "#,
    );
    assert_eq!(
        out["foreign"], 403,
        "a foreign origin is refused on long-polling"
    );
    assert_eq!(out["good"], 200);
    assert_eq!(out["goodAllowOrigin"], "https://good.example");
    assert_eq!(out["goodCredentials"], "true");
    assert_eq!(out["noOrigin"], 200, "non-browser clients send no Origin");
    assert_eq!(out["preflight"], 200);
    assert!(
        out["preflightHeaders"]
            .as_str()
            .unwrap()
            .contains("content-type")
    );
    assert!(
        out["wsForeign"].as_str().unwrap().starts_with("refused"),
        "the websocket upgrade is refused too: {out}"
    );
    assert_eq!(out["wsGood"], "connected");
    assert_eq!(
        out["upgradeForeign"], 403,
        "the upgrade itself is refused with 403"
    );
    assert_eq!(out["upgradeGood"], 101);
}

#[test]
fn a_star_allows_every_origin() {
    let server = Server::start(APP, APP);
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const res = await fetch(h.BASE + h.PATH + "/?EIO=4&transport=polling", { headers: { origin: "https://anyone.example" } });
          return { status: res.status, allow: res.headers.get("access-control-allow-origin") };
        });
        "#,
    );
    assert_eq!(
        out,
        json!({ "status": 200, "allow": "https://anyone.example" })
    );
}

#[test]
fn oversize_payloads_are_refused_on_both_transports() {
    let server = Server::start_with(APP, APP, &[("LOLY_REALTIME__MAX_PAYLOAD_BYTES", "2000")]);
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        const attempt = async (transports, size) => {
          const s = await h.connect("/chat", { transports });
          const gone = h.next(s, "disconnect", 3000).then((reason) => "closed: " + reason, () => "open");
          const ack = h.ack(s, "sendMessage", { text: "x".repeat(size) }, 2000).then((a) => a.ok ? "handled" : a.error.code, () => "no ack");
          const result = { ack: await ack, connection: await gone };
          s.close();
          return result;
        };
        h.run(async () => ({
          wsSmall: await attempt(["websocket"], 100),
          wsLarge: await attempt(["websocket"], 5000),
          pollSmall: await attempt(["polling"], 100),
          pollLarge: await attempt(["polling"], 5000),
        }));
        "#,
    );
    assert_eq!(out["wsSmall"]["ack"], "handled");
    assert_eq!(out["pollSmall"]["ack"], "handled");
    for case in ["wsLarge", "pollLarge"] {
        assert_eq!(
            out[case]["ack"], "no ack",
            "{case}: the oversize message never reached a handler: {out}"
        );
        assert!(
            out[case]["connection"]
                .as_str()
                .unwrap()
                .starts_with("closed"),
            "{case}: {out}"
        );
    }
    let server_alive = node::run(
        &server,
        r#"const h = require("harness"); h.run(async () => { const s = await h.connect("/chat"); s.close(); return true; });"#,
    );
    assert_eq!(server_alive, json!(true), "the server keeps serving");
}

#[test]
fn the_twenty_first_connection_from_one_address_is_refused() {
    let server = Server::start(APP, APP);
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const sockets = [];
          for (let i = 0; i < 20; i++) sockets.push(await h.connect("/chat"));
          const twentyFirst = await h.connectError("/chat");
          sockets.pop().close();
          let again = "refused";
          for (let i = 0; i < 50 && again !== "connected"; i++) {
            await new Promise((r) => setTimeout(r, 20));
            again = await h.connect("/chat").then((s) => { sockets.push(s); return "connected"; }, () => "refused");
          }
          sockets.forEach((s) => s.close());
          return { twentyFirst: twentyFirst.message, again };
        });
        "#,
    );
    assert_eq!(
        out["twentyFirst"],
        "CONNECTION_LIMIT: too many connections from this address"
    );
    assert_eq!(
        out["again"], "connected",
        "the count goes down as sockets close"
    );
}
