/**
 * A provider's latency, in one place: the EWMA of answers (what scoring ranks by), the window of
 * recent answers (whose p95 sets the hedge delay), and the ages of calls still out (a provider that
 * stops answering loses traffic within milliseconds, long before a timeout).
 */
import { ewma } from './scoring.js';

/** The last `size` answered-call latencies and their p95, recomputed only when asked after a change. */
export class LatencyWindow {
  private readonly samples: Float64Array;
  private readonly scratch: Float64Array;
  private count = 0;
  private next = 0;
  private cached: number | undefined;
  private dirty = false;

  constructor(private readonly size = 64) {
    this.samples = new Float64Array(size);
    this.scratch = new Float64Array(size);
  }

  add(ms: number): void {
    this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.size;
    if (this.count < this.size) this.count++;
    this.dirty = true;
  }

  /** Nearest-rank p95; undefined until there is a sample. */
  p95(): number | undefined {
    if (this.count === 0) return undefined;
    if (this.dirty) {
      const view = this.scratch.subarray(0, this.count);
      view.set(this.samples.subarray(0, this.count));
      view.sort();
      this.cached = view[Math.min(this.count - 1, Math.ceil(0.95 * this.count) - 1)];
      this.dirty = false;
    }
    return this.cached;
  }

  clear(): void {
    this.count = 0;
    this.next = 0;
    this.cached = undefined;
    this.dirty = false;
  }
}

export class ProviderLatency {
  private smoothed: number | undefined;
  private readonly answers = new LatencyWindow();
  private inflight = 0;
  private inflightStartSum = 0;

  /** EWMA of answered calls (and of timeouts and lost hedges, which were at least that slow). */
  get ewma(): number | undefined {
    return this.smoothed;
  }

  /** p95 of the last answered calls; the hedge delay derives from it. */
  p95(): number | undefined {
    return this.answers.p95();
  }

  callStarted(now: number): void {
    this.inflight++;
    this.inflightStartSum += now;
  }

  callEnded(started: number): void {
    this.inflight--;
    this.inflightStartSum -= started;
    if (this.inflight === 0) this.inflightStartSum = 0;
  }

  answered(ms: number): void {
    this.smoothed = ewma(this.smoothed, ms);
    this.answers.add(ms);
  }

  /** A call that did not answer (timeout) or was withdrawn (hedge lost): it took at least `ms`. */
  atLeast(ms: number): void {
    this.smoothed = ewma(this.smoothed, ms);
  }

  /** Forgets the past: a provider back from an outage is judged on what it does now. */
  restart(ms: number): void {
    this.answers.clear();
    this.answers.add(ms);
    this.smoothed = ms;
  }

  /** The latency to rank by: the EWMA of answers, or the mean age of calls still out if larger. */
  effective(now: number): number | undefined {
    const age = this.inflight === 0 ? 0 : now - this.inflightStartSum / this.inflight;
    if (this.smoothed === undefined) return this.inflight === 0 ? undefined : age;
    return age > this.smoothed ? age : this.smoothed;
  }
}
