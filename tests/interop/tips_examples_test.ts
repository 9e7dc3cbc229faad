// The examples of docs/tips.md (Pyro5's Tips & Tricks), each run as written: the TypeScript side
// on this test's runtime, the Python side on real Python Pyro5 from .venv.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { connect } from "node:net";
import { pythonPath, ROOT } from "../fixtures/python.ts";
import { freePort, runtimeCommand } from "../helpers.ts";

const EX = `${ROOT}examples/`;

/** A started example program and everything it has printed so far. */
interface Running {
  child: ChildProcess;
  out(): string;
  /** Resolves with the first match of `pattern` in stdout, once it appears. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  /** Resolves with stdout once the program exits with 0; rejects on another code. */
  exited(): Promise<string>;
  stop(): Promise<void>;
}

function command(file: string): [string, string[]] {
  return file.endsWith(".py") ? [pythonPath(), [EX + file]] : runtimeCommand(EX + file);
}

/** Starts `examples/<file>` (`.ts` on this runtime, `.py` on the venv's Python). */
function start(file: string, args: string[] = []): Running {
  const [cmd, pre] = command(file);
  const child = spawn(cmd, [...pre, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  const watchers: Array<() => void> = [];
  child.stdout!.on("data", (d) => {
    out += d;
    for (const w of watchers.slice()) w();
  });
  child.stderr!.on("data", (d) => err += d);
  const exit = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => {
      for (const w of watchers.slice()) w();
      resolve(code);
    })
  );
  return {
    child,
    out: () => out,
    waitFor(pattern) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(pattern);
          if (m) {
            watchers.splice(watchers.indexOf(check), 1);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            watchers.splice(watchers.indexOf(check), 1);
            reject(
              new Error(`${file} exited (${child.exitCode}) before ${pattern}:\n${out}\n${err}`),
            );
          }
        };
        watchers.push(check);
        check();
      });
    },
    async exited() {
      const code = await exit;
      if (code !== 0) {
        throw new Error(`${file} ${args.join(" ")} exited with ${code}:\n${out}\n${err}`);
      }
      return out;
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
      await exit;
    },
  };
}

/** Runs `examples/<file>` to its end and returns what it printed. */
function run(file: string, args: string[] = []): Promise<string> {
  return start(file, args).exited();
}

/** Starts a server example with port 0 and returns it with the port it printed. */
async function server(file: string, args: string[] = []): Promise<[Running, number]> {
  const s = start(file, ["0", ...args]);
  // A whole line: a chunk may end in the middle of the port number.
  const m = await s.waitFor(/^Ready\..*?:(\d+)[ \t]*\n/m);
  return [s, Number(m[1])];
}

/** Runs `use` with a server example (see {@linkcode server}) and stops it afterwards. */
async function serving(
  file: string,
  use: (port: number, server: Running) => Promise<void>,
): Promise<void> {
  const [s, port] = await server(file);
  await withAll([s], () => use(port, s));
}

async function withAll(running: Running[], body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } finally {
    await Promise.all(running.map((r) => r.stop()));
  }
}

/** The checks every file transfer client prints, and its four rates. */
function assertTransfer(out: string, size: number): void {
  for (
    const way of [
      "bytes in a result, marshal",
      "bytes in a result, msgpack",
      "annotation chunks",
      "side socket",
    ]
  ) {
    assert.ok(out.includes(`${way}: ${size} bytes, sha256 ok\n`), `${way} in:\n${out}`);
    assert.match(out, new RegExp(`^${way}: \\d+\\.\\d MB/s$`, "m"));
  }
}

const SIZE = 3_000_000;

/** What the file transfer `client` prints, fetching SIZE bytes from `server` with `args`. */
async function transfer(serverFile: string, client: string, args: string[]): Promise<string> {
  const [s, port] = await server(`filetransfer/${serverFile}`, ["--size", String(SIZE)]);
  let out = "";
  await withAll([s], async () => {
    out = await run(`filetransfer/${client}`, [`localhost:${port}`, "--chunk", "100000", ...args]);
  });
  assertTransfer(out, SIZE);
  return out;
}

