import { ApiError } from "../errors";
import { readLimited } from "./bounded-read";
import { IMAGE_MAX_BYTES, type ImageInfo, inspectImage } from "./image-intake";

/**
 * The one module that fetches user-supplied URLs (person image URLs, product
 * image URLs; `checkUrlSafety` is shared with webhook destinations).
 *
 * A Worker cannot resolve DNS itself, so the checks here are URL-level: scheme,
 * credentials, port, IP literals in every encoding the WHATWG parser accepts
 * (it normalizes decimal, hex, octal and short forms to dotted quads), and
 * names that only make sense inside a private network (trailing dots stripped,
 * empty labels refused). A public-looking name that RESOLVES to a private
 * address is not caught here: on Cloudflare, a Worker's outbound fetch cannot
 * reach private networks, so Cloudflare's egress stops it (DNS rebinding
 * included). Under `wrangler dev` the fetch leaves from this machine and such
 * a name is not stopped. docs/images-and-products.md states this boundary.
 */
export type FetchPurpose = "customer" | "product";

export const FETCH_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 3;
/** Ports a public image host plausibly uses; anything else is refused (internal admin ports, SMTP, Redis…). */
const ALLOWED_PORTS = new Set(["", "80", "443", "8080", "8443"]);
const BLOCKED_SUFFIXES = [".localhost", ".local", ".internal", ".home.arpa", ".lan", ".intranet", ".corp"];
/** Public wildcard-DNS services that resolve any name to the IP written in it (rebinding helpers). */
const REBINDING_DOMAINS = ["nip.io", "sslip.io", "xip.io", "localtest.me", "lvh.me", "traefik.me"];

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/** URL-level rules only (scheme, credentials, ports, IP literals in every encoding, blocked names). */
export function checkUrlSafety(url: string, opts: { allowLoopback: boolean; allowedSchemes?: readonly ("http:" | "https:")[] }): UrlCheck {
  const schemes = opts.allowedSchemes ?? ["http:", "https:"];
  if (typeof url !== "string" || url.length === 0) return { ok: false, reason: "the URL is empty" };
  if (url.length > 4096) return { ok: false, reason: "the URL is longer than 4096 characters" };
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, reason: "the URL is not a valid absolute URL" };
  }
  if (!(schemes as readonly string[]).includes(u.protocol)) {
    return { ok: false, reason: `scheme "${u.protocol.replace(/:$/, "")}" is not allowed (only ${schemes.map((s) => s.replace(/:$/, "")).join(", ")})` };
  }
  if (u.username !== "" || u.password !== "") return { ok: false, reason: "credentials in the URL are not allowed" };

  // Every trailing dot goes (`localhost..` is `localhost`); an empty label inside (`a..b`, `.a`) is refused.
  const host = u.hostname.toLowerCase().replace(/\.+$/, "");
  if (host === "") return { ok: false, reason: "the URL has no host" };
  if (!host.startsWith("[") && host.split(".").some((label) => label === "")) {
    return { ok: false, reason: `the host name "${host}" has an empty label` };
  }

  const literal = classifyIpLiteral(host);
  const isLoopback = isLoopbackHost(host);
  if (isLoopback && opts.allowLoopback) return { ok: true, url: u };

  if (!ALLOWED_PORTS.has(u.port)) return { ok: false, reason: `port ${u.port} is not allowed (only the default ports, 8080 and 8443)` };
  if (literal) {
    return {
      ok: false,
      reason: literal.cls === "public" ? "IP-address hosts are not allowed; use a hostname" : `blocked address: ${literal.cls} (${literal.range})`,
    };
  }
  if (isLoopback) return { ok: false, reason: `blocked host name "${host}" (loopback)` };
  const suffix = BLOCKED_SUFFIXES.find((s) => host.endsWith(s) || host === s.slice(1));
  if (suffix) return { ok: false, reason: `blocked host name "${host}" (private name *${suffix})` };
  if (!host.includes(".")) return { ok: false, reason: `blocked host name "${host}" (single-label names are private)` };
  const rebind = REBINDING_DOMAINS.find((d) => host === d || host.endsWith(`.${d}`));
  if (rebind) return { ok: false, reason: `blocked host name "${host}" (wildcard DNS service ${rebind})` };
  return { ok: true, url: u };
}

/** localhost, *.localhost, 127.0.0.0/8 and ::1, whatever the case and trailing dots: the hosts the dev flag lets through. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.+$/, "");
  return host === "localhost" || host.endsWith(".localhost") || classifyIpLiteral(host)?.cls === "loopback";
}

interface IpClass {
  cls: string;
  range: string;
}

/** Classifies a hostname that is an IP literal; null for a DNS name. */
export function classifyIpLiteral(host: string): IpClass | null {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
    const parts = host.split(".").map(Number);
    if (parts.some((p) => p > 255)) return { cls: "invalid", range: host };
    return classifyV4(parts as [number, number, number, number]);
  }
  if (host.startsWith("[") && host.endsWith("]")) {
    const groups = parseIpv6(host.slice(1, -1));
    if (!groups) return { cls: "invalid IPv6", range: host };
    return classifyV6(groups);
  }
  return null;
}

