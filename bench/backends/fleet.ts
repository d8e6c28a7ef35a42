// The scheduler of a run spread over several OpenAI-compatible endpoints: one shared pull
// queue (an endpoint takes work when it has room, so faster ones take more), a cap per
// endpoint, item affinity (requests with one affinity key go where the first went, so the
// server's prefix cache holds their shared history), retries on another endpoint, cooldowns
// with probes, and a clean stop when every endpoint stays down.
import { IpdError, type EndpointStats, type TextRequest, type TextResult } from '../../common';
import type { EndpointConfig } from './endpoint-config';
import type { AttemptOutcome, EndpointClient } from './endpoint-client';
import { EndpointHealth, type HealthPolicy } from './endpoint-health';
import { EndpointStatsCollector } from './endpoint-stats';

export interface FleetOptions {
  model: string;
  /** Failed attempts a request may have before the run stops (moves off a cooled-down endpoint do not count). */
  maxRetries: number;
  /** How long every endpoint may be down before waiting requests fail. */
  downTimeoutMs: number;
  health: HealthPolicy;
  /** What a probe sends (a 1-token request): a server that answers it gets work again. */
  probe: TextRequest;
  probeTimeoutMs: number;
}

export interface FleetMember {
  config: EndpointConfig;
  client: EndpointClient;
  /** Set when it failed the start-up checks: it starts in cooldown and is probed. */
  downProblem?: string;
}

interface Job {
  seq: number;
  req: TextRequest;
  key?: string;
  failures: number;
  /** False once an attempt failed: any endpoint may take it, its group stays where it is. */
  sticky: boolean;
  resolve: (r: TextResult) => void;
  reject: (err: unknown) => void;
}

interface Attempt {
  job: Job;
  controller: AbortController;
  /** Aborted because its endpoint went into cooldown: back to the queue. */
  moveAway: boolean;
}

class Member {
  readonly attempts = new Set<Attempt>();
  readonly stats: EndpointStatsCollector;

  constructor(
    readonly config: EndpointConfig,
    readonly client: EndpointClient,
    readonly health: EndpointHealth,
  ) {
    this.stats = new EndpointStatsCollector(config.url);
  }

  get url(): string {
    return this.config.url;
  }

  get full(): boolean {
    return this.attempts.size >= this.config.maxConcurrency;
  }

  get load(): number {
    return this.attempts.size / this.config.weight;
  }
}

export class Fleet {
  private readonly members: Member[];
  private queue: Job[] = [];
  private readonly groups = new Map<string, { owner?: Member; pending: number }>();
  private numSubmitted = 0;
  private numPending = 0;
  private failure?: IpdError;
  private wakeTimer?: NodeJS.Timeout;
  private downTimer?: NodeJS.Timeout;
  private readonly probeTimers = new Set<NodeJS.Timeout>();
  // Timers are unref'd so an idle fleet never holds the process; this holds it while work waits.
  private keepAlive?: NodeJS.Timeout;

  constructor(
    members: readonly FleetMember[],
    private readonly opts: FleetOptions,
  ) {
    const now = Date.now();
    this.members = members.map((m) => new Member(m.config, m.client, new EndpointHealth(opts.health)));
    members.forEach((m, i) => {
      if (m.downProblem === undefined) return;
      this.members[i].health.startInCooldown(now, m.downProblem);
      this.scheduleProbe(this.members[i]);
    });
  }

