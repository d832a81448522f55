import { type AdmitInput, type AdmitResult, type CreditSummary, type RateLimitSpec, type RateState, TOKEN_BLOCK_LIFETIME_MS } from "../../durable/account-gate";
import { LruCache } from "../../lib/lru-cache";
import type { GateRoute } from "./gate-route";

/**
 * Token blocks: how an isolate admits a high-rate key's requests without a
 * Durable Object call each (docs/credits-limits-idempotency.md, "High-rate keys").
 *
 * When a request of such a key does call its gate (AccountGate, or the key's
 * KeyGate with GATE_SHARDS), it also asks for a block of up to TOKEN_BLOCK_MAX
 * more tokens. The gate takes them out of the key's bucket right then, exactly
 * as if that many requests had been counted, and this isolate spends them on
 * the key's next requests with no call at all; once the block is down to
 * half, the next request tops it up with its own call. Tokens not spent
 * within TOKEN_BLOCK_TTL_MS of their arrival are dropped, and the gate refills
 * the bucket only up to the capacity that blocks still out leave
 * (src/durable/account-gate/buckets.ts): the bucket and every block together
 * never hold more than the key's capacity, so a key is never admitted past
 * its limit. What a block can cost the key is the opposite: up to one block
 * per isolate goes unspent. Only keys whose limits are both at least
 * TOKEN_BLOCK_MIN_BURST get blocks, so a block is at most 1 % of the burst;
 * every other key (the default 100 a minute included), every request with an
 * Idempotency-Key, every charge and test mode's balance reads (the daily
 * refill) take the exact path: one call per request.
 *
 * A credit summary that came with a block's call answers the same account's
 * balance reads for CREDIT_SNAPSHOT_TTL_MS. This isolate's own credit moves
 * (reserve, commit, refund, grant…) drop it at once; a move made in another
 * isolate is seen within that bound.
 */
export const TOKEN_BLOCK_MIN_BURST = 1000;
export const TOKEN_BLOCK_MAX = 256;
/** The gate's figure: it counts a block as out for twice this long (src/durable/account-gate/buckets.ts). */
export const TOKEN_BLOCK_TTL_MS = TOKEN_BLOCK_LIFETIME_MS;
export const CREDIT_SNAPSHOT_TTL_MS = 1000;
/** An ask not answered within this long is taken as lost (its request was cancelled mid-call). */
const ASK_ABANDONED_MS = 10_000;

interface Block {
  /** What each top-up brought, oldest first; each lives TOKEN_BLOCK_TTL_MS from its arrival. */
  grants: { tokens: number; until: number }[];
  /** The bucket right after the last top-up left it (its `remaining` excludes the block). */
  state: RateState;
}

interface Snapshot {
  summary: CreditSummary;
  at: number;
}

const blocks = new LruCache<string, Block>({ maxEntries: 10_000 });
/** Keys with a block asked for and not answered yet (since when): one ask at a time per key. */
const asking = new Map<string, number>();

function isAsking(key: string, now: number): boolean {
  const since = asking.get(key);
  return since !== undefined && now - since < ASK_ABANDONED_MS;
}
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

/**
 * Runs a call that moves the account's credits: the balance snapshot this
 * isolate may answer reads with is dropped before it and after it, so a read
 * racing the move cannot keep the old figures.
 */
export async function movingCredits<T>(accountId: string, move: () => Promise<T>): Promise<T> {
  creditsChanged(accountId);
  try {
    return await move();
  } finally {
    creditsChanged(accountId);
  }
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
  if (!block) return null;
  const tokens = held(block, now);
  if (tokens <= 0) return null;
  if (tokens <= refresh && !isAsking(key, now)) return null;
  let credits: CreditSummary | undefined;
  if (withCredits) {
    const snap = snapshots.get(accountId);
    if (!snap || now - snap.at >= CREDIT_SNAPSHOT_TTL_MS) return null;
    credits = snap.summary;
  }
  const oldest = block.grants[0];
  if (!oldest) return null;
  oldest.tokens -= 1;
  if (oldest.tokens === 0) block.grants.shift();
  const rate: RateState = { ...block.state, allowed: true, retryAfterSeconds: 0, remaining: block.state.remaining + tokens - 1 };
  return credits ? { rate, credits } : { rate };
}