/** [network base, prefix bits, class, CIDR]: every non-public IPv4 block worth naming. */
const V4_RANGES: Array<[number, number, string, string]> = [
  [0x00000000, 8, "unspecified/this-network", "0.0.0.0/8"],
  [0x0a000000, 8, "private", "10.0.0.0/8"],
  [0x64400000, 10, "carrier-grade NAT", "100.64.0.0/10"],
  [0x7f000000, 8, "loopback", "127.0.0.0/8"],
  [0xa9fe0000, 16, "link-local/metadata", "169.254.0.0/16"],
  [0xac100000, 12, "private", "172.16.0.0/12"],
  [0xc0000000, 24, "IETF protocol assignments", "192.0.0.0/24"],
  [0xc0000200, 24, "documentation", "192.0.2.0/24"],
  [0xc0a80000, 16, "private", "192.168.0.0/16"],
  [0xc6120000, 15, "benchmarking", "198.18.0.0/15"],
  [0xc6336400, 24, "documentation", "198.51.100.0/24"],
  [0xcb007100, 24, "documentation", "203.0.113.0/24"],
  [0xe0000000, 4, "multicast", "224.0.0.0/4"],
  [0xf0000000, 4, "reserved/broadcast", "240.0.0.0/4"],
];

function classifyV4([a, b, c, d]: [number, number, number, number]): IpClass {
  const v = ((a << 24) >>> 0) + (b << 16) + (c << 8) + d;
  for (const [base, bits, cls, range] of V4_RANGES) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    if ((v & mask) >>> 0 === base) return { cls, range };
  }
  return { cls: "public", range: `${a}.${b}.${c}.${d}` };
}