  submit(req: TextRequest): Promise<TextResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      const job: Job = { seq: this.numSubmitted++, req, key: req.affinityKey, failures: 0, sticky: true, resolve, reject };
      if (job.key !== undefined) {
        const g = this.groups.get(job.key) ?? { pending: 0 };
        g.pending++;
        this.groups.set(job.key, g);
      }
      if (this.numPending++ === 0) this.keepAlive = setInterval(() => {}, 1 << 30);
      this.queue.push(job);
      this.checkAllDown();
      this.pump();
    });
  }

  stats(): EndpointStats[] {
    const now = performance.now();
    return this.members.map((m) => m.stats.snapshot(now, m.health.numCooldowns));
  }

  /** Stops timers and fails whatever still waits. */
  close(): void {
    this.fail(new IpdError('SERVER_ERROR', 'the OpenAI-compatible backend was closed with requests still waiting'));
  }

  /** Hands queued requests to endpoints with room until none can take more. */
  private pump(): void {
    if (this.failure) return;
    const now = Date.now();
    while (this.queue.length > 0) {
      // Least loaded relative to its weight first; the sort is stable, so ties keep the listed order.
      const ready = this.members.filter((m) => m.health.accepts(now) && !m.full).sort((a, b) => a.load - b.load);
      let started = false;
      for (const m of ready) {
        const i = this.pick(m, now);
        if (i < 0) continue;
        this.start(this.queue.splice(i, 1)[0], m);
        started = true;
        break;
      }
      if (!started) break;
    }
    this.scheduleWake(now);
  }

  /**
   * The queue position `m` should take: the first request of an item it already serves,
   * else the first request nobody serves (or whose endpoint is down), else, so that no
   * endpoint idles at the end of a run, the first one waiting for a full or paused endpoint.
   */
  private pick(m: Member, now: number): number {
    let free = -1;
    let steal = -1;
    for (let i = 0; i < this.queue.length; i++) {
      const job = this.queue[i];
      const owner = job.sticky && job.key !== undefined ? this.groups.get(job.key)!.owner : undefined;
      if (owner === m) return i;
      if (!owner || owner.health.state !== 'healthy') {
        if (free < 0) free = i;
      } else if (steal < 0 && (owner.full || !owner.health.accepts(now))) {
        steal = i;
      }
    }
    return free >= 0 ? free : steal;
  }

  private start(job: Job, m: Member): void {
    if (job.key !== undefined) {
      const g = this.groups.get(job.key)!;
      if (!g.owner || g.owner.health.state !== 'healthy') g.owner = m;
    }
    const attempt: Attempt = { job, controller: new AbortController(), moveAway: false };
    m.attempts.add(attempt);
    m.stats.started(performance.now());
    void m.client.complete(this.opts.model, job.req, { signal: attempt.controller.signal }).then((o) => this.finish(m, attempt, o));
  }

  private finish(m: Member, attempt: Attempt, o: AttemptOutcome): void {
    m.attempts.delete(attempt);
    m.stats.ended(performance.now());
    if (this.failure) return; // fail() already answered the request
    const job = attempt.job;
    const now = Date.now();
    switch (o.kind) {
      case 'ok':
      case 'rejected':
        m.health.recordAnswer();
        m.stats.answered(o.result.latencyMs, o.result.completionTokens, o.kind === 'rejected');
        this.settle(job);
        job.resolve({ ...o.result, endpoint: m.url });
        break;
      case 'fatal':
        this.fail(o.error, job);
        return;
      case 'aborted':
        m.stats.movedAway();
        this.requeue(job);
        break;
      case 'retryable': {
        job.failures++;
        const retried = job.failures <= this.opts.maxRetries;
        m.stats.failed(o.cause, retried);
        if (m.health.recordFailure(o.problem, now, o.retryAfterMs) === 'cooldown') this.cooldown(m);
        if (!retried) {
          this.fail(this.exhausted(job, o, m), job);
          return;
        }
        job.sticky = false;
        this.requeue(job);
        break;
      }
    }
    this.pump();
  }

  private exhausted(job: Job, o: Extract<AttemptOutcome, { kind: 'retryable' }>, m: Member): IpdError {
    const what = job.req.id ? `request ${job.req.id}` : 'a request';
    if (this.members.length === 1 && o.unreachable) {
      return new IpdError('SERVER_ERROR', `cannot reach the server at ${m.url} (${o.problem})`, {
        hint: 'is it running? start one with `ipdialog serve --model M`, or check --base-url',
      });
    }
    return new IpdError('SERVER_ERROR', `${what} failed after ${job.failures} attempts: ${o.problem} (last at ${m.url})`, {
      hint: 'the servers keep failing it; check their logs. What finished is saved: rerun the same command to resume',
    });
  }

  /** Back in the queue at its original place, so older work goes first. */
  private requeue(job: Job): void {
    let lo = 0;
    let hi = this.queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.queue[mid].seq < job.seq) lo = mid + 1;
      else hi = mid;
    }
    this.queue.splice(lo, 0, job);
  }

  private settle(job: Job): void {
    if (job.key !== undefined) {
      const g = this.groups.get(job.key)!;
      if (--g.pending === 0) this.groups.delete(job.key);
    }
    if (--this.numPending === 0) {
      clearInterval(this.keepAlive);
      this.keepAlive = undefined;
    }
  }

  /** Its requests in flight go back to the queue; its items are free for others to take. */
  private cooldown(m: Member): void {
    for (const a of m.attempts) {
      a.moveAway = true;
      a.controller.abort();
    }
    this.scheduleProbe(m);
    this.checkAllDown();
  }

  private scheduleProbe(m: Member): void {
    const timer = setTimeout(() => {
      this.probeTimers.delete(timer);
      m.health.startProbe();
      void m.client.complete(this.opts.model, this.opts.probe, { timeoutMs: this.opts.probeTimeoutMs }).then((o) => {
        if (this.failure) return;
        const ok = o.kind === 'ok' || o.kind === 'rejected';
        const problem = o.kind === 'retryable' ? o.problem : o.kind === 'fatal' ? o.error.message : undefined;
        m.health.recordProbe(ok, Date.now(), problem);
        if (!ok) return this.scheduleProbe(m);
        this.checkAllDown();
        this.pump();
      });
    }, Math.max(0, m.health.cooldownUntil - Date.now()));
    timer.unref();
    this.probeTimers.add(timer);
  }

  /** With no endpoint healthy, waiting requests get downTimeoutMs before they fail. */
  private checkAllDown(): void {
    if (this.members.some((m) => m.health.state === 'healthy')) {
      clearTimeout(this.downTimer);
      this.downTimer = undefined;
      return;
    }
    if (this.downTimer || this.failure) return;
    this.downTimer = setTimeout(() => {
      this.downTimer = undefined;
      if (this.numPending === 0 || this.members.some((m) => m.health.state === 'healthy')) return;
      const s = Number((this.opts.downTimeoutMs / 1000).toFixed(1));
      const which = this.members.map((m) => `${m.url} (${m.health.lastProblem ?? 'down'})`).join(', ');
      this.fail(
        new IpdError('SERVER_ERROR', `every endpoint has been down for ${s} s: ${which}`, {
          hint: 'what finished is saved: rerun the same command to resume, with these endpoints once they are back or with others (--down-timeout waits longer)',
        }),
      );
    }, this.opts.downTimeoutMs);
    this.downTimer.unref();
  }

  /** A paused endpoint (back-off, Retry-After) takes work again when its pause ends. */
  private scheduleWake(now: number): void {
    clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    if (this.queue.length === 0) return;
    const next = Math.min(...this.members.filter((m) => m.health.state === 'healthy' && !m.full && m.health.pausedUntil > now).map((m) => m.health.pausedUntil));
    if (!Number.isFinite(next)) return;
    this.wakeTimer = setTimeout(() => this.pump(), next - now);
    this.wakeTimer.unref();
  }

  /** Stops everything: waiting and running requests fail with `err`. */
  private fail(err: IpdError, current?: Job): void {
    if (this.failure) return;
    this.failure = err;
    const jobs = [...this.queue, ...(current ? [current] : [])];
    this.queue = [];
    for (const m of this.members) {
      for (const a of m.attempts) {
        jobs.push(a.job);
        a.controller.abort();
      }
    }
    clearTimeout(this.wakeTimer);
    clearTimeout(this.downTimer);
    for (const t of this.probeTimers) clearTimeout(t);
    this.probeTimers.clear();
    for (const job of jobs) {
      this.settle(job);
      job.reject(err);
    }
  }
}
