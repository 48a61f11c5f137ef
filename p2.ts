import https from "node:https";
import { readFileSync } from "node:fs";
const cert = readFileSync("/tmp/probe/cert.pem", "utf8");
const key = readFileSync("/tmp/probe/key.pem", "utf8");
const srv = Bun.serve({ port: 0, hostname: "127.0.0.1", tls: { cert, key }, fetch(req) { return new Response("ok " + req.url); }});
try { console.log(await (await fetch(`https://127.0.0.1:${srv.port}/a`, { tls: { ca: cert } } as any)).text()); } catch (e) { console.log("fetch err", e); }
await new Promise<void>((res) => {
  const req = https.request(`https://127.0.0.1:${srv.port}/b`, { method: "GET", agent: new https.Agent({ ca: cert }) }, (r) => { let d=""; r.on("data", c=>d+=c); r.on("end", ()=>{console.log("https", d); res();}); });
  req.on("error", (e) => { console.log("https err", e); res(); });
  req.end();
});
await new Promise<void>((res) => {
  const req = https.request(`https://127.0.0.1:${srv.port}/c`, { method: "GET", ca: cert }, (r) => { let d=""; r.on("data", c=>d+=c); r.on("end", ()=>{console.log("https2", d); res();}); });
  req.on("error", (e) => { console.log("https2 err", e.message); res(); });
  req.end();
});
srv.stop(true);