describe("tips examples: file transfer", () => {
  it("a Python client fetches a file three ways from our server (plain progress lines)", async () => {
    const out = await transfer("server.ts", "client.py", ["--plain"]);
    assert.ok(out.includes("annotation chunks: 25% (0.8 of 3.0 MB)\n"));
    assert.ok(out.includes("side socket: 100% (3.0 of 3.0 MB)\n"));
    assert.doesNotMatch(out, /\r/);
  });

  it("our client fetches a file three ways from a Python server, its bar redrawn in place", async () => {
    const out = await transfer("server.py", "client.ts", ["--tty"]);
    // Redrawn frames: carriage return, bar, percentage, rate, ETA, clear to the end of line.
    const ESC = String.fromCharCode(27);
    assert.match(
      out,
      new RegExp(`\rannotation chunks \\[#{30}\\] 100% \\d+\\.\\d MB/s ETA 0:00${ESC}\\[K\n`),
    );
    assert.match(out, /\rside socket \[[#.]{30}\] +\d+% /);
  });

  it("our client and our server, plain lines when stdout is not a terminal", async () => {
    const out = await transfer("server.ts", "client.ts", []);
    assert.ok(out.includes("bytes in a result, marshal: 100% (3.0 of 3.0 MB)\n"));
    assert.doesNotMatch(out, /\r/);
  });
});

describe("tips examples: blob dispatch", () => {
  for (const [side, name] of [["ts", "our"], ["py", "Python's"]]) {
    it(`${name} dispatcher routes blobs of Python and TypeScript producers to both kinds of listener`, async () => {
      await serving(`blob_dispatch/dispatcher.${side}`, async (port, d) => {
        const uri = `PYRO:example.blobdispatcher@localhost:${port}`;
        const py = start("blob_dispatch/listener.py", [uri, "weather", "2"]);
        const ts = start("blob_dispatch/listener.ts", [uri, "weather", "2"]);
        await withAll([py, ts], async () => {
          await py.waitFor(/^Ready\./m);
          await ts.waitFor(/^Ready\./m);
          assert.equal(
            await run("blob_dispatch/producer.py", [uri, "weather", "21.5"]),
            "sent 21.5 on weather to 2 listeners\n",
          );
          assert.equal(
            await run("blob_dispatch/producer.ts", [uri, "weather", "19"]),
            "sent 19 on weather to 2 listeners\n",
          );
          assert.equal(
            await py.exited(),
            "Ready. python listener on weather\n" +
              "python listener on weather got Reading(weather=21.5, from python)\n" +
              "python listener on weather got Reading(weather=19, from typescript)\n",
          );
          assert.equal(
            await ts.exited(),
            "Ready. typescript listener on weather\n" +
              "typescript listener on weather got Reading(weather=21.5, from python)\n" +
              "typescript listener on weather got Reading(weather=19, from typescript)\n",
          );
        });
        // The dispatcher only ever saw serialized bytes.
        assert.equal(d.out().match(/^dispatching a blob (of \d+ bytes )?on weather$/gm)?.length, 2);
      });
    });
  }
});

describe("tips examples: user sessions and resource tracking", () => {
  for (const [side, client] of [["ts", "py"], ["py", "ts"]]) {
    it(`usersession: a ${side} server, a ${client} client: per-user state through a USER annotation`, async () => {
      await serving(`usersession/server.${side}`, async (port) => {
        const out = await run(`usersession/client.${client}`, [`localhost:${port}`]);
        const lines = out.trimEnd().split("\n");
        assert.deepEqual(lines.slice(0, 8), [
          "* one proxy per user: each user has their own value",
          "alice's number: 42 - bob's number: 43",
          `alice's proxy still belongs to alice though this ${
            client === "py" ? "thread" : "context"
          } is now bob`,
          "* the singleton reads the user from each call",
          "as alice: alice 42",
          "as bob: bob 43",
          "as mallory: access denied for mallory",
          "* four callers at once on the session-bound database: 0 refused calls []",
        ]);
        // Whether callers collide on the shared connection depends on timing; any refusal is that one.
        assert.match(
          lines[8],
          /^\* four callers at once on the singleton database: (0 refused calls \[\]|\d+ refused calls \['concurrent use of one database connection'\])$/,
        );
        assert.equal(lines.length, 9);
      });
    });
  }

  for (const [side, client] of [["ts", "py"], ["py", "ts"]]) {
    it(`resourcetracking: a ${side} daemon closes what a vanished ${client} client allocated`, async () => {
      await serving(`resourcetracking/server.${side}`, async (port, s) => {
        const at = `localhost:${port}`;
        const file = `resourcetracking/client.${client}`;
        assert.equal(
          await run(file, [at, "clean"]),
          "allocated 2 resources, the server now has 2\nfreed them, the server now has 0\n",
        );
        const vanish = start(file, [at, "vanish"]);
        assert.equal(await vanish.exited(), "allocated 2 resources, the server now has 2\n");
        const pid = vanish.child.pid;
        await s.waitFor(new RegExp(`closing resource a-${pid}\\n`));
        await s.waitFor(new RegExp(`closing resource b-${pid}\\n`));
        await s.waitFor(
          /client 127\.0\.0\.1:\d+ disconnected.*\n(.|\n)*client 127\.0\.0\.1:\d+ disconnected.*\n/,
        );
        if (side === "py") {
          // Pyro5 calls clientDisconnect while the resources are still tracked, then closes them.
          assert.match(s.out(), new RegExp(`still tracking \\['a-${pid}', 'b-${pid}'\\]\\n`));
        }
        assert.equal(await run(file, [at, "list"]), "allocated: []\n");
      });
    });
  }
});

describe("tips examples: connected sockets", () => {
  it("socketpair/threads: a daemon and two proxies in turn between two Workers", async () => {
    assert.equal(
      await run("socketpair/threads.ts"),
      "main thread 0: daemon in thread 1, client in thread 2\n" +
        "client thread 2, proxy 1: thread 1 got: hello 1\n" +
        "client thread 2, proxy 1: thread 1 got: hello again 1\n" +
        "client thread 2, proxy 2: thread 1 got: hello 2\n" +
        "client thread 2, proxy 2: thread 1 got: hello again 2\n" +
        "The end.\n",
    );
  });

  for (const child of ["typescript", "python"]) {
    it(`socketpair/fork: a ${child} child serves over its stdin and stdout`, async () => {
      const out = await run("socketpair/fork.ts", [child]);
      assert.match(
        out,
        new RegExp(
          `^parent \\d+: client of a ${child} child \\d+\n` +
            "proxy 1: process <child> got: hello 1\n" +
            "proxy 2: process <child> got: hello 2\n" +
            "the child exited with 0\n$",
        ),
      );
    });
  }
});

describe("tips examples: NAT and IPv6", () => {
  for (const [side, client] of [["ts", "py"], ["py", "ts"]]) {
    it(`nat: a ${side} daemon behind a router, called by a ${client} client through both URIs`, async () => {
      const natport = await freePort();
      const s = start(`nat/server.${side}`, [String(natport)]);
      await withAll([s], async () => {
        await s.waitFor(/^Ready\.\n/m);
        const internal =
          s.out().match(/^internal uri = PYRO:example\.nat@(127\.0\.0\.1:\d+)$/m)![1];
        assert.match(
          s.out(),
          new RegExp(`^external uri = PYRO:example\\.nat@localhost:${natport}$`, "m"),
        );
        assert.match(
          s.out(),
          new RegExp(
            `^nat location = localhost:${natport}, internal location = ${
              internal.replaceAll(".", "\\.")
            }$`,
            "m",
          ),
        );
        const [, p0, p1] = s.out().match(
          /^natport 0 gives PYRO:example\.nat@gateway\.example\.com:(\d+) for 127\.0\.0\.1:(\d+)$/m,
        )!;
        assert.equal(p0, p1);
        const router = start("nat/router.ts", [String(natport), internal]);
        await withAll([router], async () => {
          await router.waitFor(/^Ready\./m);
          const name = client === "py" ? "python" : "typescript";
          const external = `PYRO:example.nat@localhost:${natport}`;
          assert.equal(
            await run(`nat/client.${client}`, [external, `PYRO:example.nat@${internal}`]),
            `${external}: hello ${name}, from a daemon behind NAT\n` +
              `PYRO:example.nat@${internal}: hello ${name}, from a daemon behind NAT\n`,
          );
        });
      });
    });
  }

  for (const [side, client] of [["ts", "py"], ["py", "ts"]]) {
    it(`ipv6: a ${side} daemon on [::1], a ${client} client`, async () => {
      await serving(`ipv6/server.${side}`, async (port, s) => {
        assert.match(
          s.out(),
          new RegExp(
            `^location \\[::1\\]:${port}\nReady\\. Object uri = PYRO:example\\.ipv6@\\[::1\\]:${port}\n`,
            "m",
          ),
        );
        const uri = `PYRO:example.ipv6@[::1]:${port}`;
        assert.equal(
          await run(`ipv6/client.${client}`, [uri]),
          `host ::1 (no brackets), port ${port}, shown as ${uri}\nyou are [::1]:<port>\n`,
        );
      });
    });
  }
});

describe("tips examples: call context and handshake", () => {
  it("callcontext: our daemon sees a Python client's correlation id and annotations", async () => {
    await serving("callcontext/server.ts", async (port) => {
      const out = await run("callcontext/client.py", [`PYRO:example.context@localhost:${port}`]);
      assert.equal(
        out,
        "echo: hi there {'DDAA': 'set by the daemon', 'ECHO': '8 characters'}\n" +
          "relay: relayed: hello {'DDAA': 'set by the daemon', 'ECHO': '14 characters'}\n" +
          "server saw echo: serializer 1, oneway False, XYZZ 'from the client (1)', our id\n" +
          "server saw log: serializer 1, oneway True, XYZZ 'from the client (2)', our id\n" +
          "server saw relay: serializer 1, oneway False, XYZZ 'from the client (2)', our id\n" +
          "server saw echo: serializer 1, oneway False, XYZZ 'from the client (2)', our id\n",
      );
    });
  });

  it("handshake: our client's handshake data is checked by a Python daemon", async () => {
    await serving("handshake/server.py", async (port, s) => {
      const out = await run("handshake/client.ts", [`PYRO:example.guarded@localhost:${port}`]);
      assert.equal(
        out,
        'the daemon answered: {"session":"granted","user":"carol"}\n' +
          "the answer is 42\n" +
          "without the token: no valid token\n",
      );
      await s.waitFor(/^accepted carol\ngoodbye carol\n/m);
    });
  });
});

/** What `nc host port </dev/zero | od -N 6` reads: zeros in, the first 6 bytes of the answer. */
function probe(port: number, host = "127.0.0.1"): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host, () => socket.write(new Uint8Array(40)));
    let got = Buffer.alloc(0);
    socket.on("data", (d: Uint8Array) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 6) {
        socket.destroy();
        resolve([...got.subarray(0, 6)]);
      }
    });
    socket.on("error", reject);
    socket.on("close", () => got.length < 6 && reject(new Error(`only ${got.length} bytes`)));
  });
}

describe("tips: the wire protocol probe", () => {
  it("our daemon and Python's both answer zeros with PYRO and 01 f6 (version 502)", async () => {
    const [ours, ourPort] = await server("callcontext/server.ts");
    const [theirs, theirPort] = await server("handshake/server.py");
    await withAll([ours, theirs], async () => {
      const expected = [0x50, 0x59, 0x52, 0x4f, 0x01, 0xf6];
      assert.deepEqual(await probe(ourPort), expected);
      assert.deepEqual(await probe(theirPort), expected);
    });
  });
});
