import { readFileSync } from 'node:fs';

/**
 * Whether a process with this pid exists on this host. Signal 0 checks without signalling; EPERM
 * means it exists but belongs to another user, which still counts as alive.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

/** Clock ticks per second of /proc times: USER_HZ, fixed at 100 in the Linux ABI. */
const USER_HZ = 100;

/**
 * When the process with this pid started (epoch ms), from /proc on Linux; undefined elsewhere or when
 * it cannot be read. Lets a lock tell its holder from an unrelated process that got the same pid later.
 */
export function processStartTime(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (comm) may hold spaces and parentheses: count fields after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const startTicks = Number(fields[19]); // field 22, starttime
    const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
    if (!Number.isFinite(startTicks) || btime === undefined) return undefined;
    return Number(btime) * 1000 + (startTicks / USER_HZ) * 1000;
  } catch {
    return undefined;
  }
}
