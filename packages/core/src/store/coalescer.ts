/**
 * Adaptive coalescing of concurrent hot statements. A call goes out at once, alone, when no statement of
 * its coalescer is in flight, so a quiet store adds no latency; a call that comes while one is in flight
 * waits and joins the next batch, which goes as one statement (at most `bound` calls) as soon as the one in
 * flight comes back, or at once when it reaches `eager` calls while fewer than `limit` are in flight. A
 * round trip costs the app far more CPU than the statement costs the server (bench/README.md), so under
 * load many calls share one, and a second statement in flight must carry enough calls to pay for itself.
 *
 * Every caller keeps its own answer and its own error: a batch that one of its rows failed (`retryAlone` says
 * which errors those are) is sent again call by call, so one bad row never fails its neighbours; any other
 * failure (the connection went, the statement was cancelled) is every call's, since sending each again could
 * repeat a statement that did run. Timeouts stay the caller's (store/calls.ts bounds each call).
 *
 * An `ordered` coalescer (the writes) never puts two calls for one id in one batch and never sends a batch
 * while a statement holding one of its ids is in flight, so calls for one session run in the order they
 * were made: the last write wins, a destroy after a set destroys.
 *
 * @example
 * ```ts
 * const reads = new Coalescer(
 *   { limit: 2, eager: 8, bound: 256, ordered: false, retryAlone: () => true, stall: 10_000 },
 *   stats,
 * )
 * const row = await reads.run(getLane, digest, digest)
 * ```
 */

/** How calls of one kind go out: alone (the single-row statement) or many in one statement. */
export interface Lane<I, O> {
  one(input: I): Promise<O>
  /** Answers by key; a key missing from the map has the answer undefined. */
  many(inputs: readonly I[]): Promise<Map<string, O>>
}

/** What the coalescing of a store did since it started (`PgStore.batchStats`). */
export interface BatchStats {
  /** Calls sent, alone or in a batch. */
  calls: number
  /** Statements sent for them, including the call-by-call retries of a failed batch. */
  statements: number
  /** Calls that waited for a batch instead of going out at once. */
  waited: number
  /** The most calls one statement carried. */
  largest: number
  /**
   * Statements by the calls they carried: `sizes[k]` statements carried k calls, so the sum of `sizes` is
   * `statements` and the sum of `k * sizes[k]` is `calls`. The retries of a failed batch are statements of
   * 1, and the batch they replace counts at `sizes[0]`: its calls are counted once, in their retries. The
   * array grows to the largest size seen, at most the bound plus one entries.
   */
  sizes: number[]
}

export function emptyBatchStats(): BatchStats {
  return { calls: 0, statements: 0, waited: 0, largest: 0, sizes: [] }
}

/** Counts `n` more statements of `size` calls in the histogram. */
function countSize(stats: BatchStats, size: number, n = 1): void {
  const { sizes } = stats
  while (sizes.length <= size) sizes.push(0)
  sizes[size]! += n
}

interface Call {
  key: string
  input: unknown
  resolve(value: unknown): void
  reject(err: unknown): void
}

interface Batch {
  lane: Lane<unknown, unknown>
  calls: Call[]
  keys: Set<string>
}

export interface CoalescerOptions {
  /** Statements in flight before calls wait. */
  limit: number
  /** Most calls in one statement. */
  bound: number
  /** A batch of this many calls goes while fewer than `limit` are in flight; a smaller one only when none is. */
  eager: number
  /** Calls for one key keep their order (see the module doc). */
  ordered: boolean
  /** True when a batch's error may be one call's, and the batch did not run: each call goes again alone. */
  retryAlone(err: unknown): boolean
  /**
   * Ms after which a statement still in flight stops holding its slot (0: never): every caller of it has
   * timed out by then, and a statement hung on a dead connection must not stop the calls after it. Its
   * keys stay busy until it settles, so a later write of the same session still waits for it.
   */
  stall: number
}

export class Coalescer {
  readonly #options: CoalescerOptions
  readonly #stats: BatchStats
  readonly #queue: Batch[] = []
  /** Keys of the statements in flight, with how many hold each (ordered coalescers only). */
  readonly #busy = new Map<string, number>()
  #inFlight = 0
  #idle: Array<() => void> = []

  constructor(options: CoalescerOptions, stats: BatchStats) {
    this.#options = options
    this.#stats = stats
  }

