/**
 * A programmable HTTP server on 127.0.0.1 standing in for the inference container where a test
 * needs it to misbehave (slow, 5xx, bad JSON, resets). Each request is recorded.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";

export interface StubRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export type StubBehaviour = (req: StubRequest, res: http.ServerResponse) => void;

export const answerLikeTheModel: StubBehaviour = (req, res) => {
  const { inputs } = JSON.parse(req.body) as { inputs: string[] };
  res.writeHead(200, { "Content-Type": "application/json" });
  res.end(
    JSON.stringify({ outputs: inputs.map(() => ({ label: "positive", score: 0.6 })), model: "stub", model_version: "0" }),
  );
};

export class StubServer {
  readonly requests: StubRequest[] = [];
  behaviour: StubBehaviour = answerLikeTheModel;
  private server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const request = { path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8") };
      this.requests.push(request);
      this.behaviour(request, res);
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