/** Eight 16-bit groups, or null. Accepts `::` compression, a zone id and a trailing dotted IPv4. */
export function parseIpv6(input: string): number[] | null {
  let s = input.split("%")[0] ?? "";
  let tail: number[] = [];
  const v4 = /^(.*:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(s);
  if (v4) {
    const p = (v4[2] ?? "").split(".").map(Number);
    if (p.some((x) => x > 255)) return null;
    tail = [((p[0] ?? 0) << 8) | (p[1] ?? 0), ((p[2] ?? 0) << 8) | (p[3] ?? 0)];
    s = v4[1] ?? "";
    if (!s.endsWith("::")) s = s.slice(0, -1);
  }
  const list = (h: string) => (h === "" ? [] : h.split(":").map((g) => (/^[0-9a-f]{1,4}$/i.test(g) ? parseInt(g, 16) : NaN)));
  const dbl = s.indexOf("::");
  let groups: number[];
  if (dbl >= 0) {
    if (s.indexOf("::", dbl + 1) >= 0) return null;
    const head = list(s.slice(0, dbl));
    const rest = list(s.slice(dbl + 2));
    const fill = 8 - tail.length - head.length - rest.length;
    if (fill < 1) return null;
    groups = [...head, ...new Array<number>(fill).fill(0), ...rest, ...tail];
  } else {
    groups = [...list(s), ...tail];
  }
  if (groups.length !== 8 || groups.some((g) => Number.isNaN(g))) return null;
  return groups;
}

function classifyV6(g: number[]): IpClass {
  const [g0 = 0, g1 = 0, g2 = 0, g3 = 0, g4 = 0, g5 = 0, g6 = 0, g7 = 0] = g;
  const zeroTo = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (zeroTo(8)) return { cls: "unspecified", range: "::/128" };
  if (zeroTo(7) && g7 === 1) return { cls: "loopback", range: "::1/128" };
  const embedded = (): IpClass => {
    const inner = classifyV4([g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff]);
    return inner.cls === "public"
      ? { cls: "IPv4-embedded", range: "an IPv6 form of an IPv4 address" }
      : { cls: inner.cls, range: `${inner.range} inside IPv6` };
  };
  // ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible), 64:ff9b::/96 (NAT64).
  if (zeroTo(5) && (g5 === 0xffff || g5 === 0)) return embedded();
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return embedded();
  if ((g0 & 0xfe00) === 0xfc00) return { cls: "unique-local", range: "fc00::/7" };
  if ((g0 & 0xffc0) === 0xfe80) return { cls: "link-local", range: "fe80::/10" };
  if ((g0 & 0xffc0) === 0xfec0) return { cls: "site-local", range: "fec0::/10" };
  if ((g0 & 0xff00) === 0xff00) return { cls: "multicast", range: "ff00::/8" };
  if (g0 === 0x2001 && g1 === 0x0db8) return { cls: "documentation", range: "2001:db8::/32" };
  if (g0 === 0x2002) return { cls: "6to4", range: "2002::/16" };
  return { cls: "public", range: "IPv6" };
}

export interface SafeFetchOptions {
  purpose: FetchPurpose;
  allowLoopback: boolean;
  fetcher?: typeof fetch;
  timeoutMs?: number;
  /** The request field that named the URL, for the refusal's `details[].path` (default ""). */
  path?: string;
}

/**
 * Fetch with manual redirects (≤3, each re-checked), 10 s timeout, 10 MB cap
 * while streaming, then inspectImage. Every failure is one ApiError
 * (CUSTOMER_IMAGE_FETCH_FAILED / PRODUCT_IMAGE_FETCH_FAILED) whose message
 * names the rule that tripped.
 */
export async function safeFetchImage(url: string, opts: SafeFetchOptions): Promise<{ bytes: Uint8Array; info: ImageInfo }> {
  const code = opts.purpose === "customer" ? "CUSTOMER_IMAGE_FETCH_FAILED" : "PRODUCT_IMAGE_FETCH_FAILED";
  const what = opts.purpose === "customer" ? "person image" : "product image";
  const path = opts.path ?? "";
  const fail = (rule: string, reason: string) => new ApiError(code, `Could not fetch the ${what}: ${reason}.`, { details: [{ path, message: reason, rule }] });
  const fetcher = opts.fetcher ?? fetch;
  const timeoutMs = opts.timeoutMs ?? FETCH_TIMEOUT_MS;

  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  // The deadline covers every hop and the body; it rejects even if a fetcher ignores the signal.
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(fail("timeout", `no complete answer within ${Math.round(timeoutMs / 100) / 10} s`));
    }, timeoutMs);
  });
  deadline.catch(() => undefined);

  const run = async () => {
    let current = url;
    for (let hop = 0; ; hop++) {
      const check = checkUrlSafety(current, { allowLoopback: opts.allowLoopback });
      if (!check.ok) throw fail("blocked-url", hop === 0 ? check.reason : `redirect ${hop} refused: ${check.reason}`);
      let res: Response;
      try {
        res = await fetcher(check.url.toString(), {
          method: "GET",
          redirect: "manual",
          signal: controller.signal,
          headers: { accept: "image/jpeg, image/png, image/webp, image/heic;q=0.9, */*;q=0.1", "user-agent": "Drape-ImageFetcher/1.0" },
        });
      } catch (err) {
        if (controller.signal.aborted) throw fail("timeout", `no complete answer within ${Math.round(timeoutMs / 100) / 10} s`);
        throw fail("network", `the request failed (${err instanceof Error ? err.message.slice(0, 120) : "network error"})`);
      }
      if (res.status >= 300 && res.status < 400 && res.status !== 304) {
        await res.body?.cancel().catch(() => undefined);
        const location = res.headers.get("location");
        if (!location) throw fail("redirect", `HTTP ${res.status} without a Location header`);
        if (hop + 1 > MAX_REDIRECTS) throw fail("too-many-redirects", `more than ${MAX_REDIRECTS} redirects`);
        try {
          current = new URL(location, check.url).toString();
        } catch {
          throw fail("redirect", "the redirect Location is not a valid URL");
        }
        continue;
      }
      if (res.status < 200 || res.status >= 300) {
        await res.body?.cancel().catch(() => undefined);
        throw fail("http-status", `the server answered HTTP ${res.status}`);
      }
      const declared = Number(res.headers.get("content-length") ?? "");
      if (Number.isFinite(declared) && declared > IMAGE_MAX_BYTES) {
        await res.body?.cancel().catch(() => undefined);
        throw fail("too-large", `the image is larger than 10 MB (Content-Length ${declared})`);
      }
      const bytes = await readLimited(res.body, IMAGE_MAX_BYTES, () => fail("too-large", "the image is larger than 10 MB"));
      try {
        return { bytes, info: inspectImage(bytes, path) };
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        // The intake refusal's own facts (detected type, accepted types, size limits) travel with the rule.
        const intake = err.details?.[0];
        throw new ApiError(code, `Could not fetch the ${what}: not an acceptable image (${err.code}: ${err.message}).`, {
          details: [{ ...intake, path, message: intake?.message ?? err.message, rule: `intake:${err.code}` }],
        });
      }
    }
  };

  try {
    return await Promise.race([run(), deadline]);
  } catch (err) {
    if (controller.signal.aborted && !(err instanceof ApiError)) throw fail("timeout", `no complete answer within ${timeoutMs} ms`);
    throw err;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}
