//! The seed's counter example, end to end: with the official client and in
//! a real browser (Debian's Chromium, driven by playwright-core).

use loly_tests::{Server, node, workspace_root};
use serde_json::json;

const APP: &str = "example-counter";

fn counter() -> Server {
    let client_js =
        workspace_root().join("tests/node/node_modules/socket.io-client/dist/socket.io.min.js");
    Server::start_with(APP, APP, &[("LOLY_CLIENT_JS", client_js.to_str().unwrap())])
}

#[test]
fn two_clients_increment_and_decrement_and_see_the_same_final_count() {
    let server = counter();
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const connectWithState = async (name) => {
            const s = h.socket("/counter", { auth: { name } });
            const state = await h.next(s, "counter-state");
            return { s, state };
          };
          const a = await connectWithState("ann");
          const b = await connectWithState("ben");
          let lastA = null, lastB = null;
          a.s.on("counter-update", (u) => { lastA = u.count; });
          b.s.on("counter-update", (u) => { lastB = u.count; });
          const ops = [];
          for (let i = 0; i < 10; i++) {
            ops.push(h.ack(a.s, "increment", { by: 3 }));
            ops.push(h.ack(b.s, "decrement", { by: 1 }));
            ops.push(h.ack(b.s, "increment"));
          }
          await Promise.all(ops);
          const users = await h.ack(a.s, "get-users");
          const invalid = await h.ack(a.s, "increment", { by: 11 });
          // Both sockets got every update; wait for the last one on each.
          const final = (await h.ack(a.s, "increment", { by: 1 })).data.count;
          for (let i = 0; i < 100 && (lastA !== final || lastB !== final); i++) await new Promise((r) => setTimeout(r, 10));
          const late = await connectWithState("cid");
          [a.s, b.s, late.s].forEach((s) => s.close());
          return { initial: [a.state.count, b.state.count], final, lastA, lastB, users: users.data.users, invalid: invalid.error.code, late: late.state.count };
        });
        "#,
    );
    assert_eq!(out["initial"], json!([0, 0]));
    assert_eq!(out["final"], 31, "10 × (+3 -1 +1) + 1");
    assert_eq!(out["lastA"], 31, "the clicking client sees its own update");
    assert_eq!(out["lastB"], 31);
    assert_eq!(out["users"], json!(["ann", "ben"]));
    assert_eq!(out["invalid"], "BAD_PAYLOAD", "by is 1 to 10");
    assert_eq!(out["late"], 31, "counter-state on connect");
}

#[test]
fn clicking_in_one_browser_page_updates_both() {
    let server = counter();
    let out = node::run_with(
        &server,
        r##"
        const { chromium } = require("playwright-core");
        const h = require("harness");
        h.run(async () => {
          const browser = await chromium.launch({
            executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
            args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                   "--disable-background-networking", "--disable-component-update", "--disable-sync"],
          });
          try {
            const one = await browser.newPage();
            const two = await browser.newPage();
            await one.goto(h.BASE + "/?name=one");
            await two.goto(h.BASE + "/?name=two");
            for (const page of [one, two]) await page.waitForFunction(() => document.getElementById("count").textContent === "0");
            await one.click("#inc");
            const seen = async (page) => {
              await page.waitForFunction(() => document.getElementById("count").textContent === "1", null, { timeout: 5000 });
              return page.textContent("#count");
            };
            const counts = [await seen(one), await seen(two)];
            await two.click("#dec");
            await two.click("#dec");
            await one.waitForFunction(() => document.getElementById("count").textContent === "-1", null, { timeout: 5000 });
            await one.click("#who");
            await one.waitForFunction(() => document.getElementById("users").textContent.includes("two"), null, { timeout: 5000 });
            return { counts, afterDecrements: await one.textContent("#count"), users: await one.textContent("#users") };
          } finally {
            await browser.close();
          }
        });
        "##,
        &[],
    );
    assert_eq!(
        out["counts"],
        json!(["1", "1"]),
        "the clicking page and the other page both show 1"
    );
    assert_eq!(out["afterDecrements"], "-1");
    assert_eq!(out["users"], "Here: one, two");
}
