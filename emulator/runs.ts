import { toEpochSeconds } from "./clock";
import type { StoredRun } from "./store";

/**
 * Run and job simulation. Pure: everything is derived from the stored run and the emulator time, so
 * nothing about job progress is ever stored and a restart cannot lose it.
 *
 * Job i of a run finishes at `created_at + (i + 1) * job_duration_ms` (all at `created_at` when the pace
 * is 0). Its outcome depends only on its URL: `timeout` when the URL contains "timeout", `failed` when it
 * contains "fail", `success` otherwise.
 */

/** A job's status: `in_progress` until it finishes, then its outcome. */
export type JobStatus = "in_progress" | JobOutcome;

/** How a finished job ended. */
export type JobOutcome = "success" | "failed" | "timeout";

/** A run's status: `completed` once every job has finished. */
export type RunStatus = "in_progress" | "completed";

/** How long a finished job's result can be fetched, in emulator milliseconds (vendor-documented). */
export const RESULT_TTL_MS = 24 * 60 * 60 * 1000;

/** The outcome a job with this URL will have. */
export function jobOutcome(url: string): JobOutcome {
  const lower = url.toLowerCase();
  if (lower.includes("timeout")) return "timeout";
  if (lower.includes("fail")) return "failed";
  return "success";
}

/** When job `index` of `run` finishes, in emulator epoch milliseconds. */
export function jobFinishedAt(run: StoredRun, index: number): number {
  return run.created_at + (index + 1) * run.job_duration_ms;
}

/** When `run` completes (its last job finishes), in emulator epoch milliseconds. */
export function runCompletedAt(run: StoredRun): number {
  return run.jobs.length === 0 ? run.created_at : jobFinishedAt(run, run.jobs.length - 1);
}

/** How many of the run's jobs have finished at `now` (they finish in order). */
export function finishedJobCount(run: StoredRun, now: number): number {
  if (run.job_duration_ms <= 0) return now >= run.created_at ? run.jobs.length : 0;
  const finished = Math.floor((now - run.created_at) / run.job_duration_ms);
  return Math.max(0, Math.min(run.jobs.length, finished));
}

/** Job `index`'s status at `now`. */
export function jobStatusAt(run: StoredRun, index: number, now: number): JobStatus {
  const job = run.jobs[index];
  if (job === undefined || index >= finishedJobCount(run, now)) return "in_progress";
  return jobOutcome(job.url);
}

/** The status and counters shared by every run representation. */
export interface RunCounters {
  status: RunStatus;
  total_requests: number;
  success_requests: number;
  failed_requests: number;
  timeout_requests: number;
}

/** A run's status and counters at `now`. */
export function runCountersAt(run: StoredRun, now: number): RunCounters {
  const finished = finishedJobCount(run, now);
  const counters: RunCounters = {
    status: finished === run.jobs.length ? "completed" : "in_progress",
    total_requests: run.jobs.length,
    success_requests: 0,
    failed_requests: 0,
    timeout_requests: 0,
  };
  for (const job of run.jobs.slice(0, finished)) {
    const outcome = jobOutcome(job.url);
    if (outcome === "success") counters.success_requests++;
    else if (outcome === "failed") counters.failed_requests++;
    else counters.timeout_requests++;
  }
  return counters;
}

/** The body of `POST .../run` and `GET .../runs/{run_id}`. */
export function runResource(run: StoredRun, counters: RunCounters) {
  return {
    run_id: run.run_id,
    ...counters,
    collection_id: run.collection_id,
    job_ids: run.jobs.map((j) => j.job_id),
    callback_url: run.callback_url,
    callback_status: run.callback_status,
  };
}

/** One item of `GET .../runs` (no `job_ids`, with `created_at`). */
export function runListItem(run: StoredRun, now: number) {
  return {
    run_id: run.run_id,
    ...runCountersAt(run, now),
    collection_id: run.collection_id,
    callback_url: run.callback_url,
    callback_status: run.callback_status,
    created_at: toEpochSeconds(run.created_at),
  };
}

/** One item of `GET .../runs/{run_id}/jobs`. */
export function jobListItem(run: StoredRun, index: number, now: number) {
  const job = run.jobs[index];
  if (job === undefined) throw new RangeError(`run ${run.run_id} has no job ${index}`);
  const status = jobStatusAt(run, index, now);
  return {
    job_id: job.job_id,
    url: job.url,
    custom_id: job.custom_id,
    status,
    created_at: toEpochSeconds(run.created_at),
    finished_at: status === "in_progress" ? null : toEpochSeconds(jobFinishedAt(run, index)),
  };
}

/** The body of `GET .../jobs/{job_id}/result` for a finished job. Deterministic per URL and position. */
export function jobResult(run: StoredRun, index: number) {
  const job = run.jobs[index];
  if (job === undefined) throw new RangeError(`run ${run.run_id} has no job ${index}`);
  const outcome = jobOutcome(job.url);
  const escaped = escapeHtml(job.url);
  const page: Record<JobOutcome, { statusCode: number; html: string }> = {
    success: {
      statusCode: 200,
      html: `<!doctype html><html><head><title>Emulated page</title></head><body><h1>${escaped}</h1></body></html>`,
    },
    failed: {
      statusCode: 502,
      html: `<!doctype html><html><head><title>Bad Gateway</title></head><body>${escaped}</body></html>`,
    },
    timeout: { statusCode: 504, html: "" },
  };
  return {
    ...page[outcome],
    timings: { queue_wait_ms: index * run.job_duration_ms, proxy_ms: run.job_duration_ms },
    potentiallyBlockedByCaptcha: job.url.toLowerCase().includes("captcha"),
    custom_id: job.custom_id,
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
