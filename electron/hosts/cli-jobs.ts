/**
 * Follow a job from a terminal: a progress line on stderr; Ctrl-C, SIGTERM and SIGHUP (what
 * `timeout`, systemd and docker send, and a closed terminal) cancel it, so it cleans up as it
 * does when cancelled from the app. A job that says how to continue it (`--resume <id>`) has that
 * repeated when it is cancelled or fails.
 */
import type { Service } from './service';

export async function waitForJob(service: Service, id: string, write: (s: string) => void): Promise<unknown> {
  const tty = process.stderr.isTTY;
  let last = 0;
  let resumeHint: string | null = null;
  const off = service.onEvent((e) => {
    if (e.type !== 'progress' || e.id !== id) return;
    if (e.message.includes('--resume ')) resumeHint = e.message;
    const now = Date.now();
    if (!tty && now - last < 2000) return;
    last = now;
    const pct = (e.fraction * 100).toFixed(1).padStart(5);
    const eta = e.etaSeconds === null ? '' : ` ETA ${Math.ceil(e.etaSeconds)} s`;
    write(`${tty ? '\r\x1b[2K' : ''}${pct}% ${e.message}${eta}${tty ? '' : '\n'}`);
  });
  const onSigint = () => {
    write('\ncancelling…\n');
    service.jobs.cancel(id);
  };
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  for (const s of signals) process.on(s, onSigint);
  try {
    const { info, result } = await service.jobs.wait(id);
    if (tty) write('\r\x1b[2K');
    const hint = resumeHint ? ` (${resumeHint})` : '';
    if (info.state === 'failed') throw new Error(`${info.error ?? 'the job failed'}${hint}`);
    if (info.state === 'cancelled') throw new Error(`cancelled${hint}`);
    return result;
  } finally {
    off();
    for (const s of signals) process.off(s, onSigint);
  }
}