/** Tokens this isolate holds in a key's block, still spendable at `now` (expired top-ups are dropped). */
function held(block: Block | undefined, now: number): number {
  if (!block) return 0;
  const { grants } = block;
  while (grants[0] && (now >= grants[0].until || grants[0].tokens <= 0)) grants.shift();
  let tokens = 0;
  for (const g of grants) tokens += g.tokens;
  return tokens;
}

/** The admission this isolate's block of the key pays for at once (no call, no await), or null when the gate must be asked. */
export function admitFromHeldBlock(route: GateRoute, input: AdmitInput, now: number): AdmitResult | null {
  const withCredits = input.withCredits === true;
  // A key shard's admission carries no credit summary (its balance read asks every shard): exact path.
  if (route.sharded && withCredits) return null;
  return spendFromBlock(blockKey(route, input.rate), route.accountId, withCredits, now, Math.floor(tokenBlockSize(input.rate) / 2));
}

/**
 * Admits a request from the key's block when this isolate holds one (synchronously: no promise),
 * else through `call` (the gate's `admit`), asking for a block on the way. The rate state answered
 * counts the tokens held here as remaining, so within one isolate the headers read exactly as the
 * exact path's.
 */
export function admitFromBlocks(
  route: GateRoute,
  input: AdmitInput,
  call: (input: AdmitInput) => Promise<AdmitResult>,
  now: () => number,
): AdmitResult | Promise<AdmitResult> {
  return admitFromHeldBlock(route, input, now()) ?? admitThroughGate(route, input, call, now);
}

/**
 * Asks the gate (`call`) for an admission the held block could not pay for, topping the block up on
 * the way; what `admitFromBlocks` does after `admitFromHeldBlock` answered null.
 */
async function admitThroughGate(
  route: GateRoute,
  input: AdmitInput,
  call: (input: AdmitInput) => Promise<AdmitResult>,
  now: () => number,
): Promise<AdmitResult> {
  const { accountId } = route;
  const key = blockKey(route, input.rate);
  const size = tokenBlockSize(input.rate);
  const started = now();
  // Tops the block up to its size (one ask in flight per key).
  const ask = isAsking(key, started) ? 0 : Math.max(0, size - held(blocks.get(key), started));
  if (ask > 0) asking.set(key, started);
  const epoch = creditEpochs.get(accountId) ?? 0;
  try {
    const result = await call(ask > 0 ? { ...input, tokenBlock: ask } : input);
    const at = now();
    if (result.tokenBlock) {
      const block = blocks.get(key);
      const grant = { tokens: result.tokenBlock, until: at + TOKEN_BLOCK_TTL_MS };
      if (block) {
        held(block, at);
        block.grants.push(grant);
        block.state = result.rate;
      } else blocks.set(key, { grants: [grant], state: result.rate });
    }
    if (result.credits && !route.sharded && (creditEpochs.get(accountId) ?? 0) === epoch) snapshots.set(accountId, { summary: result.credits, at });
    if (!result.rate.allowed) {
      // A block that reached this isolate while the call was out pays for the request the bucket refused.
      const late = spendFromBlock(key, accountId, false, at, 0);
      if (late) return result.credits ? { ...late, credits: result.credits } : late;
      return result;
    }
    const { tokenBlock: _given, ...answer } = result;
    return { ...answer, rate: { ...result.rate, remaining: result.rate.remaining + held(blocks.get(key), at) } };
  } finally {
    if (ask > 0) asking.delete(key);
  }
}
