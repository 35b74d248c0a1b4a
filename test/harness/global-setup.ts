import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { buildBinaries, projectRoot } from '#dev/services/binaries';

/**
 * Builds the Go binaries if they are not cached, and gives the run a pid directory. Every service the
 * harness starts writes its pid there; teardown kills whatever is left, so a crashed worker cannot leave
 * nsqd or redis-server behind.
 */
export default function setup(): () => void {
  buildBinaries();
  const pidDir = process.env.NSQ_LAMBDA_PID_DIR ?? join(projectRoot, '.cache', 'run', String(process.pid));
  mkdirSync(pidDir, { recursive: true });
  process.env.NSQ_LAMBDA_PID_DIR = pidDir;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  return () => {
    if (!existsSync(pidDir)) return;
    for (const file of readdirSync(pidDir)) {
      const pid = Number(file);
      const name = readFileSync(join(pidDir, file), 'utf8').trim();
      try {
        process.kill(pid, 'SIGKILL');
        process.stderr.write(`harness: killed leftover ${name} (pid ${pid})\n`);
      } catch {
        // already gone
      }
    }
    rmSync(pidDir, { recursive: true, force: true });
  };
}