  run<I, O>(lane: Lane<I, O>, key: string, input: I): Promise<O> {
    if (this.#queue.length === 0 && this.#room(1) && !this.#busy.has(key)) {
      // The quiet path: the single-row statement itself, with no batch around it.
      const release = this.#hold([key], 1)
      let answer: Promise<O>
      try {
        answer = lane.one(input)
      } catch (err) {
        release()
        return Promise.reject(err)
      }
      answer.then(release, release)
      return answer
    }
    return new Promise<O>((resolve, reject) => {
      const call = { key, input, resolve, reject } as Call
      this.#stats.waited++
      this.#join({ lane, calls: [call], keys: new Set([key]) } as Batch, call)
      this.#pump()
    })
  }

  /** Whether a statement of `size` calls may go now. */
  #room(size: number): boolean {
    const { limit, eager } = this.#options
    return this.#inFlight === 0 || (this.#inFlight < limit && size >= eager)
  }

  /** Resolves once nothing waits and nothing is in flight (before the pool ends). */
  idle(): Promise<void> {
    if (this.#inFlight === 0 && this.#queue.length === 0) return Promise.resolve()
    return new Promise((resolve) => this.#idle.push(resolve))
  }

  /**
   * Joins the newest waiting batch of the same lane with room, unless (ordered) the key waits in it or in
   * a later batch; else waits in a batch of its own at the end of the queue.
   */
  #join(alone: Batch, call: Call): void {
    const { bound, ordered } = this.#options
    for (let i = this.#queue.length - 1; i >= 0; i--) {
      const batch = this.#queue[i]!
      if (ordered && batch.keys.has(call.key)) break
      if (batch.lane === alone.lane && batch.calls.length < bound) {
        batch.calls.push(call)
        batch.keys.add(call.key)
        return
      }
    }
    this.#queue.push(alone)
  }

  /** Sends waiting batches, oldest first, while there is room and (ordered) none of its keys is busy. */
  #pump(): void {
    while (this.#queue.length > 0 && this.#room(this.#queue[0]!.calls.length)) {
      const head = this.#queue[0]!
      if (this.#options.ordered && [...head.keys].some((key) => this.#busy.has(key))) break
      this.#queue.shift()
      this.#send(head)
    }
    if (this.#inFlight === 0 && this.#queue.length === 0) {
      for (const resolve of this.#idle.splice(0)) resolve()
    }
  }

  /**
   * Counts a statement of `size` calls going out and marks its keys busy; the function returned is called
   * once it settles. Its slot is freed then, or after `stall` ms if that comes first.
   */
  #hold(keys: Iterable<string>, size: number): () => void {
    const stats = this.#stats
    stats.calls += size
    stats.statements++
    stats.largest = Math.max(stats.largest, size)
    countSize(stats, size)
    this.#inFlight++
    const { ordered, stall } = this.#options
    if (ordered) for (const key of keys) this.#busy.set(key, (this.#busy.get(key) ?? 0) + 1)
    let holding = true
    const free = () => {
      if (!holding) return
      holding = false
      this.#inFlight--
      this.#pump()
    }
    const timer = stall > 0 ? setTimeout(free, stall) : undefined
    timer?.unref?.()
    return () => {
      clearTimeout(timer)
      if (ordered) {
        for (const key of keys) {
          const n = this.#busy.get(key)! - 1
          if (n === 0) this.#busy.delete(key)
          else this.#busy.set(key, n)
        }
      }
      if (holding) free()
      else this.#pump()
    }
  }

  #send(batch: Batch): void {
    const stats = this.#stats
    const { calls, lane } = batch
    const done = this.#hold(batch.keys, calls.length)
    const alone = (call: Call) => lane.one(call.input).then(call.resolve, call.reject)
    if (calls.length === 1) {
      void alone(calls[0]!).then(done)
      return
    }
    lane.many(calls.map((call) => call.input)).then(
      (answers) => {
        for (const call of calls) call.resolve(answers.get(call.key))
        done()
      },
      (err: unknown) => {
        if (!this.#options.retryAlone(err)) {
          for (const call of calls) call.reject(err)
          done()
          return
        }
        // One bad call fails its statement: each goes again alone, for its own answer or error.
        stats.statements += calls.length
        countSize(stats, calls.length, -1)
        countSize(stats, 0)
        countSize(stats, 1, calls.length)
        void Promise.all(calls.map(alone)).then(done)
      },
    )
  }
}
