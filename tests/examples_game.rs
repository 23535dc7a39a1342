//! The game example: each `/game/{roomId}` is its own room.

use loly_tests::{Server, node};
use serde_json::json;

#[test]
fn moves_reach_exactly_the_players_of_their_room() {
    let server = Server::start("example-game", "example-game");
    let out = node::run(
        &server,
        r#"
        const h = require("harness");
        h.run(async () => {
          const join = async (room, player) => {
            const s = h.socket("/game/" + room, { auth: { player } });
            return { s, state: await h.next(s, "game-state") };
          };
          const ann = await join("1", "ann");
          const joinedSeen = h.next(ann.s, "player-joined");
          const ben = await join("1", "ben");
          const joined = await joinedSeen;
          const cid = await join("2", "cid");
          const cidSaw = [];
          cid.s.on("moved", (m) => cidSaw.push(m));
          const benSaw = h.next(ben.s, "moved");
          const ack = await h.ack(ann.s, "move", { x: 3, y: 4 });
          const offBoard = await h.ack(ann.s, "move", { x: 10, y: 0 });
          const seen = await benSaw;
          const otherRoom = await h.ack(cid.s, "move", { x: 0, y: 0 });
          const leftSeen = h.next(ann.s, "player-left");
          ben.s.close();
          const left = await leftSeen;
          const refused = await h.connectError("/game/1");
          [ann.s, cid.s].forEach((s) => s.close());
          return { annState: ann.state, benState: ben.state, joined, ack: ack.data, offBoard: offBoard.error.code, seen, cidSaw, otherRoom: otherRoom.data, left, refused: refused.message };
        });
        "#,
    );
    assert_eq!(
        out["annState"],
        json!({ "roomId": "1", "players": ["ann"], "moves": 0 })
    );
    assert_eq!(out["benState"]["players"], json!(["ann", "ben"]));
    assert_eq!(out["joined"], json!({ "player": "ben" }));
    assert_eq!(
        out["ack"],
        json!({ "player": "ann", "x": 3, "y": 4, "moves": 1 })
    );
    assert_eq!(out["offBoard"], "BAD_PAYLOAD");
    assert_eq!(
        out["seen"], out["ack"],
        "the other player in room 1 sees the move"
    );
    assert_eq!(
        out["cidSaw"],
        json!([{ "player": "cid", "x": 0, "y": 0, "moves": 1 }]),
        "room 2 sees only its own moves, none of room 1's"
    );
    assert_eq!(
        out["otherRoom"]["moves"], 1,
        "each room counts its own moves"
    );
    assert_eq!(out["left"], json!({ "player": "ben" }));
    assert!(out["refused"].as_str().unwrap().starts_with("UNAUTHORIZED"));
}
