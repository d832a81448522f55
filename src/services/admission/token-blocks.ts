import type { AdmitInput, AdmitResult, CreditSummary, RateLimitSpec, RateState } from "../../durable/account-gate";
import { LruCache } from "../../lib/lru-cache";
import type { GateRoute } from "./gate-route";

/**
 * Token blocks: how an isolate admits a high-rate key's reads without a
 * Durable Object call each (docs/performance.md, "Token blocks").
 *
 * When a read of such a key does call its AccountGate, it also asks for a
 * block of up to TOKEN_BLOCK_MAX more tokens. The gate takes them out of the
 * key's bucket right then, exactly as if that many requests had been counted,
 * and this isolate spends them on the key's next reads with no call at all;
 * once the block is down to half, the next request tops it up with its own
 * call. So a key is never admitted past its bucket; what a block can cost the
 * key is the opposite: tokens not used within TOKEN_BLOCK_TTL_MS of the
 * block's last top-up are dropped (at most one block per isolate and key,
 * then refilled at the key's rate). Only keys whose bucket holds at least TOKEN_BLOCK_MIN_BURST tokens
 * get blocks, so a block is at most 1 % of the burst; every other key (the
 * default 100 a minute included), every POST with an Idempotency-Key and test
 * mode's refill take the exact path: one call per request. With key shards
 * (GATE_SHARDS) the block comes from the key's KeyGate, which keeps its bucket.
 *
 * A credit summary that came with a block's call answers the same account's
 * balance reads for CREDIT_SNAPSHOT_TTL_MS. This isolate's own credit moves
 * (reserve, commit, refund, grant…) drop it at once; a move made in another
 * isolate is seen within that bound.
 */
export const TOKEN_BLOCK_MIN_BURST = 1000;
export const TOKEN_BLOCK_MAX = 256;
export const TOKEN_BLOCK_TTL_MS = 1000;
export const CREDIT_SNAPSHOT_TTL_MS = 1000;

interface Block {
  tokens: number;
  until: number;
  /** The bucket right after the block left it (its `remaining` excludes the block). */
  state: RateState;
}

interface Snapshot {
  summary: CreditSummary;
  at: number;
}

const blocks = new LruCache<string, Block>({ maxEntries: 10_000 });
/** Keys with a block asked for and not answered yet: one ask at a time per key. */
const asking = new Set<string>();
const snapshots = new LruCache<string, Snapshot>({ maxEntries: 10_000 });
/** Bumped by every credit move of the account made here; a summary fetched across one is not kept. */
const creditEpochs = new LruCache<string, number>({ maxEntries: 10_000 });

/** Tokens per block for this key's bucket (0: the key takes the exact path). */
export function tokenBlockSize(rate: RateLimitSpec): number {
  if (rate.burst < TOKEN_BLOCK_MIN_BURST || rate.perMinute < TOKEN_BLOCK_MIN_BURST) return 0;
  return Math.min(TOKEN_BLOCK_MAX, Math.floor(rate.burst / 100));
}

/** Whether a request's admission may be paid from a block (a request of a high-rate key without an Idempotency-Key or a test refill). */
export function tokenBlocksApply(input: AdmitInput): boolean {
  return input.idempotency === undefined && input.testDailyCredits === undefined && tokenBlockSize(input.rate) > 0;
}

/** The account's credits changed here: its summary snapshot goes, and one being fetched is not kept. */
export function creditsChanged(accountId: string): void {
  creditEpochs.set(accountId, (creditEpochs.get(accountId) ?? 0) + 1);
  snapshots.delete(accountId);
}

function blockKey(route: GateRoute, rate: RateLimitSpec): string {
  // The limits and the object are part of the key: a key whose limits change, or whose bucket moves
  // between its AccountGate and its shard (GATE_SHARDS), starts a new block.
  return `${route.sharded ? "shard" : "account"}/${route.accountId}/${rate.keyId}/${rate.perMinute}/${rate.burst}`;
}

/**
 * One token from the key's block, or null: none held, expired, the balance to show is not fresh, or
 * (with `refresh`) the block is down to half and nobody is topping it up yet, so this request does,
 * while the others keep spending what is left: under steady load no request finds the block empty.
 */
function spendFromBlock(key: string, accountId: string, withCredits: boolean, now: number, refresh: number): AdmitResult | null {
  const block = blocks.get(key);
  if (!block || block.tokens <= 0 || now >= block.until) return null;
  if (block.tokens <= refresh && !asking.has(key)) return null;
  let credits: CreditSummary | undefined;
  if (withCredits) {
    const snap = snapshots.get(accountId);
    if (!snap || now - snap.at >= CREDIT_SNAPSHOT_TTL_MS) return null;
    credits = snap.summary;
  }
  block.tokens -= 1;
  const rate: RateState = { ...block.state, allowed: true, retryAfterSeconds: 0, remaining: block.state.remaining + block.tokens };
  return credits ? { rate, credits } : { rate };
}

/** Tokens this isolate holds for the key, still spendable at `now`. */
function held(key: string, now: number): number {
  const block = blocks.get(key);
  return block && now < block.until ? block.tokens : 0;
}

/**
 * Admits a request from the key's block when this isolate holds one, else
 * through `call` (the gate's `admit`), asking for a block on the way. The
 * rate state answered counts the tokens held here as remaining, so within
 * one isolate the headers read exactly as the exact path's.
 */
export async function admitFromBlocks(
  route: GateRoute,
  input: AdmitInput,
  call: (input: AdmitInput) => Promise<AdmitResult>,
  now: () => number,
): Promise<AdmitResult> {
  const { accountId } = route;
  const key = blockKey(route, input.rate);
  const size = tokenBlockSize(input.rate);
  const local = spendFromBlock(key, accountId, input.withCredits === true, now(), Math.floor(size / 2));
  if (local) return local;
  // Tops the block up to its size (one ask in flight per key).
  const ask = asking.has(key) ? 0 : Math.max(0, size - held(key, now()));
  if (ask > 0) asking.add(key);
  const epoch = creditEpochs.get(accountId) ?? 0;
  try {
    const result = await call(ask > 0 ? { ...input, tokenBlock: ask } : input);
    const at = now();
    if (result.tokenBlock) {
      blocks.set(key, { tokens: held(key, at) + result.tokenBlock, until: at + TOKEN_BLOCK_TTL_MS, state: result.rate });
    }
    if (result.credits && (creditEpochs.get(accountId) ?? 0) === epoch) snapshots.set(accountId, { summary: result.credits, at });
    if (!result.rate.allowed) {
      // A block that reached this isolate while the call was out pays for the request the bucket refused.
      const late = spendFromBlock(key, accountId, false, at, 0);
      if (late) return result.credits ? { ...late, credits: result.credits } : late;
      return result;
    }
    const { tokenBlock: _given, ...answer } = result;
    return { ...answer, rate: { ...result.rate, remaining: result.rate.remaining + held(key, at) } };
  } finally {
    if (ask > 0) asking.delete(key);
  }
}
