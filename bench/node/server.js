// The Node baseline: Socket.IO with its defaults, serving the same `/echo`
// namespace at the same path. Usage: node server.js <port>
const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || 3000);
const server = http.createServer();
const io = new Server(server, { path: "/wss", serveClient: false });
io.of("/echo").on("connection", (socket) => {
  socket.on("echo", (data, ack) => {
    if (typeof ack === "function") ack(data);
  });
});
server.listen(port, "127.0.0.1", () => {
  console.log(`node-echo: listening on http://127.0.0.1:${port}/wss`);
});
