import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { expect } from "chai";
import { loadConfig } from "../../src/config";
import { createS3Client } from "../../src/storage/s3";
import { s3ErrorCode } from "../../src/storage/s3-error";
import { freePort } from "../support/own-redis";
import { services } from "../support/services";

const SCRIPT = path.resolve(__dirname, "../../scripts/services.sh");

/** Runs scripts/services.sh with these variables (MariaDB and Redis are already up: for them it is a no-op). */
function servicesSh(env: Record<string, string>, args: string[] = [], timeoutMs = 60_000): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", [SCRIPT, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`services.sh did not finish within ${timeoutMs} ms:\n${out}`));
    }, timeoutMs);
    child.once("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

/** Pids of the Ceph daemons whose config is this file (read from /proc, as the script itself does). */
function cephDaemonsOf(conf: string): number[] {
  return fs.readdirSync("/proc").filter((p) => /^\d+$/.test(p)).flatMap((pid) => {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return cmd.includes(conf) && /(ceph-mon|ceph-osd|radosgw)$/.test(cmd[0]) ? [Number(pid)] : [];
    } catch {
      return [];
    }
  });
}

function s3At(endpoint: string, accessKey = "openedx-workers", secretKey = "openedx-workers-secret"): S3Client {
  return createS3Client(loadConfig({ S3_ENDPOINT: endpoint, S3_FORCE_PATH_STYLE: "true", AWS_ACCESS_KEY_ID: accessKey, AWS_SECRET_ACCESS_KEY: secretKey }), { maxAttempts: 1 });
}

describe("scripts/services.sh: S3", () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ow-services-"));
    dirs.push(dir);
    return path.join(dir, "ceph");
  };
  after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

  describe("an S3 already on the port, not started by the script", () => {
    // The shared RGW, seen from a state dir of its own: for the script, an S3 it did not start. Only a signed
    // ListBuckets is sent to it; nothing there is changed.
    const sharedPort = new URL(services.s3Endpoint).port;
    const env = (keys: Record<string, string>) => ({ S3_PORT: sharedPort, CEPH_DIR: tempDir(), ...keys });

    it("with an access key it does not know: exit 2 naming InvalidAccessKeyId and the variables to set, no stack trace", async () => {
      const { code, out } = await servicesSh(env({ S3_ACCESS_KEY: "no-such-access-key", S3_SECRET_KEY: "whatever" }));
      expect(code, out).to.equal(2);
      expect(out).to.contain(`services.sh: ERROR: s3: the S3 server on 127.0.0.1:${sharedPort} refuses S3_ACCESS_KEY/S3_SECRET_KEY: InvalidAccessKeyId (HTTP 403): it has no access key S3_ACCESS_KEY=no-such-access-key.`);
      expect(out).to.contain("set S3_ACCESS_KEY and S3_SECRET_KEY to a key pair that server accepts");
      expect(out).to.contain("set S3_PORT to a free port");
      expect(out).not.to.match(/^\s+at |UnknownError|assuming/m);
    });

    it("with a known access key and another secret: exit 2 naming SignatureDoesNotMatch and S3_SECRET_KEY", async () => {
      const { code, out } = await servicesSh(env({ S3_ACCESS_KEY: services.s3AccessKey, S3_SECRET_KEY: "not-the-secret" }));
      expect(code, out).to.equal(2);
      expect(out).to.contain(`SignatureDoesNotMatch (HTTP 403): it has access key S3_ACCESS_KEY=${services.s3AccessKey}, with another secret than S3_SECRET_KEY`);
    });

    it("with keys it accepts: uses it, exit 0", async () => {
      const { code, out } = await servicesSh(env({ S3_ACCESS_KEY: services.s3AccessKey, S3_SECRET_KEY: services.s3SecretKey }));
      expect(code, out).to.equal(0);
      expect(out).to.contain(`s3: an S3 server not started by this script answers on 127.0.0.1:${sharedPort} and accepts S3_ACCESS_KEY=${services.s3AccessKey}: using it`);
    });
  });

  describe("its own Ceph on non-default ports", function () {
    this.timeout(300_000);
    let cephDir = "";
    let s3Port = 0;
    let monPort = 0;
    const env = () => ({ S3_PORT: String(s3Port), CEPH_MON_PORT: String(monPort), CEPH_DIR: cephDir });
    const clients: S3Client[] = [];
    before(async () => {
      cephDir = tempDir();
      s3Port = await freePort();
      monPort = await freePort();
    });
    after(async () => {
      clients.forEach((c) => c.destroy());
      const { code, out } = await servicesSh(env(), ["--stop-s3"]);
      expect(code, out).to.equal(0);
      expect(cephDaemonsOf(path.join(cephDir, "ceph.conf")), "daemons left after --stop-s3").to.deep.equal([]);
    });

    it("starts (monitor client mode crc), says which ports, and answers signed S3 requests with its keys only", async () => {
      const started = await servicesSh(env(), [], 240_000);
      expect(started.code, started.out).to.equal(0);
      expect(started.out).to.contain(`S3 (RGW) on 127.0.0.1:${s3Port}, monitor on 127.0.0.1:${monPort}, state and logs in ${cephDir}`);
      expect(started.out).to.contain(`s3: ready at http://127.0.0.1:${s3Port}`);
      expect(started.out).not.to.contain("get_initial_auth_request");
      expect(cephDaemonsOf(path.join(cephDir, "ceph.conf"))).to.have.length(3);

      const s3 = s3At(`http://127.0.0.1:${s3Port}`);
      clients.push(s3);
      await s3.send(new CreateBucketCommand({ Bucket: "own-ceph" }));
      await s3.send(new PutObjectCommand({ Bucket: "own-ceph", Key: "a/b.txt", Body: "hello" }));
      const got = await s3.send(new GetObjectCommand({ Bucket: "own-ceph", Key: "a/b.txt" }));
      expect(await got.Body!.transformToString()).to.equal("hello");
      expect((await s3.send(new ListObjectsV2Command({ Bucket: "own-ceph" }))).Contents?.map((o) => o.Key)).to.deep.equal(["a/b.txt"]);

      const stranger = s3At(`http://127.0.0.1:${s3Port}`, "no-such-access-key", "x");
      clients.push(stranger);
      const refused = await stranger.send(new ListObjectsV2Command({ Bucket: "own-ceph" })).then(() => undefined, (err: unknown) => err);
      expect(s3ErrorCode(refused)).to.equal("InvalidAccessKeyId");

      // A second run finds it running, as its own, and checks the keys again.
      const again = await servicesSh(env());
      expect(again.code, again.out).to.equal(0);
      expect(again.out).to.contain(`s3: already running (our Ceph RGW in ${cephDir})`);
    });
  });
});
