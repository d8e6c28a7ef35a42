// Whether an endpoint may get work: healthy (maybe paused for a back-off or a Retry-After),
// in cooldown after failing again and again, or being probed before it gets work again.
// Pure state; the fleet owns the timers and the probes.

export interface HealthPolicy {
  /** Pause after a failure: base * 2^(n-1) for the n-th failure in a row, jittered. */
  retryBaseMs: number;
  /** Failures in a row that put an endpoint in cooldown. */
  failuresBeforeCooldown: number;
  /** The first cooldown; it doubles while probes fail, up to maxCooldownMs. */
  cooldownMs: number;
  maxCooldownMs: number;
}

export const DEFAULT_HEALTH_POLICY: HealthPolicy = { retryBaseMs: 500, failuresBeforeCooldown: 3, cooldownMs: 2_000, maxCooldownMs: 60_000 };

// A server asking for a longer wait than this is treated as down for that long (cooldown).
const MAX_PAUSE_MS = 60_000;

export type HealthState = 'healthy' | 'cooldown' | 'probing';

export class EndpointHealth {
  state: HealthState = 'healthy';
  /** While healthy: no new work before this time (back-off, Retry-After). */
  pausedUntil = 0;
  /** In cooldown: the probe is due at this time. */
  cooldownUntil = 0;
  numCooldowns = 0;
  /** The last failure, for messages. */
  lastProblem?: string;
  private failuresInARow = 0;
  private failedProbes = 0;

  constructor(
    private readonly policy: HealthPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  /** May take a request now. */
  accepts(now: number): boolean {
    return this.state === 'healthy' && now >= this.pausedUntil;
  }

  /** Any answer, even a refusal of one request, shows the server works. */
  recordAnswer(): void {
    if (this.state === 'healthy') this.failuresInARow = 0;
  }

  /**
   * A failed attempt. Returns 'cooldown' when this failure put the endpoint in cooldown
   * (the caller moves its other requests away and schedules the probe).
   */
  recordFailure(problem: string, now: number, retryAfterMs?: number): 'paused' | 'cooldown' | 'ignored' {
    this.lastProblem = problem;
    // Requests that were in flight when it went down keep failing; that is one outage.
    if (this.state !== 'healthy') return 'ignored';
    this.failuresInARow++;
    if (this.failuresInARow >= this.policy.failuresBeforeCooldown || (retryAfterMs ?? 0) > MAX_PAUSE_MS) {
      this.enterCooldown(now, retryAfterMs);
      return 'cooldown';
    }
    const backoff = this.policy.retryBaseMs * 2 ** (this.failuresInARow - 1) * (0.75 + this.random() * 0.5);
    this.pausedUntil = Math.max(this.pausedUntil, now + Math.min(MAX_PAUSE_MS, Math.max(backoff, retryAfterMs ?? 0)));
    return 'paused';
  }

  /** Unreachable at start: probed before it gets work. */
  startInCooldown(now: number, problem: string): void {
    this.lastProblem = problem;
    this.enterCooldown(now);
  }

  /** The cooldown is over: the fleet sends a probe. */
  startProbe(): void {
    this.state = 'probing';
  }

  /** The probe's answer: healthy again, or a longer cooldown. */
  recordProbe(ok: boolean, now: number, problem?: string): void {
    if (ok) {
      this.state = 'healthy';
      this.failuresInARow = 0;
      this.failedProbes = 0;
      this.pausedUntil = 0;
      return;
    }
    this.lastProblem = problem ?? this.lastProblem;
    this.failedProbes++;
    this.enterCooldown(now);
  }

  private enterCooldown(now: number, atLeastMs = 0): void {
    if (this.state === 'healthy') this.numCooldowns++;
    this.state = 'cooldown';
    const ms = Math.min(this.policy.maxCooldownMs, this.policy.cooldownMs * 2 ** this.failedProbes);
    this.cooldownUntil = now + Math.max(ms, atLeastMs);
  }
}
