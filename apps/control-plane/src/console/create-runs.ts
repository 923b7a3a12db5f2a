import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { StepEvent } from '@kryonix/provisioning';
import { describe } from '@kryonix/web';

/** How a run ended, as its page's last event says it. */
export type RunOutcome = { tenant: { id: string; href: string } } | { error: { code: string; message: string } };

/** Something that wants the events of a run as they happen (an open event stream). */
export interface RunListener {
  step(step: StepEvent): void;
  done(outcome: RunOutcome, apiKey: string | undefined): void;
}

interface Run {
  id: string;
  sessionId: string;
  tenantId: string;
  steps: StepEvent[];
  outcome?: RunOutcome;
  /** The new key until one page has been given it: then forgotten. */
  apiKey?: string;
  listeners: Set<RunListener>;
  finishedAt?: number;
}

/** A finished run is forgotten this long after its end (its page has had time to read it). */
const KEEP_FINISHED_MS = 10 * 60_000;
/** At most this many runs are remembered (older finished ones go first). */
const MAX_RUNS = 200;

/**
 * Creates started from the console, in this process's memory: their steps as they arrive
 * (for the page's event stream, which may connect after the first steps) and, once, the
 * new API key. A run belongs to the session that started it; no other session sees it.
 * The tenant itself is made by CreateTenantCommand, as from the API and the CLI.
 */
@Injectable()
export class CreateRuns {
  private readonly runs = new Map<string, Run>();

  /**
   * Starts `create`; resolves once its first step has finished (the input passed the use
   * case's checks: the page can follow it), or rejects with the use case's error when it
   * failed before any step (a bad field: the form shows it).
   */
  start(sessionId: string, tenantId: string, create: (onStep: (step: StepEvent) => void) => Promise<{ id: string; apiKey?: string }>): Promise<string> {
    this.forgetOld();
    const run: Run = { id: randomBytes(16).toString('base64url'), sessionId, tenantId, steps: [], listeners: new Set() };
    return new Promise<string>((resolve, reject) => {
      let started = false;
      const go = () => {
        if (started) return;
        started = true;
        this.runs.set(run.id, run);
        resolve(run.id);
      };
      create((step) => {
        run.steps.push(step);
        for (const listener of run.listeners) listener.step(step);
        go();
      }).then(
        (tenant) => {
          go();
          this.finish(run, { tenant: { id: tenant.id, href: `/console/tenants/${tenant.id}` } }, tenant.apiKey);
        },
        (error: unknown) => {
          if (!started) return reject(error);
          const { code, message } = describe(error);
          this.finish(run, { error: { code, message } }, undefined);
        },
      );
    });
  }

  /** The run, if this session started it. */
  find(id: string, sessionId: string): { tenantId: string } | undefined {
    const run = this.runs.get(id);
    return run && run.sessionId === sessionId ? { tenantId: run.tenantId } : undefined;
  }

  /** Replays what happened so far, then follows; returns how to stop following. */
  follow(id: string, sessionId: string, listener: RunListener): (() => void) | undefined {
    const run = this.runs.get(id);
    if (!run || run.sessionId !== sessionId) return undefined;
    for (const step of run.steps) listener.step(step);
    if (run.outcome) {
      listener.done(run.outcome, this.takeKey(run));
      return () => undefined;
    }
    run.listeners.add(listener);
    return () => run.listeners.delete(listener);
  }

  private finish(run: Run, outcome: RunOutcome, apiKey: string | undefined): void {
    run.outcome = outcome;
    run.apiKey = apiKey;
    run.finishedAt = Date.now();
    for (const listener of run.listeners) listener.done(outcome, this.takeKey(run));
    run.listeners.clear();
  }

  /** The key once: whoever gets it first (the page that watched the create) is the only one. */
  private takeKey(run: Run): string | undefined {
    const key = run.apiKey;
    run.apiKey = undefined;
    return key;
  }

  private forgetOld(): void {
    const now = Date.now();
    for (const [id, run] of this.runs) if (run.finishedAt !== undefined && now - run.finishedAt > KEEP_FINISHED_MS) this.runs.delete(id);
    if (this.runs.size < MAX_RUNS) return;
    for (const [id, run] of this.runs) {
      if (run.finishedAt !== undefined) this.runs.delete(id);
      if (this.runs.size < MAX_RUNS) return;
    }
  }
}
