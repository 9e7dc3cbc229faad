// A daemon in one Worker and a client in another, talking over a MessageChannel: Pyro's
// connected-socket mode between threads, as Pyro5's socketpair example does with a thread.
// Run: deno run -A examples/socketpair/threads.ts       (bun and node run it as well)
import { isMainThread, MessageChannel, threadId, Worker, workerData } from "node:worker_threads";
import { Daemon, expose, Proxy } from "../../mod.ts";
import { portStreams, SharedStream } from "./pair.ts";

class Echo {
  echo(message: string) {
    return `thread ${threadId} got: ${message}`;
  }
}
expose(Echo);

if (isMainThread) {
  // The two ends of the channel go to two Workers, like the two sockets of a socketpair().
  const { port1, port2 } = new MessageChannel();
  const self = new URL(import.meta.url);
  const server = new Worker(self, {
    workerData: { role: "server", port: port1 },
    transferList: [port1],
  });
  const client = new Worker(self, {
    workerData: { role: "client", port: port2 },
    transferList: [port2],
  });
  console.log(
    `main thread ${threadId}: daemon in thread ${server.threadId}, client in thread ${client.threadId}`,
  );
  await Promise.all([server, client].map((w) => new Promise((resolve) => w.once("exit", resolve))));
  console.log("The end.");
} else if (workerData.role === "server") {
  const { readable, writable } = portStreams(workerData.port);
  const stream = new SharedStream(readable, writable, "worker-channel");
  await using daemon = await Daemon.create({ connectedSocket: stream.lease() });
  daemon.register(Echo, "echo");
  await stream.ended; // the client's side closed the channel
} else {
  const { readable, writable } = portStreams(workerData.port);
  const stream = new SharedStream(readable, writable, "worker-channel");
  // Two proxies in turn on the one channel, each reaching the object by its name alone.
  for (const round of [1, 2]) {
    await using echo = new Proxy("echo", { connectedSocket: stream.lease() });
    console.log(`client thread ${threadId}, proxy ${round}:`, await echo.echo(`hello ${round}`));
    console.log(
      `client thread ${threadId}, proxy ${round}:`,
      await echo.echo(`hello again ${round}`),
    );
  }
  await stream.close();
}
