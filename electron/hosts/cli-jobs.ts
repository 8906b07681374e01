/** Follow a job from a terminal: a progress line on stderr, Ctrl-C cancels. */
import type { Service } from './service';

export async function waitForJob(service: Service, id: string, write: (s: string) => void): Promise<unknown> {
  const tty = process.stderr.isTTY;
  let last = 0;
  const off = service.onEvent((e) => {
    if (e.type !== 'progress' || e.id !== id) return;
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
  process.on('SIGINT', onSigint);
  try {
    const { info, result } = await service.jobs.wait(id);
    if (tty) write('\r\x1b[2K');
    if (info.state === 'failed') throw new Error(info.error ?? 'the job failed');
    if (info.state === 'cancelled') throw new Error('cancelled');
    return result;
  } finally {
    off();
    process.off('SIGINT', onSigint);
  }
}
