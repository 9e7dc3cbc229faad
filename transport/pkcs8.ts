/**
 * Decrypts a password-protected PKCS#8 private key (`-----BEGIN ENCRYPTED PRIVATE KEY-----`,
 * what `openssl` writes by default) with WebCrypto: PBES2 with PBKDF2 (HMAC-SHA1/256/384/512)
 * and AES-CBC. Deno's TLS (native and `node:tls`) cannot load encrypted keys (Deno 2.9: its
 * `createPrivateKey` fails with "DECODER routines::unsupported" and `node:tls` sends no client
 * certificate), so the TLS adapter hands it the decrypted key.
 *
 * @module
 */

const OID = {
  pbes2: "1.2.840.113549.1.5.13",
  pbkdf2: "1.2.840.113549.1.5.12",
  hmacSha1: "1.2.840.113549.2.7",
  hmacSha256: "1.2.840.113549.2.9",
  hmacSha384: "1.2.840.113549.2.10",
  hmacSha512: "1.2.840.113549.2.11",
  aes128cbc: "2.16.840.1.101.3.4.1.2",
  aes192cbc: "2.16.840.1.101.3.4.1.22",
  aes256cbc: "2.16.840.1.101.3.4.1.42",
} as const;

const HASHES: Record<string, string> = {
  [OID.hmacSha1]: "SHA-1",
  [OID.hmacSha256]: "SHA-256",
  [OID.hmacSha384]: "SHA-384",
  [OID.hmacSha512]: "SHA-512",
};
const AES_KEY_BYTES: Record<string, number> = {
  [OID.aes128cbc]: 16,
  [OID.aes192cbc]: 24,
  [OID.aes256cbc]: 32,
};

interface Node {
  tag: number;
  /** The content bytes. */
  value: Uint8Array;
}

/** Reads one DER element at `offset`; returns it and the offset after it. */
function readDer(der: Uint8Array, offset: number): [Node, number] {
  const fail = () => {
    throw new TypeError("invalid encrypted private key: malformed DER");
  };
  if (offset + 2 > der.length) fail();
  const tag = der[offset];
  let length = der[offset + 1];
  let at = offset + 2;
  if (length & 0x80) {
    const n = length & 0x7f;
    if (n === 0 || n > 4 || at + n > der.length) fail();
    length = 0;
    for (let i = 0; i < n; i++) length = length * 256 + der[at++];
  }
  if (at + length > der.length) fail();
  return [{ tag, value: der.subarray(at, at + length) }, at + length];
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (let at = 0; at < node.value.length;) {
    const [child, next] = readDer(node.value, at);
    out.push(child);
    at = next;
  }
  return out;
}

function oid(node: Node): string {
  const v = node.value;
  const parts = [Math.floor(v[0] / 40), v[0] % 40];
  let n = 0;
  for (let i = 1; i < v.length; i++) {
    n = n * 128 + (v[i] & 0x7f);
    if (!(v[i] & 0x80)) {
      parts.push(n);
      n = 0;
    }
  }
  return parts.join(".");
}

function integer(node: Node): number {
  let n = 0;
  for (const b of node.value) n = n * 256 + b;
  return n;
}

function pemBody(pem: string, label: string): Uint8Array | null {
  const m = new RegExp(`-----BEGIN ${label}-----([^-]+)-----END ${label}-----`).exec(pem);
  if (!m) return null;
  const binary = atob(m[1].replace(/\s+/g, ""));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function toPem(der: Uint8Array, label: string): string {
  let binary = "";
  for (const b of der) binary += String.fromCharCode(b);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

/**
 * True when `pem` holds a password-protected key.
 *
 * @param pem the key file's text
 * @returns whether it needs a password
 */
export function isEncryptedKey(pem: string): boolean {
  return pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----") ||
    /Proc-Type:\s*4,ENCRYPTED/.test(pem);
}

/**
 * Decrypts an encrypted PKCS#8 key to an unencrypted PKCS#8 PEM.
 *
 * @param pem the key file's text
 * @param password the key's password
 * @returns the key as `-----BEGIN PRIVATE KEY-----` PEM
 * @throws {TypeError} for a wrong password, an unsupported scheme or a malformed key
 */
export async function decryptPrivateKey(pem: string, password: string): Promise<string> {
  const der = pemBody(pem, "ENCRYPTED PRIVATE KEY");
  if (!der) {
    throw new TypeError(
      "cannot decrypt this key: only PKCS#8 (BEGIN ENCRYPTED PRIVATE KEY) is supported; " +
        "convert it with `openssl pkcs8 -topk8`",
    );
  }
  const [info] = readDer(der, 0);
  const [algorithm, data] = children(info);
  const [schemeOid, schemeParams] = children(algorithm);
  if (oid(schemeOid) !== OID.pbes2) {
    throw new TypeError("cannot decrypt this key: only PBES2 encryption is supported");
  }
  const [kdf, cipher] = children(schemeParams);
  const [kdfOid, kdfParams] = children(kdf);
  if (oid(kdfOid) !== OID.pbkdf2) {
    throw new TypeError("cannot decrypt this key: only PBKDF2 key derivation is supported");
  }
  const kdfFields = children(kdfParams);
  const salt = kdfFields[0].value;
  const iterations = integer(kdfFields[1]);
  const prf = kdfFields.find((f, i) => i >= 2 && f.tag === 0x30);
  const hash = prf ? HASHES[oid(children(prf)[0])] : "SHA-1";
  const [cipherOid, iv] = children(cipher);
  const keyBytes = AES_KEY_BYTES[oid(cipherOid)];
  if (!hash || !keyBytes) {
    throw new TypeError("cannot decrypt this key: unsupported hash or cipher (use AES-CBC)");
  }
  const subtle = crypto.subtle;
  const base = await subtle.importKey(
    "raw",
    new TextEncoder().encode(password),
    "PBKDF2",
    false,
    ["deriveKey"],
  );
  const key = await subtle.deriveKey(
    { name: "PBKDF2", salt: salt.slice(), iterations, hash },
    base,
    { name: "AES-CBC", length: keyBytes * 8 },
    false,
    ["decrypt"],
  );
  let plain: ArrayBuffer;
  try {
    plain = await subtle.decrypt(
      { name: "AES-CBC", iv: iv.value.slice() },
      key,
      data.value.slice(),
    );
  } catch {
    throw new TypeError("cannot decrypt the private key: wrong password");
  }
  return toPem(new Uint8Array(plain), "PRIVATE KEY");
}
